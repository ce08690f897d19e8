/**
 * Where a delivery worker's records come from, with a durable position to resume from:
 * - DirectPut: the stream's own log (`firehose-<incarnation id>` in the LogStore). PutRecord/PutRecordBatch
 *   answer only once their records are appended and durable (group commit), so a crash loses nothing
 *   acknowledged. The delivered position is a log offset kept under `delivery/<id>`; delivered segments are
 *   trimmed.
 * - KinesisStreamAsSource: a reader of the Kinesis stream through the in-process Data Streams API
 *   (`streams.api.read`), which follows resharding; its opaque checkpoint is kept under `delivery/<id>`. Each
 *   delivery stream has its own reader and checkpoint, so several delivery streams can read one Kinesis stream.
 */
import { type MetaStore, type ShardLog, fencedPut } from '../storage/index.js';
import type { RecordBatch, StreamReader, StreamsApi } from '../streams/index.js';

/** A record waiting for delivery. */
export interface BufferedRecord {
  readonly data: Uint8Array;
  /** Approximate arrival time, epoch ms. */
  readonly arrivedAt: number;
}

/** A durable position in a source. */
export type SourcePosition = { readonly offset: number } | { readonly checkpoint: string };

/** Records read in one go and the position right after them. */
export interface SourceBatch {
  readonly records: readonly BufferedRecord[];
  readonly position: SourcePosition;
}

/** A source of records for one delivery worker. */
export interface RecordSource {
  /** The next records, waiting until there are some; undefined once aborted. */
  next(signal: AbortSignal): Promise<SourceBatch | undefined>;
  /** True when every record acknowledged up to `target` (a log offset) was returned by {@link next}. */
  reached(target: number | undefined): boolean;
  /** Makes `position` the durable resume point (everything before it was delivered). */
  commit(position: SourcePosition, lastArrivedAt: number): Promise<void>;
  close(): void;
}

/** Wakes waiters when a stream's log grows. */
export class AppendNotifier {
  #generation = 0;
  #waiters = new Set<() => void>();

  get generation(): number {
    return this.#generation;
  }

  notify(): void {
    this.#generation++;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w();
  }

  /** Resolves at the next notify after `generation` (at once if one happened), or on abort. */
  wait(generation: number, signal: AbortSignal): Promise<void> {
    if (generation !== this.#generation || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

const READ_RECORDS = 5_000;
const READ_BYTES = 4 * 1024 * 1024;

export function checkpointKey(id: string): string {
  return `delivery/${id}`;
}

/** The DirectPut source over the stream's log. */
export async function openLogSource(
  log: ShardLog,
  meta: MetaStore,
  id: string,
  notifier: AppendNotifier,
  onDelivered: (bytes: number) => void,
  /** The time before which delivered records may go (holds of incoming readers, incoming.ts rule 3). */
  trimBefore: (deliveredUpTo: number) => Promise<number> = async (t) => t,
  /** The delivery worker's lease: checkpoints are fenced with it (a stale holder's is refused, ADR 0036). */
  fencingToken?: number,
): Promise<RecordSource> {
  const stored = await meta.get<{ offset: number }>(checkpointKey(id));
  let cursor = Math.max(stored?.offset ?? 0, log.startOffset);
  let committed = cursor;
  /** Bytes of records returned but not yet committed, by end offset. */
  const inFlight: Array<{ end: number; bytes: number }> = [];
  return {
    async next(signal) {
      for (;;) {
        if (signal.aborted) return undefined;
        const generation = notifier.generation;
        const records = await log.read(cursor, { maxRecords: READ_RECORDS, maxBytes: READ_BYTES });
        if (records.length > 0) {
          cursor = records[records.length - 1]!.offset + 1;
          let bytes = 0;
          for (const r of records) bytes += r.value.length;
          inFlight.push({ end: cursor, bytes });
          return {
            records: records.map((r) => ({ data: r.value, arrivedAt: r.timestamp })),
            position: { offset: cursor },
          };
        }
        await notifier.wait(generation, signal);
      }
    },
    reached(target) {
      return target === undefined || cursor >= target;
    },
    async commit(position, lastArrivedAt) {
      if (!('offset' in position) || position.offset <= committed) return;
      await writeCheckpoint(meta, id, { offset: position.offset }, fencingToken);
      committed = position.offset;
      let bytes = 0;
      while (inFlight.length > 0 && inFlight[0]!.end <= committed) bytes += inFlight.shift()!.bytes;
      onDelivered(bytes);
      // Records are in non-decreasing time order: whole segments older than the last delivered record are done,
      // unless an incoming reader still holds them (incoming.ts rule 3).
      await log.trim(await trimBefore(lastArrivedAt));
    },
    close() {},
  };
}

/**
 * Stores a delivery checkpoint. With the worker's fencing token, a holder whose lease another node took over
 * (paused past its ttl) cannot move the checkpoint back: its write is refused with TRIB_ERR_LEASE_LOST, the run
 * fails and the worker host puts it in standby.
 */
async function writeCheckpoint(
  meta: MetaStore,
  id: string,
  value: Readonly<Record<string, unknown>>,
  fencingToken: number | undefined,
): Promise<void> {
  if (fencingToken === undefined) await meta.put(checkpointKey(id), value);
  else await fencedPut(meta, checkpointKey(id), value, fencingToken);
}

/** Sums the bytes of records not yet delivered (start-up accounting of the buffer cap). */
export async function undeliveredBytes(log: ShardLog, meta: MetaStore, id: string): Promise<number> {
  const stored = await meta.get<{ offset: number }>(checkpointKey(id));
  let cursor = Math.max(stored?.offset ?? 0, log.startOffset);
  let total = 0;
  while (cursor < log.nextOffset) {
    const records = await log.read(cursor, { maxRecords: READ_RECORDS, maxBytes: READ_BYTES });
    if (records.length === 0) break;
    for (const r of records) total += r.value.length;
    cursor = records[records.length - 1]!.offset + 1;
  }
  return total;
}

/** The KinesisStreamAsSource source over an in-process stream reader; `onRead` observes each batch (metrics). */
export async function openKinesisSource(
  streams: StreamsApi,
  streamArn: string,
  meta: MetaStore,
  id: string,
  signal: AbortSignal,
  onRead?: (records: number, bytes: number, millisBehindLatest: number) => void,
  /** The delivery worker's lease: checkpoints are fenced with it (a stale holder's is refused, ADR 0036). */
  fencingToken?: number,
): Promise<RecordSource> {
  const stored = await meta.get<{ checkpoint: string }>(checkpointKey(id));
  const reader: StreamReader = await streams.read(
    { arn: streamArn },
    { start: stored ? { checkpoint: stored.checkpoint } : 'TRIM_HORIZON', deaggregate: true, signal },
  );
  const iterator = reader[Symbol.asyncIterator]();
  return {
    async next() {
      const r: IteratorResult<RecordBatch> = await iterator.next();
      if (r.done) return undefined;
      if (onRead) {
        let bytes = 0;
        for (const x of r.value.records) bytes += x.data.length;
        onRead(r.value.records.length, bytes, r.value.millisBehindLatest);
      }
      return {
        records: r.value.records.map((x) => ({ data: x.data, arrivedAt: x.arrivedAt.getTime() })),
        position: { checkpoint: r.value.checkpoint },
      };
    },
    reached: () => true,
    async commit(position) {
      if ('checkpoint' in position) await writeCheckpoint(meta, id, { checkpoint: position.checkpoint }, fencingToken);
    },
    close() {
      reader.close();
    },
  };
}
