/**
 * The read seam over what a delivery stream receives (docs/adr/0026-firehose-incoming-records-reader.md), for other
 * services of the server: Kinesis Data Analytics reads a delivery stream as an application input
 * (KinesisFirehoseInput) and samples it for DiscoverInputSchema. Rules:
 * 1. DirectPut: the records are those of the delivery stream's durable buffer (its log, sources.ts), in order,
 *    as acknowledged by PutRecord/PutRecordBatch. KinesisStreamAsSource: the records of the source Kinesis stream,
 *    read through the in-process Data Streams API, exactly what the delivery stream itself reads.
 * 2. A position is an opaque string; the caller stores it and opens a reader at it later. A batch's position
 *    resumes right after the batch. `NOW` (or `atTimestamp`) starts at the first record that arrives from that
 *    time on (Developer Guide, InputStartingPositionConfiguration: "start at the request timestamp"). There is no
 *    TRIM_HORIZON: the API reference says that option "is not available for an Amazon Kinesis Data Firehose
 *    delivery stream".
 * 3. A reader's `hold(position)` keeps the DirectPut records at and after the position from being trimmed after
 *    delivery, so a reader that stops and resumes later (LAST_STOPPED_POINT) misses nothing; a hold keeps records
 *    at most 24 hours (the Firehose Developer Guide, "Data delivery failure": data is kept for up to 24 hours) and
 *    goes with `release`, or with the delivery stream. A Kinesis-source stream needs no hold: the Kinesis stream's
 *    retention applies.
 * 4. A position of another incarnation of the delivery stream (deleted and created again) starts at the oldest
 *    record the new one holds.
 */
import type { MetaStore, ShardLog } from '../storage/index.js';
import type { ReadStart, StreamReader, StreamsApi } from '../streams/index.js';
import type { AppendNotifier } from './sources.js';

/** Where a reader starts (rule 2). */
export type IncomingStart = 'NOW' | { readonly atTimestamp: Date } | { readonly position: string };

/** A record the delivery stream received. */
export interface IncomingRecord {
  readonly data: Uint8Array;
  /** When the delivery stream (or its source Kinesis stream) accepted the record. */
  readonly arrivedAt: Date;
}

/** Records read in one go and the position right after them. */
export interface IncomingBatch {
  readonly records: readonly IncomingRecord[];
  readonly position: string;
}

/** A reader of what a delivery stream receives: iterate it once with `for await`. */
export interface IncomingReader extends AsyncIterable<IncomingBatch> {
  /** Resumes right after the last record returned so far (at the start before any). */
  readonly position: string;
  /** Keeps the records from `position` on (rule 3), durably, under the reader's holder name. */
  hold(position: string): Promise<void>;
  /** Ends the iteration (a pending `next()` resolves done); idempotent. */
  close(): void;
}

/** Options of a reader. */
export interface IncomingOptions {
  readonly start: IncomingStart;
  /** Names the reader's hold (rule 3), e.g. `analytics/<application id>/<input id>`. */
  readonly holder: string;
  /** Ends the iteration. */
  readonly signal?: AbortSignal;
  /** Records per batch. Default 5,000. */
  readonly maxRecords?: number;
}

const READ_BYTES = 4 * 1024 * 1024;
/** Rule 3: how long a hold keeps records. */
export const HOLD_MS = 24 * 3600 * 1000;

export function holdPrefix(streamId: string): string {
  return `holds/${streamId}/`;
}

function holdKey(streamId: string, holder: string): string {
  return `${holdPrefix(streamId)}${encodeURIComponent(holder)}`;
}

/** Deletes a reader's hold (rule 3). */
export async function releaseHold(meta: MetaStore, streamId: string, holder: string): Promise<void> {
  await meta.delete(holdKey(streamId, holder));
}

/** Deletes every hold of a delivery stream incarnation. */
export async function dropHolds(meta: MetaStore, streamId: string): Promise<void> {
  for (const [key] of await meta.list(holdPrefix(streamId))) await meta.delete(key);
}

/**
 * The time before which delivered records may be trimmed: `deliveredUpTo` unless a hold younger than
 * {@link HOLD_MS} needs older records (rule 3).
 */
export async function trimBefore(
  meta: MetaStore,
  streamId: string,
  deliveredUpTo: number,
  now: number,
): Promise<number> {
  let before = deliveredUpTo;
  for (const [, value] of await meta.list(holdPrefix(streamId))) {
    const at = (value as { at?: unknown }).at;
    if (typeof at === 'number') before = Math.min(before, Math.max(at, now - HOLD_MS));
  }
  return before;
}

/** A DirectPut position: `d:<incarnation>:<next offset>:<time no unread record is older than>`. */
function logPosition(streamId: string, offset: number, at: number): string {
  return `d:${streamId}:${offset}:${at}`;
}

function parseLogPosition(position: string): { streamId: string; offset: number; at: number } | undefined {
  const m = /^d:([^:]+):(\d+):(\d+)$/.exec(position);
  return m ? { streamId: m[1]!, offset: Number(m[2]), at: Number(m[3]) } : undefined;
}

/** Rules 1–4 for a DirectPut delivery stream's log. */
export async function openLogIncoming(
  log: ShardLog,
  meta: MetaStore,
  streamId: string,
  notifier: AppendNotifier,
  /** Throws when the delivery stream is gone (ResourceNotFoundException). */
  check: () => void,
  now: number,
  options: IncomingOptions,
): Promise<IncomingReader> {
  let cursor: number;
  let at: number;
  const start = options.start;
  if (typeof start === 'object' && 'position' in start) {
    const p = parseLogPosition(start.position);
    if (p && p.streamId === streamId) ({ offset: cursor, at } = p);
    else [cursor, at] = [log.startOffset, 0];
  } else {
    at = start === 'NOW' ? now : start.atTimestamp.getTime();
    cursor = await log.offsetForTimestamp(at);
  }
  const maxRecords = options.maxRecords ?? 5_000;
  const closer = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, closer.signal]) : closer.signal;
  const reader: IncomingReader = {
    get position() {
      return logPosition(streamId, cursor, at);
    },
    async hold(position) {
      const p = parseLogPosition(position);
      if (p && p.streamId === streamId) await meta.put(holdKey(streamId, options.holder), { at: p.at });
    },
    close() {
      closer.abort();
    },
    async *[Symbol.asyncIterator]() {
      while (!signal.aborted) {
        const generation = notifier.generation;
        check();
        const records = await log.read(cursor, { maxRecords, maxBytes: READ_BYTES });
        if (records.length === 0) {
          await notifier.wait(generation, signal);
          continue;
        }
        const out = new Array<IncomingRecord>(records.length);
        for (let i = 0; i < records.length; i++)
          out[i] = { data: records[i]!.value, arrivedAt: new Date(records[i]!.timestamp) };
        const last = records[records.length - 1]!;
        cursor = last.offset + 1;
        at = last.timestamp;
        yield { records: out, position: logPosition(streamId, cursor, at) };
      }
    },
  };
  return reader;
}

/** Rule 1 for a KinesisStreamAsSource delivery stream: its Kinesis stream, through the Data Streams API. */
export async function openKinesisIncoming(
  streams: StreamsApi,
  streamArn: string,
  options: IncomingOptions,
): Promise<IncomingReader> {
  const s = options.start;
  const start: ReadStart =
    s === 'NOW'
      ? 'LATEST'
      : 'atTimestamp' in s
        ? { atTimestamp: s.atTimestamp }
        : s.position.startsWith('k:')
          ? { checkpoint: s.position.slice(2) }
          : 'TRIM_HORIZON';
  const reader: StreamReader = await streams.read(
    { arn: streamArn },
    {
      start,
      deaggregate: true,
      ...(options.maxRecords ? { maxRecords: options.maxRecords } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  return {
    get position() {
      return `k:${reader.checkpoint}`;
    },
    async hold() {},
    close() {
      reader.close();
    },
    async *[Symbol.asyncIterator]() {
      for await (const batch of reader) {
        const out = new Array<IncomingRecord>(batch.records.length);
        for (let i = 0; i < batch.records.length; i++) {
          const r = batch.records[i]!;
          out[i] = { data: r.data, arrivedAt: r.arrivedAt };
        }
        yield { records: out, position: `k:${batch.checkpoint}` };
      }
    },
  };
}
