/**
 * The read path of Data Streams: reading one shard from a position, as GetShardIterator / GetRecords,
 * SubscribeToShard and the in-process stream reader (src/streams/reader.ts) do.
 *
 * Starting positions (GetShardIterator API reference; SubscribeToShard's StartingPosition "has the same
 * semantics"):
 * 1. AT_SEQUENCE_NUMBER / AFTER_SEQUENCE_NUMBER need a sequence number, and only they may carry one.
 * 2. AT_TIMESTAMP needs a timestamp ≤ now; it starts at the first record that arrived at or after it, clamped
 *    to the trim horizon.
 * 3. TRIM_HORIZON starts at the oldest record within retention; LATEST just after the newest record.
 *
 * Reading (GetRecords API reference):
 * 1. Up to a record limit (at most 10,000) and a byte limit (at most 10 MiB), at least one record when one is
 *    available; records past the stream's retention are skipped.
 * 2. Records come back decrypted (server-side encryption), with sequence numbers and arrival timestamps.
 * 3. MillisBehindLatest is 0 at the tip, else now − arrival of the last returned record.
 * 4. A drained closed shard ends the read: GetRecords answers its ChildShards and no NextShardIterator.
 */
import type { ShardState, StreamState } from './catalog.js';
import { kinesisError } from './errors.js';
import {
  decodeSequenceNumber,
  formatShardId,
  legacySequenceShardIndex,
  shardStartingSequenceNumber,
} from './model/index.js';
import type { PathContext } from './policies.js';
import { RecordsJsonBuilder, recordsWithJson } from './records-json.js';
import type { ShardHandle, StreamsRuntime } from './runtime.js';
import type { ShardIteratorType } from './shapes/index.js';

/** AWS: GetRecords returns at most 10 MiB. */
export const GET_RECORDS_MAX_BYTES = 10 * 1024 * 1024;
/** AWS: GetRecords returns at most 10,000 records. */
export const GET_RECORDS_MAX_RECORDS = 10_000;

/** A record as GetRecords and SubscribeToShard events carry it. */
export interface KinesisRecord {
  SequenceNumber: string;
  ApproximateArrivalTimestamp: Date;
  Data: Uint8Array;
  PartitionKey: string;
  EncryptionType?: 'KMS';
}

/** A child shard as GetRecords and SubscribeToShard list them at the end of a closed shard. */
export interface ChildShard {
  ShardId: string;
  ParentShards: string[];
  HashKeyRange: { StartingHashKey: string; EndingHashKey: string };
}

/** Where a reader starts: GetShardIterator's iterator type or SubscribeToShard's StartingPosition. */
export interface StartPosition {
  readonly type: ShardIteratorType;
  readonly sequenceNumber?: string;
  readonly timestamp?: Date;
  /** Operation named in error messages (`… used in GetShardIterator on shard …`). */
  readonly operation: string;
  /** Current time, epoch ms. */
  readonly now: number;
}

/** The part of a shard log a start position is resolved against. */
interface PositionLog {
  readonly startOffset: number;
  readonly nextOffset: number;
  offsetForTimestamp(t: number): Promise<number>;
}

/** Resolves a starting position to a log offset (starting positions, steps 1–3 of this file's header). */
export async function resolveStartOffset(
  rt: StreamsRuntime,
  target: { stream: StreamState; shard: ShardState; log: PositionLog },
  position: StartPosition,
): Promise<number> {
  const { stream, shard, log } = target;
  const { type, now } = position;
  // Step 1: only the sequence-number types carry (and need) a sequence number.
  const bySequence = type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER';
  if (bySequence && position.sequenceNumber === undefined) {
    throw kinesisError(
      'InvalidArgumentException',
      `Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${type} and no StartingSequenceNumber.`,
    );
  }
  if (!bySequence && position.sequenceNumber !== undefined) {
    throw kinesisError(
      'InvalidArgumentException',
      `Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${type} and also a StartingSequenceNumber.`,
    );
  }
  switch (type) {
    // Step 3: TRIM_HORIZON and LATEST.
    case 'TRIM_HORIZON':
      return firstRetainedOffset(rt, stream, log);
    case 'LATEST':
      return log.nextOffset;
    // Step 2: AT_TIMESTAMP.
    case 'AT_TIMESTAMP': {
      if (position.timestamp === undefined) {
        throw kinesisError(
          'InvalidArgumentException',
          'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
        );
      }
      const t = position.timestamp.getTime();
      if (t > now) {
        throw kinesisError(
          'InvalidArgumentException',
          `The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${t}, currentTimestampInMillis: ${now}`,
        );
      }
      return Math.max(await log.offsetForTimestamp(Math.max(t, rt.retentionCutoff(stream))), log.startOffset);
    }
    default: {
      const text = position.sequenceNumber!;
      const parts = decodeSequenceNumber(text);
      // An old-layout (v0) number still names a shard; AWS reports a mismatch with the shard it encodes.
      const legacyIndex = parts ? undefined : legacySequenceShardIndex(text);
      if (legacyIndex !== undefined && legacyIndex !== shard.index) {
        throw kinesisError(
          'InvalidArgumentException',
          `Invalid StartingSequenceNumber. It encodes ${formatShardId(legacyIndex)}, while it was used in a call to a shard with ${shard.shardId}`,
        );
      }
      if (!parts) {
        throw kinesisError(
          'InvalidArgumentException',
          `StartingSequenceNumber ${text} used in ${position.operation} on shard ${shard.shardId} in stream ${stream.name} under account ${stream.accountId} is invalid.`,
        );
      }
      if (parts.shardIndex !== shard.index) {
        throw kinesisError(
          'InvalidArgumentException',
          `Invalid StartingSequenceNumber. It encodes ${formatShardId(parts.shardIndex)}, while it was used in a call to a shard with ${shard.shardId}`,
        );
      }
      if (parts.shardCreatedSeconds !== Math.floor(shard.createdAt / 1000)) {
        throw kinesisError(
          'InvalidArgumentException',
          `StartingSequenceNumber ${text} used in ${position.operation} on shard ${shard.shardId} in stream ${stream.name} under account ${stream.accountId} is invalid because it did not come from this stream.`,
        );
      }
      // Record counters are log offset + 1 (counter 0 is the shard's StartingSequenceNumber).
      const counter = Number(
        parts.counter > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : parts.counter,
      );
      const at = type === 'AT_SEQUENCE_NUMBER' ? Math.max(counter - 1, 0) : counter;
      return Math.min(Math.max(at, await firstRetainedOffset(rt, stream, log)), log.nextOffset);
    }
  }
}

/** The oldest offset whose record is still within the stream's retention period. */
async function firstRetainedOffset(
  rt: StreamsRuntime,
  stream: StreamState,
  log: { startOffset: number; offsetForTimestamp(t: number): Promise<number> },
): Promise<number> {
  return Math.max(log.startOffset, await log.offsetForTimestamp(rt.retentionCutoff(stream)));
}

/** One batch of records read from a shard. */
export interface ShardRead {
  readonly records: KinesisRecord[];
  /** Data + partition key bytes returned (read accounting). */
  readonly bytes: number;
  /** Offset to read next. */
  readonly next: number;
  /** `next` reached the end of the log. */
  readonly atTip: boolean;
  /**
   * The shard was closed before this read began and `next` is its end: nothing more will ever be read from it
   * (reading step 4; resharding closes a shard only once every append to it settled).
   */
  readonly ended: boolean;
  /** Arrival time (epoch ms) of the last record returned. */
  readonly lastArrival?: number;
}

/** Records read from a shard, before it is known whether they end it (see {@link finishShardRead}). */
export interface ShardBatch {
  /** Offset of the first record considered: the requested one, or later when retention hid records there. */
  readonly start: number;
  readonly records: KinesisRecord[];
  /** Data + partition key bytes returned (read accounting). */
  readonly bytes: number;
  /** Offset to read next. */
  readonly next: number;
  /** Arrival time (epoch ms) of the last record returned. */
  readonly lastArrival?: number;
}

/** Whether the shard is closed now (the handle's shard may be a snapshot from before it closed). */
export function shardClosedNow(ctx: PathContext, source: { stream: StreamState; handle: ShardHandle }): boolean {
  const current = ctx.rt.catalog.getById(source.stream.id);
  return ((current && ctx.rt.shard(current, source.handle.shard.index)) ?? source.handle.shard).closedAt !== undefined;
}

/**
 * Reads up to `maxRecords` / `maxBytes` (at least one record when one is available) from `from`
 * (reading steps 1–2 of this file's header).
 */
export async function readShardRecords(
  ctx: PathContext,
  source: { stream: StreamState; handle: ShardHandle },
  range: { from: number; maxRecords: number; maxBytes: number },
): Promise<ShardRead> {
  // Closed-ness is taken before the read: a shard closes only once its appends settled (ShardRead.ended).
  const closed = shardClosedNow(ctx, source);
  return finishShardRead(source.handle, await readShardBatch(ctx, source, range), closed);
}

/** Reading steps 1–2 for {@link readShardRecords}: the records, without the end-of-shard decision. */
export async function readShardBatch(
  ctx: PathContext,
  source: { stream: StreamState; handle: ShardHandle },
  range: { from: number; maxRecords: number; maxBytes: number },
): Promise<ShardBatch> {
  const { stream, handle } = source;
  const sealer = ctx.policies.sealer;
  const log = handle.log;
  let from = range.from;
  // Skip what retention removed or hides (AWS: expired records are no longer returned).
  if (from < log.nextOffset) from = Math.max(from, await firstRetainedOffset(ctx.rt, stream, log));
  const stored =
    from < log.nextOffset ? await log.read(from, { maxRecords: range.maxRecords, maxBytes: range.maxBytes }) : [];
  const records = new Array<KinesisRecord>(stored.length);
  let bytes = 0;
  // Records of one append batch share its commit timestamp, so consecutive records get one shared Date
  // (as deaggregated KPL user records share their carrier's): one allocation per batch instead of per
  // record; measured +9% on `npm run bench -- read-path` with CBOR encoding (JSON unchanged).
  let arrivalMs = Number.NaN;
  let arrival = new Date(Number.NaN);
  for (let i = 0; i < stored.length; i++) {
    const r = stored[i]!;
    if (r.timestamp !== arrivalMs) {
      arrivalMs = r.timestamp;
      arrival = new Date(arrivalMs);
    }
    // Records written to an encrypted stream are stored sealed (flagged in their attributes); readers get
    // the plaintext. Unflagged records skip the sealer entirely (hot path).
    const plain = r.attributes ? sealer.open(stream, handle.shard, r) : undefined;
    const key = plain ? plain.key : r.key;
    const value = plain ? plain.value : r.value;
    bytes += value.length + key.length;
    const record: KinesisRecord = {
      SequenceNumber: handle.sequenceNumber(r.offset, r.timestamp),
      ApproximateArrivalTimestamp: arrival,
      Data: value,
      PartitionKey: key,
    };
    if (plain?.encrypted) record.EncryptionType = 'KMS';
    records[i] = record;
  }
  const last = stored[stored.length - 1];
  const next = last ? last.offset + 1 : from;
  // The list writes its own JSON text (src/streams/records-json.ts): GetRecords' and SubscribeToShard's answers.
  return {
    start: from,
    records: recordsWithJson(records),
    bytes,
    next,
    ...(last ? { lastArrival: last.timestamp } : {}),
  };
}

/**
 * Reading steps 1–2 like {@link readShardBatch}, with the records as their JSON text only, written straight from a
 * scan of the log (src/streams/records-json.ts, docs/adr/0053-record-scan.md): for answers to JSON requests, where
 * record objects would only be turned into that text. The same records, accounting and positions as
 * {@link readShardBatch}. Undefined when the log cannot scan or holds a sealed (encrypted) record in the range:
 * then read with {@link readShardBatch}.
 */
export async function readShardBatchJson(
  ctx: PathContext,
  source: { stream: StreamState; handle: ShardHandle },
  range: { from: number; maxRecords: number; maxBytes: number },
): Promise<ShardBatch | undefined> {
  const { stream, handle } = source;
  const log = handle.log;
  if (!log.scan) return undefined;
  let from = range.from;
  if (from < log.nextOffset) from = Math.max(from, await firstRetainedOffset(ctx.rt, stream, log));
  if (from >= log.nextOffset) return undefined;
  const builder = new RecordsJsonBuilder(handle.writeSequenceNumber);
  const scan = await log.scan(from, { maxRecords: range.maxRecords, maxBytes: range.maxBytes }, builder);
  if (scan.stopped) return undefined;
  return {
    start: from,
    records: builder.finish(scan.count) as KinesisRecord[],
    bytes: scan.bytes + builder.keyAdjust,
    next: scan.count > 0 ? scan.next : from,
    ...(builder.lastArrival !== undefined ? { lastArrival: builder.lastArrival } : {}),
  };
}

/**
 * Completes a batch into a {@link ShardRead} against the log as it is now. `closed` must have been taken before
 * the batch was read, or before the log's end is compared here (which is what makes `ended` safe for a batch
 * read earlier: records are immutable, and a closed shard takes no more appends).
 */
export function finishShardRead(handle: ShardHandle, batch: ShardBatch, closed: boolean): ShardRead {
  const atTip = batch.next >= handle.log.nextOffset;
  const read: ShardRead = {
    records: batch.records,
    bytes: batch.bytes,
    next: batch.next,
    atTip,
    ended: closed && atTip,
  };
  return batch.lastArrival === undefined ? read : { ...read, lastArrival: batch.lastArrival };
}

/** Whether `from` is still within the stream's retention (a batch read ahead from it may still be served). */
export async function stillRetained(
  rt: StreamsRuntime,
  source: { stream: StreamState; handle: ShardHandle },
  from: number,
): Promise<boolean> {
  const log = source.handle.log;
  return from >= (await firstRetainedOffset(rt, source.stream, log));
}

/** Reading step 3: MillisBehindLatest of a read answered at `now`. */
export function millisBehindLatest(read: ShardRead, now: number): number {
  return read.atTip || read.lastArrival === undefined ? 0 : Math.max(0, now - read.lastArrival);
}

/** Reading step 4: the `ChildShards` of a closed shard, the shards that list it as a parent. */
export function childShards(stream: StreamState, parent: ShardState): ChildShard[] {
  return stream.shards
    .filter((s) => s.parentShardId === parent.shardId || s.adjacentParentShardId === parent.shardId)
    .map((s) => ({
      ShardId: s.shardId,
      ParentShards: [s.parentShardId, s.adjacentParentShardId].filter((x): x is string => x !== undefined),
      HashKeyRange: { StartingHashKey: s.startingHashKey, EndingHashKey: s.endingHashKey },
    }));
}

/**
 * The sequence number that stands for "everything before `offset` was delivered": the record at
 * `offset − 1`, or the shard's StartingSequenceNumber at offset 0. AFTER_SEQUENCE_NUMBER with it
 * resumes at `offset` (record counters are offset + 1).
 */
export async function positionSequenceNumber(
  rt: StreamsRuntime,
  at: { shard: ShardState; handle: ShardHandle },
  offset: number,
): Promise<string> {
  const { shard, handle } = at;
  if (offset <= 0) return shardStartingSequenceNumber(Math.floor(shard.createdAt / 1000), shard.index);
  let arrival = rt.now();
  if (offset - 1 >= handle.log.startOffset) {
    const [record] = await handle.log.read(offset - 1, { maxRecords: 1, maxBytes: 1 });
    if (record?.offset === offset - 1) arrival = record.timestamp;
  }
  return handle.sequenceNumber(offset - 1, arrival);
}
