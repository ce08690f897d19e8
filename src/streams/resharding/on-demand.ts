/**
 * On-demand capacity: on-demand streams change their shard count by themselves from the write throughput
 * they observe.
 *
 * AWS (Kinesis Data Streams developer guide, "On-demand mode features and use cases"): a new on-demand
 * stream has 4 MB/s of write capacity; "on-demand mode accommodates up to double its previous peak write
 * throughput observed in the previous 30 days", scaling up as the write throughput reaches a new peak. A
 * shard takes 1 MiB/s or 1,000 records/s of writes (quotas page). Rule implemented, per on-demand stream:
 * 1. Writes are counted per second of the injected clock (`rt.now`), bytes (data + partition key) and records,
 *    from the service's append notifications (durable appends only).
 * 2. Every `intervalMs` (checked on each append and by a timer) the highest per-second rates since the last
 *    evaluation become one peak sample; samples older than 30 days are dropped. A sample that a later one
 *    equals or exceeds in both bytes and records can never be the peak again and is dropped too; past
 *    {@link MAX_SAMPLES} the two oldest neighbours merge (their maxima, the later time), so a peak may be kept
 *    up to one merge span longer, never shorter.
 * 5. The window survives a restart: after an evaluation that changed a stream's samples (at most once per
 *    `intervalMs` per stream, never per record) they are written with the time writes were first counted to
 *    the service's metadata under `on-demand/<stream id>`, read back at start, and deleted with the stream.
 * 3. Wanted shards = max(4, ⌈2 × peak bytes/s ÷ 1 MiB⌉, ⌈2 × peak records/s ÷ 1,000⌉, ⌈warm throughput MiB/s⌉).
 * 4. The stream scales towards that count when it differs, by at most doubling or halving per evaluation (down
 *    only once writes have been observed for 30 days, so the peak window is complete), within
 *    10,000 shards per stream and the account's shard quota, through the same uniform plan as UpdateShardCount
 *    (every child keeps at most two parents). The stream stays ACTIVE (AWS shows no UPDATING for on-demand scaling).
 * 6. On a cluster (ADR 0042) only the node holding the job's lease evaluates (its timer and its appends), and it
 *    writes the windows fenced with the lease's token, so a node paused past the lease cannot overwrite the new
 *    holder's window. Each node counts the writes it serves (a known limit: the holder sees only its share).
 */
import type { RepeatingJob, Scheduler } from '../../jobs/index.js';
import type { Logger } from '../../protocol/index.js';
import { type MetaStore, fencedPut } from '../../storage/index.js';
import { StreamStatus, type ShardState, type StreamState } from '../catalog.js';
import { accountShardUsage } from '../limits/shard-quota.js';
import type { AppendListener, AppendSignal } from '../policies.js';
import type { StreamsRuntime } from '../runtime.js';
import { openShardCount } from './checks.js';
import { uniformPlan } from './plan.js';
import type { Resharder } from './reshard.js';
import { MAX_SHARDS_PER_STREAM } from './update-shard-count.js';

/** Settings of on-demand scaling. */
export interface OnDemandScalingOptions {
  /** How often observed throughput is turned into a shard count, in ms of the injected clock. Default 60,000. */
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Runs the periodic check (repeating job {@link ON_DEMAND_SCALING_JOB}). */
  readonly scheduler: Scheduler;
  /** The service's append notifications (rule step 1 counts them). */
  readonly appends: AppendSignal;
  /** The service's metadata, where the peak windows are kept across restarts (rule step 5). */
  readonly meta: MetaStore;
}

/** Metadata key prefix of the persisted peak windows (rule step 5). */
export const ON_DEMAND_WINDOW_PREFIX = 'on-demand/';
/** Peak samples kept per stream (rule step 2); 30 days of hourly samples. */
export const MAX_SAMPLES = 720;

/** The persisted form of one stream's window: samples as `[at, bytes, records]`. */
interface StoredWindow {
  readonly since: number;
  readonly samples: ReadonlyArray<readonly [number, number, number]>;
}

/** Scheduler job name of the periodic on-demand scaling check. */
export const ON_DEMAND_SCALING_JOB = 'streams.on-demand-scaling';

/** AWS: on-demand streams start with (and never go below) 4 shards' worth of write capacity. */
export const ON_DEMAND_MIN_SHARDS = 4;
const MiB = 1024 * 1024;
/** AWS per-shard write limits. */
const SHARD_WRITE_BYTES = MiB;
const SHARD_WRITE_RECORDS = 1000;
/** AWS: the peak is the one "observed in the previous 30 days". */
const PEAK_WINDOW_MS = 30 * 86_400_000;

interface PeakSample {
  readonly at: number;
  readonly bytes: number;
  readonly records: number;
}

/** Write counters of one stream. */
interface StreamWrites {
  /** The second (epoch s) being counted. */
  second: number;
  bytes: number;
  records: number;
  /** Highest per-second rates since the last evaluation. */
  peakBytes: number;
  peakRecords: number;
  samples: PeakSample[];
  /** When writes were first counted (epoch ms): scaling down waits for a full 30-day window of samples. */
  readonly since: number;
  /** The samples changed since they were last written to the metadata (rule step 5). */
  dirty: boolean;
}

/** Adds a sample to a window and drops what can no longer be the peak (rule step 2). */
function addSample(samples: PeakSample[], sample: PeakSample): PeakSample[] {
  const kept = samples.filter((s) => s.bytes > sample.bytes || s.records > sample.records);
  kept.push(sample);
  while (kept.length > MAX_SAMPLES) {
    const [a, b] = kept.splice(0, 2) as [PeakSample, PeakSample];
    kept.unshift({ at: b.at, bytes: Math.max(a.bytes, b.bytes), records: Math.max(a.records, b.records) });
  }
  return kept;
}

function isStoredWindow(value: unknown): value is StoredWindow {
  const v = value as StoredWindow | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.since === 'number' &&
    Array.isArray(v.samples) &&
    v.samples.every((s) => Array.isArray(s) && s.length === 3 && s.every((n) => typeof n === 'number'))
  );
}

/** The shard count an on-demand stream wants for its observed peaks (rule step 3). */
export function wantedShards(peak: { bytes: number; records: number }, warmThroughputMiBps = 0): number {
  return Math.max(
    ON_DEMAND_MIN_SHARDS,
    Math.ceil((2 * peak.bytes) / SHARD_WRITE_BYTES),
    Math.ceil((2 * peak.records) / SHARD_WRITE_RECORDS),
    Math.ceil(warmThroughputMiBps),
  );
}

/** Counts writes of on-demand streams and rescales them (rule in this file's header). */
export class OnDemandScaler {
  readonly #rt: StreamsRuntime;
  readonly #resharder: Resharder;
  readonly #options: OnDemandScalingOptions;
  readonly #writes = new Map<string, StreamWrites>();
  #lastEvaluation: number;
  #evaluating: Promise<void> | undefined;
  readonly #job: RepeatingJob;
  readonly #unsubscribe: () => void;

  constructor(rt: StreamsRuntime, resharder: Resharder, options: OnDemandScalingOptions) {
    this.#rt = rt;
    this.#resharder = resharder;
    this.#options = options;
    this.#lastEvaluation = rt.now();
    this.#unsubscribe = options.appends.subscribe(this.#onAppend);
    // Idle streams have no appends to trigger an evaluation; the repeating job covers them.
    this.#job = options.scheduler.every(ON_DEMAND_SCALING_JOB, options.intervalMs, () => this.#maybeEvaluate());
    // (Step 6: the job runs where its lease is; #maybeEvaluate checks `runsHere` for the appends' evaluations.)
  }

  /** Runs one evaluation now (rule steps 2–4), whatever the interval; resolves when its resharding is done. */
  async evaluate(): Promise<void> {
    while (this.#evaluating) await this.#evaluating;
    const run = this.#evaluate().finally(() => (this.#evaluating = undefined));
    this.#evaluating = run;
    await run;
  }

  /**
   * Reads the persisted peak windows (rule step 5); windows of streams that are gone or no longer on-demand are
   * deleted. Call once, before appends arrive.
   */
  async restore(): Promise<void> {
    const { meta, logger } = this.#options;
    for (const [key, value] of await meta.list<unknown>(ON_DEMAND_WINDOW_PREFIX)) {
      const id = key.slice(ON_DEMAND_WINDOW_PREFIX.length);
      if (this.#rt.catalog.getById(id)?.mode !== 'ON_DEMAND' || !isStoredWindow(value)) {
        await meta.delete(key).catch((err: unknown) => logger.warn({ err, key }, 'on-demand window not deleted'));
        continue;
      }
      const samples = value.samples.map(([at, bytes, records]) => ({ at, bytes, records }));
      this.#writes.set(id, {
        second: 0,
        bytes: 0,
        records: 0,
        peakBytes: 0,
        peakRecords: 0,
        samples,
        since: value.since,
        dirty: false,
      });
    }
  }

  /** Stops counting and evaluating; waits for an evaluation under way. */
  async close(): Promise<void> {
    await this.#job.cancel();
    this.#unsubscribe();
    await this.#evaluating;
  }

  // Step 1. Must not throw or block (an append listener).
  readonly #onAppend: AppendListener = (stream: StreamState, _shard: ShardState, records: number, bytes: number) => {
    if (stream.mode !== 'ON_DEMAND') return;
    const now = this.#rt.now();
    let w = this.#writes.get(stream.id);
    if (!w) {
      w = { second: 0, bytes: 0, records: 0, peakBytes: 0, peakRecords: 0, samples: [], since: now, dirty: true };
      this.#writes.set(stream.id, w);
    }
    const second = Math.floor(now / 1000);
    if (second !== w.second) {
      w.second = second;
      w.bytes = 0;
      w.records = 0;
    }
    w.bytes += bytes;
    w.records += records;
    if (w.bytes > w.peakBytes) w.peakBytes = w.bytes;
    if (w.records > w.peakRecords) w.peakRecords = w.records;
    void this.#maybeEvaluate();
  };

  /** The largest count up to `target` whose plan (short-lived shards included) fits the account's shard quota. */
  #withinQuota(stream: StreamState, open: number, target: number): number {
    const rt = this.#rt;
    const free = rt.settings.shardLimit - accountShardUsage(rt, stream.accountId, stream.region).openShards;
    for (let t = Math.min(target, open + free); t > open; t--) {
      const plan = uniformPlan({ shards: stream.shards, nextShardIndex: stream.nextShardIndex, at: rt.now() }, t);
      if (plan.peakOpen - open <= free) return t;
    }
    return open;
  }

  /** Starts an evaluation when one is due and none runs; resolves when it ended (failures are logged). */
  #maybeEvaluate(): Promise<void> | undefined {
    if (this.#evaluating || this.#rt.now() - this.#lastEvaluation < this.#options.intervalMs) return undefined;
    // Step 6: another node holds the job.
    if (!this.#job.runsHere) return undefined;
    return this.evaluate().catch((err: unknown) => this.#options.logger.error({ err }, 'on-demand scaling failed'));
  }

  /** Rule step 5: writes one stream's window; a failure is logged and retried at the next evaluation. */
  async #persist(id: string, w: StreamWrites): Promise<void> {
    const stored: StoredWindow = { since: w.since, samples: w.samples.map((s) => [s.at, s.bytes, s.records] as const) };
    try {
      w.dirty = false;
      const token = this.#job.fencingToken;
      // Step 6: fenced where the job runs under a lease.
      if (token === undefined) await this.#options.meta.put(ON_DEMAND_WINDOW_PREFIX + id, stored);
      else await fencedPut(this.#options.meta, ON_DEMAND_WINDOW_PREFIX + id, { ...stored }, token);
    } catch (err) {
      w.dirty = true;
      this.#options.logger.warn({ err, stream: id }, 'on-demand window not saved; retried at the next evaluation');
    }
  }

  async #forget(id: string): Promise<void> {
    await this.#options.meta
      .delete(ON_DEMAND_WINDOW_PREFIX + id)
      .catch((err: unknown) => this.#options.logger.warn({ err, stream: id }, 'on-demand window not deleted'));
  }

  async #evaluate(): Promise<void> {
    const rt = this.#rt;
    const now = rt.now();
    this.#lastEvaluation = now;
    for (const [id, w] of this.#writes) {
      const stream = rt.catalog.getById(id);
      if (stream?.mode !== 'ON_DEMAND') {
        this.#writes.delete(id);
        await this.#forget(id);
        continue;
      }
      // Step 2.
      if (w.peakBytes > 0 || w.peakRecords > 0) {
        w.samples = addSample(w.samples, { at: now, bytes: w.peakBytes, records: w.peakRecords });
        w.dirty = true;
      }
      w.peakBytes = 0;
      w.peakRecords = 0;
      const live = w.samples.filter((s) => s.at > now - PEAK_WINDOW_MS);
      if (live.length !== w.samples.length) w.dirty = true;
      w.samples = live;
      // Step 5.
      if (w.dirty) await this.#persist(id, w);
    }
    for (const stream of [...rt.catalog.all()]) {
      if (stream.mode !== 'ON_DEMAND' || stream.status !== StreamStatus.ACTIVE || this.#resharder.busy(stream))
        continue;
      const writes = this.#writes.get(stream.id);
      const samples = writes?.samples ?? [];
      const peak = { bytes: 0, records: 0 };
      for (const s of samples) {
        if (s.bytes > peak.bytes) peak.bytes = s.bytes;
        if (s.records > peak.records) peak.records = s.records;
      }
      const open = openShardCount(stream);
      // Step 3, then step 4's bounds.
      let target = wantedShards(peak, stream.warmThroughputMiBps);
      target = Math.min(target, open * 2, MAX_SHARDS_PER_STREAM);
      target = Math.max(target, Math.ceil(open / 2));
      if (target > open) target = this.#withinQuota(stream, open, target);
      // Only a full window of observations shows the peak has really passed (a restart starts a new one).
      if (target < open && (!writes || now - writes.since < PEAK_WINDOW_MS)) continue;
      if (target === open) continue;
      this.#options.logger.info({ stream: stream.name, from: open, to: target, peak }, 'on-demand scaling');
      await this.#resharder.apply(stream, (base, current) => {
        // The map may have changed while earlier streams were scaled.
        if (current.mode !== 'ON_DEMAND' || current.status !== StreamStatus.ACTIVE) return undefined;
        return uniformPlan(base, target);
      });
    }
  }
}
