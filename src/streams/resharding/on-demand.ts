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
 *    holder's window. A node that takes the job over first merges the stored windows into its own.
 * 7. Behind a load balancer each node serves a share of a stream's writes, so the rate that counts is the
 *    cluster's (ADR 0047). On a shared backend (`capabilities.shared`) every node keeps its per-second counts of
 *    the last {@link REPORT_HORIZON_INTERVALS} intervals and, every `intervalMs` on its own timer, publishes those
 *    of the streams it wrote to under `on-demand-writes/<stream id>/<node>` (one metadata write per stream and
 *    node per interval, none while it serves no writes). The holder hears the reports through the change feed,
 *    adds each reported second to its own count of that second, and the highest such sum is a peak sample like
 *    its own (a second counted at two evaluations is the same peak twice, which the window keeps once). Reports
 *    whose newest second left the horizon (a node that stopped or died) are deleted by the holder.
 */
import { randomUUID } from 'node:crypto';
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
/** Metadata key prefix of the nodes' write reports (rule step 7): `on-demand-writes/<stream id>/<node>`. */
export const ON_DEMAND_REPORT_PREFIX = 'on-demand-writes/';
/**
 * How many intervals of per-second counts a report carries (rule step 7): a second is published at most one
 * interval after it ended and evaluated at most one interval after that; the third covers delays of the feed.
 */
export const REPORT_HORIZON_INTERVALS = 3;
/** Peak samples kept per stream (rule step 2); 30 days of hourly samples. */
export const MAX_SAMPLES = 720;

/** The persisted form of one stream's window: samples as `[at, bytes, records]`. */
interface StoredWindow {
  readonly since: number;
  readonly samples: ReadonlyArray<readonly [number, number, number]>;
}

/** Scheduler job name of the periodic on-demand scaling check. */
export const ON_DEMAND_SCALING_JOB = 'streams.on-demand-scaling';
/** Scheduler job name of the per-node publication of the writes it served (rule step 7; runs on every node). */
export const ON_DEMAND_REPORT_JOB = 'streams.on-demand-report';

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
  since: number;
  /** The samples changed since they were last written to the metadata (rule step 5). */
  dirty: boolean;
  /**
   * Rule step 7, on a shared backend only: finished seconds with writes as flat `[second, bytes, records]`
   * triples, oldest first, trimmed to the report horizon when reports are built.
   */
  recent: number[];
  /** Writes were counted since this node's last report. */
  unreported: boolean;
  /** This node's report of the stream is stored (deleted once it has nothing left to say). */
  reported: boolean;
}

/** Another node's report of one stream (rule step 7): its seconds as flat triples, and the key's revision. */
interface RemoteReport {
  readonly seconds: readonly number[];
  readonly revision: number;
}

function newWrites(since: number): StreamWrites {
  return {
    second: 0,
    bytes: 0,
    records: 0,
    peakBytes: 0,
    peakRecords: 0,
    samples: [],
    since,
    dirty: true,
    recent: [],
    unreported: false,
    reported: false,
  };
}

/** A window's samples and more samples, in time order, without those a later one equals or exceeds. */
function mergeSamples(a: readonly PeakSample[], b: readonly PeakSample[]): PeakSample[] {
  let merged: PeakSample[] = [];
  for (const s of [...a, ...b].sort((x, y) => x.at - y.at)) merged = addSample(merged, s);
  return merged;
}

/** A report's value: flat `[second, bytes, records]` triples of numbers. */
function isReportSeconds(value: unknown): value is number[] {
  return Array.isArray(value) && value.length % 3 === 0 && value.every((n) => typeof n === 'number');
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
  /** Rule step 7: on a shared backend, this node's report job, its name in report keys and the feed's reports. */
  readonly #shared: boolean;
  readonly #reportJob: RepeatingJob | undefined;
  readonly #node = randomUUID();
  readonly #remote = new Map<string, Map<string, RemoteReport>>();
  readonly #unwatch: (() => void) | undefined;
  /** The lease token under which the stored windows were last merged (rule step 6). */
  #mergedToken: number | undefined;

  constructor(rt: StreamsRuntime, resharder: Resharder, options: OnDemandScalingOptions) {
    this.#rt = rt;
    this.#resharder = resharder;
    this.#options = options;
    this.#lastEvaluation = rt.now();
    this.#unsubscribe = options.appends.subscribe(this.#onAppend);
    // Idle streams have no appends to trigger an evaluation; the repeating job covers them.
    this.#job = options.scheduler.every(ON_DEMAND_SCALING_JOB, options.intervalMs, () => this.#maybeEvaluate());
    // (Step 6: the job runs where its lease is; #maybeEvaluate checks `runsHere` for the appends' evaluations.)
    this.#shared = rt.logs.capabilities.shared === true;
    if (this.#shared) {
      this.#unwatch = options.meta.watchRemote(ON_DEMAND_REPORT_PREFIX, (change) =>
        this.#heard(change.key, change.value, change.revision),
      );
      this.#reportJob = options.scheduler.every(ON_DEMAND_REPORT_JOB, options.intervalMs, () => this.#report(), {
        everyNode: true,
      });
    }
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
      this.#writes.set(id, { ...newWrites(value.since), samples, dirty: false });
    }
  }

  /**
   * Rule step 6: a node that (again) holds the job merges the stored windows, which the previous holder kept, into
   * its own. Once per holding; a failure is logged and retried at the next evaluation.
   */
  async #mergeStored(): Promise<void> {
    const token = this.#job.fencingToken;
    if (token === undefined || token === this.#mergedToken) return;
    let stored: Array<[string, unknown]>;
    try {
      stored = await this.#options.meta.list<unknown>(ON_DEMAND_WINDOW_PREFIX);
    } catch (err) {
      this.#options.logger.warn({ err }, 'on-demand windows not read; retried at the next evaluation');
      return;
    }
    for (const [key, value] of stored) {
      const id = key.slice(ON_DEMAND_WINDOW_PREFIX.length);
      if (this.#rt.catalog.getById(id)?.mode !== 'ON_DEMAND' || !isStoredWindow(value)) continue;
      const samples = value.samples.map(([at, bytes, records]) => ({ at, bytes, records }));
      const w = this.#writes.get(id);
      if (!w) {
        this.#writes.set(id, { ...newWrites(value.since), samples, dirty: false });
        continue;
      }
      w.samples = mergeSamples(w.samples, samples);
      w.dirty = true;
      if (value.since < w.since) w.since = value.since;
    }
    this.#mergedToken = token;
  }

  /** Stops counting and evaluating; waits for an evaluation under way. */
  async close(): Promise<void> {
    await this.#job.cancel();
    await this.#reportJob?.cancel();
    this.#unsubscribe();
    this.#unwatch?.();
    await this.#evaluating;
  }

  // Step 1. Must not throw or block (an append listener).
  readonly #onAppend: AppendListener = (stream: StreamState, _shard: ShardState, records: number, bytes: number) => {
    if (stream.mode !== 'ON_DEMAND') return;
    const now = this.#rt.now();
    let w = this.#writes.get(stream.id);
    if (!w) {
      w = newWrites(now);
      this.#writes.set(stream.id, w);
    }
    const second = Math.floor(now / 1000);
    if (second !== w.second) {
      // Step 7: the finished second is kept for this node's report.
      if (this.#shared && (w.bytes > 0 || w.records > 0)) w.recent.push(w.second, w.bytes, w.records);
      w.second = second;
      w.bytes = 0;
      w.records = 0;
    }
    w.bytes += bytes;
    w.records += records;
    if (w.bytes > w.peakBytes) w.peakBytes = w.bytes;
    if (w.records > w.peakRecords) w.peakRecords = w.records;
    w.unreported = true;
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

  /** A stream that is gone or no longer on-demand: its window and the reports of it (rule step 7) are deleted. */
  async #forget(id: string): Promise<void> {
    const keys = [ON_DEMAND_WINDOW_PREFIX + id];
    if (this.#shared) keys.push(`${ON_DEMAND_REPORT_PREFIX}${id}/${this.#node}`);
    for (const node of this.#remote.get(id)?.keys() ?? []) keys.push(`${ON_DEMAND_REPORT_PREFIX}${id}/${node}`);
    this.#remote.delete(id);
    for (const key of keys)
      await this.#options.meta
        .delete(key)
        .catch((err: unknown) => this.#options.logger.warn({ err, key }, 'on-demand window not deleted'));
  }

  /** First second (epoch s) of the report horizon at `now` (rule step 7). */
  #horizonStart(now: number): number {
    return Math.floor((now - REPORT_HORIZON_INTERVALS * this.#options.intervalMs) / 1000);
  }

  /**
   * Rule step 7, every node: publishes the per-second counts of the report horizon of each stream it wrote to
   * since its last report, and deletes its report of a stream once it has nothing left to say.
   */
  async #report(): Promise<void> {
    const start = this.#horizonStart(this.#rt.now());
    for (const [id, w] of this.#writes) {
      let drop = 0;
      while (drop < w.recent.length && w.recent[drop]! < start) drop += 3;
      if (drop > 0) w.recent.splice(0, drop);
      const key = `${ON_DEMAND_REPORT_PREFIX}${id}/${this.#node}`;
      const onDemand = this.#rt.catalog.getById(id)?.mode === 'ON_DEMAND';
      const seconds = w.recent.slice();
      if (w.second >= start && (w.bytes > 0 || w.records > 0)) seconds.push(w.second, w.bytes, w.records);
      try {
        if (!onDemand || seconds.length === 0) {
          if (w.reported) await this.#options.meta.delete(key);
          w.reported = false;
          if (!onDemand) w.recent = [];
          continue;
        }
        if (!w.unreported) continue;
        w.unreported = false;
        await this.#options.meta.put(key, seconds);
        w.reported = true;
      } catch (err) {
        w.unreported = true;
        this.#options.logger.warn({ err, stream: id }, 'on-demand write report not saved; retried at the next one');
      }
    }
  }

  /** Rule step 7: another node's report (or its deletion) heard through the change feed. */
  #heard(key: string, value: unknown, revision: number): void {
    const rest = key.slice(ON_DEMAND_REPORT_PREFIX.length);
    const slash = rest.lastIndexOf('/');
    if (slash <= 0) return;
    const id = rest.slice(0, slash);
    const node = rest.slice(slash + 1);
    let reports = this.#remote.get(id);
    if (value === undefined || !isReportSeconds(value)) {
      reports?.delete(node);
      if (reports?.size === 0) this.#remote.delete(id);
      return;
    }
    if (!reports) this.#remote.set(id, (reports = new Map()));
    reports.set(node, { seconds: value, revision });
  }

  /**
   * Rule step 7, on the holder: the highest per-second sum over the seconds other nodes reported within the
   * horizon, each added to this node's own count of that second; undefined when no report has such a second.
   * Reports with nothing left in the horizon are deleted (their node stopped writing, stopped or died).
   */
  async #clusterPeak(id: string, w: StreamWrites | undefined, now: number): Promise<PeakSample | undefined> {
    const reports = this.#remote.get(id);
    if (!reports) return undefined;
    const start = this.#horizonStart(now);
    const sums = new Map<number, [number, number]>();
    for (const [node, report] of reports) {
      const s = report.seconds;
      let live = false;
      for (let i = 0; i < s.length; i += 3) {
        const second = s[i]!;
        if (second < start) continue;
        live = true;
        const sum = sums.get(second);
        if (sum) {
          sum[0] += s[i + 1]!;
          sum[1] += s[i + 2]!;
        } else sums.set(second, [s[i + 1]!, s[i + 2]!]);
      }
      if (live) continue;
      reports.delete(node);
      // Conditional on the revision heard: a newer report of that node stays.
      await this.#options.meta
        .delete(`${ON_DEMAND_REPORT_PREFIX}${id}/${node}`, { expectedRevision: report.revision })
        .catch(() => {});
    }
    if (reports.size === 0) this.#remote.delete(id);
    if (sums.size === 0) return undefined;
    if (w) {
      const own = w.recent;
      for (let i = 0; i < own.length; i += 3) {
        const sum = sums.get(own[i]!);
        if (sum) {
          sum[0] += own[i + 1]!;
          sum[1] += own[i + 2]!;
        }
      }
      const current = sums.get(w.second);
      if (current) {
        current[0] += w.bytes;
        current[1] += w.records;
      }
    }
    const peak = { at: now, bytes: 0, records: 0 };
    for (const [bytes, records] of sums.values()) {
      if (bytes > peak.bytes) peak.bytes = bytes;
      if (records > peak.records) peak.records = records;
    }
    return peak;
  }

  async #evaluate(): Promise<void> {
    const rt = this.#rt;
    const now = rt.now();
    this.#lastEvaluation = now;
    // Step 6.
    await this.#mergeStored();
    // Step 7: streams only other nodes wrote to get a window here too.
    for (const id of this.#remote.keys())
      if (!this.#writes.has(id) && rt.catalog.getById(id)?.mode === 'ON_DEMAND') this.#writes.set(id, newWrites(now));
    for (const [id, w] of this.#writes) {
      const stream = rt.catalog.getById(id);
      if (stream?.mode !== 'ON_DEMAND') {
        this.#writes.delete(id);
        await this.#forget(id);
        continue;
      }
      // Step 2 (with step 7's cluster-wide seconds).
      const cluster = await this.#clusterPeak(id, w, now);
      const bytes = Math.max(w.peakBytes, cluster?.bytes ?? 0);
      const records = Math.max(w.peakRecords, cluster?.records ?? 0);
      if (bytes > 0 || records > 0) {
        w.samples = addSample(w.samples, { at: now, bytes, records });
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
