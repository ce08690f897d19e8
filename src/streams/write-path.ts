/**
 * The write path of Data Streams: the one function PutRecord, PutRecords and the in-process `put`
 * (src/streams/api.ts) write records through. It routes each record by MD5(partition key) or ExplicitHashKey
 * to the open shard owning that hash key, appends each shard's records as one batch (one group commit), and
 * answers with per-record results in request order.
 *
 * AWS rules (PutRecords and PutRecord API references):
 * 1. The stream must be ACTIVE or UPDATING, else ResourceNotFoundException.
 * 2. A request-level error (bad ExplicitHashKey in any entry, a record or request too large, a bad
 *    SequenceNumberForOrdering) writes nothing.
 * 3. Data + partition key of a record ≤ the stream's MaxRecordSizeInKiB; a request ≤ 5 MiB (10 MiB for
 *    large-record streams).
 * 4. A record over its shard's write throughput fails on its own with ProvisionedThroughputExceededException
 *    (PutRecords reports it in its entry; PutRecord throws it).
 * 5. Records of one shard get increasing sequence numbers in request order.
 * 6. A full disk answers ServiceUnavailable (503, "a temporary failure of the server", Common Errors page of the
 *    Kinesis API reference), which the SDKs retry (5xx statuses are transient to the AWS SDK for JavaScript v3,
 *    botocore and the Java SDK). The message is Tributary's own: AWS never reports a full disk. A write that
 *    stopped a shard's log (failed fsync) answers InternalFailure saying a restart is needed. ADR 0015. When only
 *    some shards of a PutRecords stored their records, the others' records fail on their own with ErrorCode
 *    InternalFailure (a per-record error code the PutRecords API reference lists), so a retry of the failed
 *    records never duplicates stored ones.
 */
import { CommonErrors, type Logger, ServiceError } from '../protocol/index.js';
import { type AppendEntry, isStorageError, StorageErrorCode } from '../storage/index.js';
import type { ShardState, StreamState } from './catalog.js';
import { kinesisError } from './errors.js';
import {
  decodeSequenceNumber,
  hashKeyToText,
  legacySequenceShardIndex,
  parseExplicitHashKey,
  partitionKeyHashText,
} from './model/index.js';
import type { PathContext } from './policies.js';
import type { ShardHandle } from './runtime.js';

/**
 * A record to write, with PutRecords' member names so the handler passes its request's entries through
 * without copying them (the in-process API maps its records to this shape).
 */
export interface PutEntry {
  readonly Data: Uint8Array;
  readonly PartitionKey: string;
  readonly ExplicitHashKey?: string;
}

/** The outcome of one record: its shard and sequence number, or a per-record failure (throttling). */
export type PutResult = { SequenceNumber: string; ShardId: string } | { ErrorCode: string; ErrorMessage: string };

/** Options of {@link writeRecords}. */
export interface WriteOptions {
  /**
   * PutRecord's SequenceNumberForOrdering. AWS only checks that it is a sequence number that could have been
   * issued (not in the future); per-shard order is already strict.
   */
  readonly sequenceNumberForOrdering?: string;
}

/** One shard's stored part of a write: its records' positions in the request and where the log put them. */
export interface StoredBatch {
  readonly handle: ShardHandle;
  readonly shardId: string;
  /** Request positions of the batch's records, increasing; the record at `positions[j]` has offset `firstOffset + j`. */
  readonly positions: readonly number[];
  readonly firstOffset: number;
  readonly timestamp: number;
}

/**
 * What {@link writeRecords} resolves with. The per-record {@link results} are made when first read: an answer
 * written as JSON text reads {@link stored} and {@link errors} instead and writes each sequence number's digits
 * without making its string (src/streams/records-json.ts).
 */
export class WriteOutcome {
  #results: PutResult[] | undefined;

  constructor(
    /** Records in the request. */
    readonly count: number,
    /** The shards' stored batches. */
    readonly stored: readonly StoredBatch[],
    /** Failed records by request position (throttling, a shard whose append failed). */
    readonly errors: ReadonlyMap<number, { readonly ErrorCode: string; readonly ErrorMessage: string }>,
    /** Whether the records were stored encrypted (PutRecord(s) then answer `EncryptionType: KMS`). */
    readonly encrypted: boolean,
  ) {}

  /** Number of failed entries. */
  get failed(): number {
    return this.errors.size;
  }

  /** Index-aligned with the entries. */
  get results(): PutResult[] {
    if (this.#results === undefined) {
      const results = new Array<PutResult>(this.count);
      for (const b of this.stored) {
        for (let j = 0; j < b.positions.length; j++) {
          results[b.positions[j]!] = {
            SequenceNumber: b.handle.sequenceNumber(b.firstOffset + j, b.timestamp),
            ShardId: b.shardId,
          };
        }
      }
      for (const [position, error] of this.errors) results[position] = { ...error };
      this.#results = results;
    }
    return this.#results;
  }
}

const MiB = 1024 * 1024;

/** Writes `entries` to `stream` (rules 1–5 of this file's header). */
export async function writeRecords(
  ctx: PathContext,
  stream: StreamState,
  entries: readonly PutEntry[],
  options: WriteOptions = {},
): Promise<WriteOutcome> {
  const { rt } = ctx;
  // Rule 1.
  rt.requireWritable(stream);
  // Rules 2 and 3: every check before anything is written.
  const shards = new Array<ShardState>(entries.length);
  const sizes = new Array<number>(entries.length);
  const ordering = options.sequenceNumberForOrdering;
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const size = checkRecordSize(stream, entry);
    sizes[i] = size;
    total += size;
    if (ordering !== undefined) checkOrdering(ctx, stream, ordering);
    shards[i] = rt.route(stream, hashKeyOf(entry));
  }
  const requestLimit = stream.maxRecordSizeKiB > 1024 ? 10 * MiB : 5 * MiB;
  if (total > requestLimit) {
    throw kinesisError(
      'InvalidArgumentException',
      `Records size ${total} bytes exceeds the PutRecords request limit of ${requestLimit / MiB} MiB.`,
    );
  }
  return appendRouted(ctx, stream, entries, shards, sizes);
}

/** Rule 6: what a client sees of a failed append (anything else stays an internal fault: InternalFailure). */
function answerOf(logger: Logger, err: unknown): ServiceError {
  if (isStorageError(err, StorageErrorCode.noSpace)) {
    // Answered, not a fault of the request pipeline: tell the operator here.
    logger.warn({ err }, 'append refused: no disk space left');
    return new ServiceError(
      CommonErrors.ServiceUnavailable,
      'The server has no disk space left for these records. Retry after space is freed.',
      { cause: err },
    );
  }
  if (isStorageError(err, StorageErrorCode.writeFailed)) {
    logger.error({ err }, 'append failed: the shard log is stopped until a restart');
    return new ServiceError(
      CommonErrors.InternalFailure,
      'The shard cannot take writes after a failed disk write or sync; the server must be restarted.',
      { cause: err },
    );
  }
  logger.error({ err }, 'append failed');
  return new ServiceError(CommonErrors.InternalFailure, undefined, { cause: err });
}

/** Throws {@link answerOf}'s answer for a failed append that stored nothing. */
function storageFailure(logger: Logger, err: unknown): never {
  if (isStorageError(err, StorageErrorCode.noSpace) || isStorageError(err, StorageErrorCode.writeFailed)) {
    throw answerOf(logger, err);
  }
  throw err;
}

/** The record's hash key as 16 latin1 characters, the form `rt.route` compares. */
function hashKeyOf(entry: PutEntry): string {
  if (entry.ExplicitHashKey === undefined) return partitionKeyHashText(entry.PartitionKey);
  const key = parseExplicitHashKey(entry.ExplicitHashKey);
  if (key === undefined) {
    throw kinesisError(
      'InvalidArgumentException',
      `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${entry.ExplicitHashKey}`,
    );
  }
  return hashKeyToText(key);
}

/** Rule 3: the size of a record as AWS counts it against limits, data plus the partition key's UTF-8 bytes. */
function checkRecordSize(stream: StreamState, entry: PutEntry): number {
  const size = entry.Data.length + Buffer.byteLength(entry.PartitionKey, 'utf8');
  if (size > stream.maxRecordSizeKiB * 1024) {
    throw kinesisError(
      'InvalidArgumentException',
      `Record size ${size} bytes exceeds the maximum record size of ${stream.maxRecordSizeKiB} KiB for stream ${stream.name} under account ${stream.accountId}.`,
    );
  }
  return size;
}

function checkOrdering(ctx: PathContext, stream: StreamState, text: string): void {
  // Old-layout (v0) numbers such as `0` carry no arrival time; AWS accepts them.
  if (legacySequenceShardIndex(text) !== undefined) return;
  const parts = decodeSequenceNumber(text);
  if (!parts || parts.arrivalSeconds * 1000 > ctx.rt.now() + 1000) {
    throw kinesisError(
      'InvalidArgumentException',
      `ExclusiveMinimumSequenceNumber ${text} used in PutRecord on stream ${stream.name} under account ${stream.accountId} is invalid.`,
    );
  }
}

interface ShardBatch {
  shard: ShardState;
  positions: number[];
  entries: AppendEntry[];
  bytes: number;
}

/** AWS: `Rate exceeded for shard <shardId> in stream <name> under account <account>.` */
function rateExceededMessage(stream: StreamState, shard: ShardState): string {
  return `Rate exceeded for shard ${shard.shardId} in stream ${stream.name} under account ${stream.accountId}.`;
}

/**
 * Appends routed entries, one batch per shard, all shards concurrently, sealed by the record sealer; then tells
 * the append signal. Entries the throughput gate refuses are not written (rule 4).
 */
async function appendRouted(
  ctx: PathContext,
  stream: StreamState,
  entries: readonly PutEntry[],
  shards: readonly ShardState[],
  sizes: readonly number[],
): Promise<WriteOutcome> {
  const { rt, policies } = ctx;
  const { gate, sealer, appends } = policies;
  const batches = new Map<number, ShardBatch>();
  const errors = new Map<number, { ErrorCode: string; ErrorMessage: string }>();
  const now = rt.now();
  let encrypted = false;
  for (let i = 0; i < entries.length; i++) {
    const shard = shards[i]!;
    if (!gate.admitWrite(stream, shard, sizes[i]!, now)) {
      rt.metrics.writeThrottled(stream, shard);
      errors.set(i, {
        ErrorCode: 'ProvisionedThroughputExceededException',
        ErrorMessage: rateExceededMessage(stream, shard),
      });
      continue;
    }
    let batch = batches.get(shard.index);
    if (!batch) batches.set(shard.index, (batch = { shard, positions: [], entries: [], bytes: 0 }));
    batch.positions.push(i);
    batch.entries.push({ key: entries[i]!.PartitionKey, value: entries[i]!.Data });
    batch.bytes += sizes[i]!;
  }
  // Every shard's batch is appended (and settles) before answering, so a partial failure is reported per record
  // (rule 6) instead of leaving a client to retry records that were stored.
  const outcomes = await Promise.allSettled(
    [...batches.values()].map(async (batch): Promise<StoredBatch> => {
      const handle: ShardHandle = await rt.shardHandle(stream, batch.shard);
      // Encrypted streams store sealed records (server-side encryption at rest).
      const sealed = sealer.seal(stream, batch.shard, batch.entries);
      if (sealed.encrypted) encrypted = true;
      const { firstOffset, timestamp } = await handle.log.append(sealed.entries, now);
      appends.emit(stream, batch.shard, batch.entries.length, batch.bytes);
      return { handle, shardId: batch.shard.shardId, positions: batch.positions, firstOffset, timestamp };
    }),
  );
  const stored: StoredBatch[] = [];
  const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (rejected.length > 0) {
    // Nothing stored: the request fails as a whole (503 on a full disk). Some shards stored: their records
    // succeeded and the others fail on their own, with the same answer as a per-record InternalFailure.
    if (rejected.length === outcomes.length) storageFailure(rt.logger, rejected[0]!.reason);
  }
  let k = 0;
  for (const batch of batches.values()) {
    const outcome = outcomes[k++]!;
    if (outcome.status === 'fulfilled') {
      stored.push(outcome.value);
      continue;
    }
    const error = answerOf(rt.logger, outcome.reason);
    for (const position of batch.positions) {
      errors.set(position, { ErrorCode: 'InternalFailure', ErrorMessage: error.message });
    }
  }
  return new WriteOutcome(entries.length, stored, errors, encrypted);
}
