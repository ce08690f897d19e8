/**
 * The raw JetStream baseline of `npm run bench:streams -- --storage nats...`: the same load as the Kinesis
 * scenarios, published with the NATS client alone, so that the gateway's overhead shows as a ratio
 * (docs/adr/0037-nats-benchmark-sealing-retention.md).
 *
 * "The same load" means what the NATS backend (src/storage/nats/log-store.ts, ADR 0028) sends for it: one
 * JetStream stream per shard with the backend's settings, every record one message with a `Nats-Msg-Id` expecting
 * the stream's last sequence to be the one before its own (ADR 0049), records of a shard queued and committed as
 * groups, the first message of a group alone and then at most 256 publishes in flight. What the gateway adds on top (HTTP, JSON and base64, MD5 routing, the record framing, the catalogue) is
 * what the ratio measures. Records are routed to shards by the MD5 of their partition key, computed before the clock
 * starts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import {
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { ClosedLoopOptions, ReadResult, RequestOutcome, WriteResult } from './scenarios.js';
import { cpuShare, machineBusySeconds, runClosedLoop } from './scenarios.js';
import { megabytesPerSecond, perSecond, summarizeLatencies } from './stats.js';

/** Publishes in flight per shard: the backend's window (src/storage/nats/log-store.ts). */
const PUBLISH_WINDOW = 256;
/** Direct gets in flight per read: the backend's read window. */
const READ_WINDOW = 64;
/** Timeout of one publish, as the backend's default attempt timeout. */
const PUBLISH_TIMEOUT_MS = 2000;

/** One pre-built request: the payloads of its records, grouped by shard index. */
export interface RawRequest {
  readonly byShard: ReadonlyArray<readonly Uint8Array[]>;
  readonly records: number;
}

/** Shard index of a partition key among `shards` equal hash-key ranges (MD5, as Kinesis routes). */
export function shardOfKey(key: string, shards: number): number {
  const top = createHash('md5').update(key).digest().readUInt32BE(0);
  return Math.floor((top * shards) / 2 ** 32);
}

/**
 * `count` requests of `batchSize` records of `recordSize` random bytes, keys `${keyPrefix}-${b}-${i}` as the
 * HTTP bodies use (./bodies.ts), each record assigned to its shard.
 */
export function buildRawRequests(options: {
  recordSize: number;
  batchSize: number;
  count: number;
  shards: number;
  keyPrefix: string;
}): RawRequest[] {
  const requests: RawRequest[] = [];
  for (let b = 0; b < options.count; b++) {
    const byShard: Uint8Array[][] = Array.from({ length: options.shards }, () => []);
    for (let i = 0; i < options.batchSize; i++)
      byShard[shardOfKey(`${options.keyPrefix}-${b}-${i}`, options.shards)]!.push(randomBytes(options.recordSize));
    requests.push({ byShard, records: options.batchSize });
  }
  return requests;
}

interface Pending {
  readonly payloads: readonly Uint8Array[];
  readonly resolve: (acked: number) => void;
}

/** One shard's stream with the backend's commit discipline: queued groups, a window, last-sequence chaining. */
class ShardPublisher {
  readonly #js: JetStreamClient;
  readonly #subject: string;
  readonly #writer = randomBytes(6).toString('base64url');
  #counter = 0;
  /** The stream's last sequence as this publisher's acknowledgements left it (unknown after a failure). */
  #lastSeq: number | undefined;
  #queue: Pending[] = [];
  #writing = false;
  /** Publish failures by error text (a healthy run has none). */
  readonly failures = new Map<string, number>();

  constructor(js: JetStreamClient, subject: string) {
    this.#js = js;
    this.#subject = subject;
  }

  /** Resolves with how many of `payloads` were acknowledged. */
  append(payloads: readonly Uint8Array[]): Promise<number> {
    if (payloads.length === 0) return Promise.resolve(0);
    return new Promise((resolve) => {
      this.#queue.push({ payloads, resolve });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    while (this.#queue.length > 0) {
      const group = this.#queue;
      this.#queue = [];
      await this.#commit(group);
    }
    this.#writing = false;
  }

  async #commit(group: Pending[]): Promise<void> {
    const acked = new Array<number>(group.length).fill(0);
    const inflight = new Set<Promise<void>>();
    let broken = false;
    let first = true;
    for (let g = 0; g < group.length && !broken; g++) {
      for (const payload of group[g]!.payloads) {
        while (inflight.size >= PUBLISH_WINDOW) await Promise.race(inflight);
        if (broken) break;
        const msgID = `${this.#writer}-${++this.#counter}`;
        const expect = this.#lastSeq === undefined ? undefined : { lastSequence: this.#lastSeq };
        if (this.#lastSeq !== undefined) this.#lastSeq++;
        const p = this.#js
          .publish(this.#subject, payload, {
            msgID,
            timeout: PUBLISH_TIMEOUT_MS,
            ...(expect ? { expect } : {}),
          })
          .then(
            (ack) => {
              acked[g]!++;
              // An unchained first message tells where the stream ends.
              if (expect === undefined) this.#lastSeq = ack.seq;
            },
            (err: unknown) => {
              // A refused message leaves its successors expecting the wrong sequences: stop this group.
              broken = true;
              const text = String((err as Error).message ?? err);
              this.failures.set(text, (this.failures.get(text) ?? 0) + 1);
            },
          )
          .finally(() => inflight.delete(p));
        inflight.add(p);
        // As the backend: the first message of a group goes alone.
        if (first) {
          first = false;
          await p;
        }
      }
    }
    await Promise.all(inflight);
    if (broken) this.#lastSeq = undefined;
    for (let g = 0; g < group.length; g++) group[g]!.resolve(acked[g]!);
  }
}

/** A set of shard streams for one scenario. */
export interface RawShardSet {
  readonly streams: readonly string[];
  readonly shardIds: readonly string[];
  append(request: RawRequest): Promise<RequestOutcome>;
  failures(): Record<string, number>;
}

/** A connection to the cluster and the streams it created (deleted by {@link RawJetStream.close}). */
export class RawJetStream {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #prefix: string;
  readonly #created: string[] = [];

  private constructor(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, prefix: string) {
    this.#nc = nc;
    this.#js = js;
    this.#jsm = jsm;
    this.#prefix = prefix;
  }

  /** Connects to every listed server (the client fails over among them). `prefix` names the streams. */
  static async connect(
    servers: readonly string[],
    prefix: string,
    auth: { user?: string; pass?: string; token?: string } = {},
  ): Promise<RawJetStream> {
    const nc = await connect({
      servers: [...servers],
      name: 'tributary-bench-raw',
      // As the backend connects (src/storage/nats/backend.ts): no stack trace captured per request.
      noAsyncTraces: true,
      ...(auth.user !== undefined ? { user: auth.user, pass: auth.pass ?? '' } : {}),
      ...(auth.token !== undefined ? { token: auth.token } : {}),
    });
    const js = jetstream(nc, { timeout: 5000 });
    const jsm = await jetstreamManager(nc, { timeout: 5000 });
    return new RawJetStream(nc, js, jsm, prefix);
  }

  /** The server version the connection reports. */
  get serverVersion(): string {
    return this.#nc.info?.version ?? 'unknown';
  }

  /** Creates `shards` streams named after `group`, with the backend's shard stream settings and `replicas`. */
  async createShards(group: string, shards: number, replicas: number): Promise<RawShardSet> {
    const streams: string[] = [];
    const publishers: ShardPublisher[] = [];
    for (let i = 0; i < shards; i++) {
      const name = `${this.#prefix}_${group}_${i}`;
      const subject = `${this.#prefix}.${group}.${i}`;
      // The settings of src/storage/nats/log-store.ts (ADR 0028).
      await this.#jsm.streams.add({
        name,
        subjects: [subject],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        num_replicas: replicas,
        discard: DiscardPolicy.Old,
        duplicate_window: nanos(120_000),
        allow_direct: true,
      });
      this.#created.push(name);
      streams.push(name);
      publishers.push(new ShardPublisher(this.#js, subject));
    }
    const shardIds = streams.map((_, i) => `shard-${i}`);
    return {
      streams,
      shardIds,
      async append(request) {
        const started = performance.now();
        const counts = await Promise.all(request.byShard.map((payloads, i) => publishers[i]!.append(payloads)));
        const latencyMs = performance.now() - started;
        const ackedShards: string[] = [];
        const refused: string[] = [];
        for (let i = 0; i < counts.length; i++) {
          for (let n = 0; n < counts[i]!; n++) ackedShards.push(shardIds[i]!);
          for (let n = counts[i]!; n < request.byShard[i]!.length; n++) refused.push('PublishFailed');
        }
        return { ok: true, latencyMs, ackedShards, refused };
      },
      failures() {
        const all: Record<string, number> = {};
        for (const p of publishers) for (const [k, v] of p.failures) all[k] = (all[k] ?? 0) + v;
        return all;
      },
    };
  }

  /**
   * Reads `stream` from its first message as the backend reads a shard: direct gets, {@link READ_WINDOW} in
   * flight, until `expected` messages came back, checking each payload's size.
   */
  async readBack(
    stream: string,
    options: {
      shardId: string;
      expected: number;
      recordSize: number;
      natsCpuSeconds?: () => number | undefined;
    },
  ): Promise<ReadResult> {
    const machineBefore = machineBusySeconds();
    const clientBefore = process.cpuUsage();
    const natsBefore = options.natsCpuSeconds?.();
    const started = performance.now();
    const latencies: number[] = [];
    let records = 0;
    let calls = 0;
    let problem: string | undefined;
    let seq = 1;
    while (records < options.expected && problem === undefined) {
      // One "call" reads up to 10,000 records, the GetRecords limit the HTTP read-back uses.
      const callStart = performance.now();
      const callEnd = Math.min(options.expected, records + 10_000);
      calls++;
      while (records < callEnd && problem === undefined) {
        const n = Math.min(READ_WINDOW, callEnd - records);
        const window = await Promise.all(
          Array.from({ length: n }, (_, i) => this.#jsm.direct.getMessage(stream, { seq: seq + i })),
        );
        for (const m of window) {
          if (!m) problem = `message ${seq} missing`;
          else if (m.data.length !== options.recordSize)
            problem = `message ${m.seq} has ${m.data.length} bytes, expected ${options.recordSize}`;
          if (problem !== undefined) break;
          records++;
          seq++;
        }
      }
      latencies.push(performance.now() - callStart);
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      streamName: stream,
      shardId: options.shardId,
      recordSize: options.recordSize,
      expected: options.expected,
      records,
      verified: problem === undefined,
      problem,
      calls,
      seconds,
      recordsPerSecond: perSecond(records, seconds),
      megabytesPerSecond: megabytesPerSecond(records * options.recordSize, seconds),
      latency: summarizeLatencies(latencies),
      cpu: cpuShare(seconds, {
        machineBefore,
        clientBefore,
        serverBefore: undefined,
        serverAfter: undefined,
        natsBefore,
        natsAfter: options.natsCpuSeconds?.(),
      }),
    };
  }

  /** Deletes the streams this instance created and closes the connection. */
  async close(): Promise<void> {
    try {
      await Promise.all(this.#created.map((name) => this.#jsm.streams.delete(name).catch(() => undefined)));
    } finally {
      await this.#nc.close();
    }
  }
}

/** Runs the closed-loop write load of a scenario on raw JetStream: `requests` round-robin over `shards`. */
export function runRawWriteLoad(
  shards: RawShardSet,
  requests: readonly RawRequest[],
  options: ClosedLoopOptions,
): Promise<WriteResult> {
  let next = 0;
  return runClosedLoop(() => shards.append(requests[next++ % requests.length]!), options);
}
