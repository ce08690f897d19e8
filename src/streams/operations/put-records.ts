/**
 * PutRecords and PutRecord: route each record by MD5(partition key) or ExplicitHashKey to the open shard
 * owning that hash key, append each shard's records as one batch (one group commit), answer with
 * per-record sequence numbers in request order.
 *
 * AWS rules (PutRecords API reference, streams.md §5.4):
 * 1. The stream must be ACTIVE or UPDATING, else ResourceNotFoundException.
 * 2. A request-level error (bad ExplicitHashKey in any entry, a record or request too large) writes nothing.
 * 3. Data + partition key of a record ≤ the stream's MaxRecordSizeInKiB; a request ≤ 5 MiB (10 MiB for large-record streams).
 * 4. Records of one shard get increasing sequence numbers in request order.
 */
import type { RequestContext } from '../../protocol/index.js';
import type { AppendEntry } from '../../storage/index.js';
import type { ShardState, StreamState } from '../catalog.js';
import { kinesisError } from '../errors.js';
import { decodeSequenceNumber, hashKeyToBuffer, parseExplicitHashKey, partitionKeyHash } from '../model/index.js';
import type { ShardHandle, StreamsRuntime } from '../runtime.js';
import { recordSealer } from '../encryption/index.js';

export interface PutRecordsRequestEntry {
  Data: Uint8Array;
  PartitionKey: string;
  ExplicitHashKey?: string;
}

export interface PutRecordsInput {
  StreamName?: string;
  StreamARN?: string;
  Records: PutRecordsRequestEntry[];
}

export interface PutRecordInput extends PutRecordsRequestEntry {
  StreamName?: string;
  StreamARN?: string;
  SequenceNumberForOrdering?: string;
}

const MiB = 1024 * 1024;

function hashKeyOf(entry: PutRecordsRequestEntry): Buffer {
  if (entry.ExplicitHashKey === undefined) return partitionKeyHash(entry.PartitionKey);
  const key = parseExplicitHashKey(entry.ExplicitHashKey);
  if (key === undefined) {
    throw kinesisError(
      'InvalidArgumentException',
      `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${entry.ExplicitHashKey}`,
    );
  }
  return hashKeyToBuffer(key);
}

/** Size of a record as AWS counts it against limits: data plus the partition key's UTF-8 bytes. */
function recordSize(entry: PutRecordsRequestEntry): number {
  return entry.Data.length + Buffer.byteLength(entry.PartitionKey, 'utf8');
}

function checkRecordSize(stream: StreamState, entry: PutRecordsRequestEntry): number {
  const size = recordSize(entry);
  if (size > stream.maxRecordSizeKiB * 1024) {
    throw kinesisError(
      'InvalidArgumentException',
      `Record size ${size} bytes exceeds the maximum record size of ${stream.maxRecordSizeKiB} KiB for stream ${stream.name} under account ${stream.accountId}.`,
    );
  }
  return size;
}

interface ShardBatch {
  shard: ShardState;
  positions: number[];
  entries: AppendEntry[];
  bytes: number;
}

/** A PutRecords result entry: success, or a per-record failure (throttling). */
export type PutRecordsResultEntry =
  | { SequenceNumber: string; ShardId: string }
  | { ErrorCode: string; ErrorMessage: string };

/** AWS: `Rate exceeded for shard <shardId> in stream <name> under account <account>.` */
function rateExceededMessage(stream: StreamState, shard: ShardState): string {
  return `Rate exceeded for shard ${shard.shardId} in stream ${stream.name} under account ${stream.accountId}.`;
}

/**
 * Appends routed entries, one batch per shard, all shards concurrently. Entries the throughput gate refuses
 * are not written and get ProvisionedThroughputExceededException results (AWS fails them per record).
 */
async function appendRouted(
  rt: StreamsRuntime,
  stream: StreamState,
  entries: readonly PutRecordsRequestEntry[],
  shards: readonly ShardState[],
  sizes: readonly number[],
): Promise<{ results: PutRecordsResultEntry[]; encrypted: boolean }> {
  const batches = new Map<number, ShardBatch>();
  const results = new Array<PutRecordsResultEntry>(entries.length);
  const now = rt.now();
  const sealer = recordSealer(rt);
  let encrypted = false;
  for (let i = 0; i < entries.length; i++) {
    const shard = shards[i]!;
    if (!rt.gate.admitWrite(stream, shard, sizes[i]!, now)) {
      results[i] = {
        ErrorCode: 'ProvisionedThroughputExceededException',
        ErrorMessage: rateExceededMessage(stream, shard),
      };
      continue;
    }
    let batch = batches.get(shard.index);
    if (!batch) batches.set(shard.index, (batch = { shard, positions: [], entries: [], bytes: 0 }));
    batch.positions.push(i);
    batch.entries.push({ key: entries[i]!.PartitionKey, value: entries[i]!.Data });
    batch.bytes += sizes[i]!;
  }
  await Promise.all(
    [...batches.values()].map(async (batch) => {
      const handle: ShardHandle = await rt.shardHandle(stream, batch.shard);
      // Encrypted streams store sealed records (server-side encryption at rest).
      const sealed = sealer.seal(stream, batch.shard, batch.entries);
      if (sealed.encrypted) encrypted = true;
      const { firstOffset, timestamp } = await handle.log.append(sealed.entries, now);
      for (let j = 0; j < batch.positions.length; j++) {
        results[batch.positions[j]!] = {
          SequenceNumber: handle.sequenceNumber(firstOffset + j, timestamp),
          ShardId: batch.shard.shardId,
        };
      }
      rt.notifyAppend(stream, batch.shard, batch.entries.length, batch.bytes);
    }),
  );
  return { results, encrypted };
}

export async function putRecords(
  rt: StreamsRuntime,
  input: PutRecordsInput,
  ctx: RequestContext,
): Promise<{ FailedRecordCount: number; Records: PutRecordsResultEntry[]; EncryptionType?: 'KMS' }> {
  const stream = rt.resolveStream(input, ctx);
  rt.requireWritable(stream);
  const records = input.Records;
  const shards = new Array<ShardState>(records.length);
  const sizes = new Array<number>(records.length);
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const entry = records[i]!;
    const size = checkRecordSize(stream, entry);
    sizes[i] = size;
    total += size;
    shards[i] = rt.route(stream, hashKeyOf(entry));
  }
  const requestLimit = stream.maxRecordSizeKiB > 1024 ? 10 * MiB : 5 * MiB;
  if (total > requestLimit) {
    throw kinesisError(
      'InvalidArgumentException',
      `Records size ${total} bytes exceeds the PutRecords request limit of ${requestLimit / MiB} MiB.`,
    );
  }
  const { results, encrypted } = await appendRouted(rt, stream, records, shards, sizes);
  let failed = 0;
  for (const r of results) if ('ErrorCode' in r) failed++;
  return encrypted
    ? { FailedRecordCount: failed, Records: results, EncryptionType: 'KMS' }
    : { FailedRecordCount: failed, Records: results };
}

export async function putRecord(
  rt: StreamsRuntime,
  input: PutRecordInput,
  ctx: RequestContext,
): Promise<{ ShardId: string; SequenceNumber: string; EncryptionType?: 'KMS' }> {
  const stream = rt.resolveStream(input, ctx);
  rt.requireWritable(stream);
  const size = checkRecordSize(stream, input);
  if (input.SequenceNumberForOrdering !== undefined) {
    // AWS only checks that it is a sequence number that could have been issued; per-shard order is already strict.
    const parts = decodeSequenceNumber(input.SequenceNumberForOrdering);
    if (!parts || parts.arrivalSeconds * 1000 > rt.now() + 1000) {
      throw kinesisError(
        'InvalidArgumentException',
        `ExclusiveMinimumSequenceNumber ${input.SequenceNumberForOrdering} used in PutRecord on stream ${stream.name} under account ${stream.accountId} is invalid.`,
      );
    }
  }
  const shard = rt.route(stream, hashKeyOf(input));
  const { results, encrypted } = await appendRouted(rt, stream, [input], [shard], [size]);
  const result = results[0]!;
  if ('ErrorCode' in result) throw kinesisError('ProvisionedThroughputExceededException', result.ErrorMessage);
  return encrypted
    ? { ShardId: result.ShardId, SequenceNumber: result.SequenceNumber, EncryptionType: 'KMS' }
    : { ShardId: result.ShardId, SequenceNumber: result.SequenceNumber };
}
