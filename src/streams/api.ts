/**
 * The in-process API of Data Streams: how other services of the server (Firehose, Analytics) describe,
 * write and read streams without HTTP. Records go through the same write and read paths as PutRecords and
 * GetRecords (src/streams/write-path.ts, src/streams/read-path.ts), so limits, encryption, append wake-ups and
 * retention apply alike; errors are the same ServiceErrors the API answers.
 */
import type { StreamMode, StreamStatus, StreamState } from './catalog.js';
import { kinesisError, streamNotFound } from './errors.js';
import { parseStreamArn, shardEndingSequenceNumber, shardStartingSequenceNumber } from './model/index.js';
import type { PathContext } from './policies.js';
import { type HostedStreamReader, openStreamReader, type ReaderOptions, type StreamReader } from './reader.js';
import { type PutEntry, writeRecords } from './write-path.js';

export type {
  ReadStart,
  ReaderOptions,
  RecordBatch,
  StreamReader,
  StreamRecord,
} from './reader.js';

/** A stream by account, region and name, or by ARN. */
export type StreamRef =
  | { readonly accountId: string; readonly region: string; readonly name: string }
  | { readonly arn: string };

/** One shard in domain form. */
export interface ShardInfo {
  readonly shardId: string;
  /** The shard it was split from, or the first of the two it was merged from. */
  readonly parentShardId?: string;
  /** The second parent of a merge. */
  readonly adjacentParentShardId?: string;
  /** Inclusive range of 128-bit hash keys, as decimal strings. */
  readonly hashKeyRange: { readonly start: string; readonly end: string };
  /** Open shards receive writes; closed ones were split or merged away and stay readable. */
  readonly open: boolean;
  readonly startingSequenceNumber: string;
  /** Present once the shard is closed. */
  readonly endingSequenceNumber?: string;
  readonly createdAt: Date;
  readonly closedAt?: Date;
}

/** A stream in domain form. */
export interface StreamInfo {
  readonly name: string;
  readonly arn: string;
  readonly status: StreamStatus;
  readonly mode: StreamMode;
  readonly retentionHours: number;
  readonly encryption: { readonly type: 'NONE' | 'KMS'; readonly keyId?: string };
  readonly createdAt: Date;
  /** Every shard, open and closed, in index order (also while CREATING, when DescribeStream shows none). */
  readonly shards: readonly ShardInfo[];
}

/** A record to write. */
export interface PutInput {
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /** Overrides the MD5 of the partition key for routing: a decimal in [0, 2^128 − 1]. */
  readonly explicitHashKey?: string;
}

/** The outcome of one written record, index-aligned with the input. */
export type PutOutcome =
  | { readonly shardId: string; readonly sequenceNumber: string }
  | { readonly errorCode: string; readonly errorMessage: string };

/** The in-process API (returned as `api` by `createStreamsService`). */
export interface StreamsApi {
  /** The stream now; ResourceNotFoundException when there is none. */
  describe(ref: StreamRef): Promise<StreamInfo>;
  /**
   * Writes records like PutRecords (1–500 records, partition keys of 1–256 characters). Request-level errors
   * throw and write nothing; throttled records fail on their own (`errorCode`).
   */
  put(ref: StreamRef, records: readonly PutInput[]): Promise<PutOutcome[]>;
  /**
   * Opens a reader over every shard of the stream (src/streams/reader.ts). Resolves once its starting positions
   * are fixed (LATEST means "after what the stream holds now"); a bad checkpoint or option throws
   * InvalidArgumentException.
   */
  read(ref: StreamRef, options?: Partial<ReaderOptions>): Promise<StreamReader>;
}

/** AWS's PutRecords limits the protocol layer checks for HTTP callers (PutRecords API reference). */
const MAX_PUT_RECORDS = 500;
const MAX_PARTITION_KEY_LENGTH = 256;

/** The API plus what the service needs to manage its readers. */
export interface StreamsApiHost {
  readonly api: StreamsApi;
  /** Wakes the readers of a deleted stream so they end at once. */
  streamDeleted(stream: StreamState): void;
  /** Ends every open reader (service shutdown). */
  close(): void;
}

/** Builds the in-process API over the service's read and write paths. */
export function createStreamsApi(ctx: PathContext): StreamsApiHost {
  const readers = new Set<HostedStreamReader>();

  const resolve = (ref: StreamRef): StreamState => {
    let accountId: string;
    let region: string;
    let name: string;
    if ('arn' in ref) {
      const arn = parseStreamArn(ref.arn);
      if (!arn) throw kinesisError('InvalidArgumentException', `Invalid StreamARN ${ref.arn}.`);
      ({ accountId, region, streamName: name } = arn);
    } else {
      ({ accountId, region, name } = ref);
    }
    const stream = ctx.rt.catalog.get(accountId, region, name);
    if (!stream) throw streamNotFound(name, accountId);
    return stream;
  };

  const api: StreamsApi = {
    async describe(ref) {
      return describe(resolve(ref));
    },

    async put(ref, records) {
      const stream = resolve(ref);
      if (records.length < 1 || records.length > MAX_PUT_RECORDS) {
        throw kinesisError(
          'ValidationException',
          `1 validation error detected: Value '${records.length} records' at 'records' failed to satisfy constraint: Member must have length between 1 and ${MAX_PUT_RECORDS}`,
        );
      }
      const entries = new Array<PutEntry>(records.length);
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        if (r.partitionKey.length < 1 || r.partitionKey.length > MAX_PARTITION_KEY_LENGTH) {
          throw kinesisError(
            'ValidationException',
            `1 validation error detected: Value '${r.partitionKey}' at 'records.${i + 1}.member.partitionKey' failed to satisfy constraint: Member must have length between 1 and ${MAX_PARTITION_KEY_LENGTH}`,
          );
        }
        entries[i] =
          r.explicitHashKey === undefined
            ? { Data: r.data, PartitionKey: r.partitionKey }
            : { Data: r.data, PartitionKey: r.partitionKey, ExplicitHashKey: r.explicitHashKey };
      }
      const { results } = await writeRecords(ctx, stream, entries);
      return results.map((r) =>
        'ErrorCode' in r
          ? { errorCode: r.ErrorCode, errorMessage: r.ErrorMessage }
          : { shardId: r.ShardId, sequenceNumber: r.SequenceNumber },
      );
    },

    async read(ref, options = {}) {
      const stream = resolve(ref);
      const reader = await openStreamReader(ctx, stream, options);
      readers.add(reader);
      reader.onClose(() => readers.delete(reader));
      return reader;
    },
  };

  return {
    api,
    streamDeleted(stream) {
      for (const reader of readers) if (reader.streamId === stream.id) reader.wake();
    },
    close() {
      for (const reader of [...readers]) reader.close();
    },
  };
}

/** The domain view of a stream. */
function describe(stream: StreamState): StreamInfo {
  return {
    name: stream.name,
    arn: stream.arn,
    status: stream.status,
    mode: stream.mode,
    retentionHours: stream.retentionHours,
    encryption:
      stream.encryptionType === 'KMS' && stream.keyId !== undefined
        ? { type: 'KMS', keyId: stream.keyId }
        : { type: stream.encryptionType },
    createdAt: new Date(stream.createdAt),
    shards: stream.shards.map((shard) => {
      const createdSeconds = Math.floor(shard.createdAt / 1000);
      return {
        shardId: shard.shardId,
        ...(shard.parentShardId !== undefined ? { parentShardId: shard.parentShardId } : {}),
        ...(shard.adjacentParentShardId !== undefined ? { adjacentParentShardId: shard.adjacentParentShardId } : {}),
        hashKeyRange: { start: shard.startingHashKey, end: shard.endingHashKey },
        open: shard.closedAt === undefined,
        startingSequenceNumber: shardStartingSequenceNumber(createdSeconds, shard.index),
        ...(shard.closedAt !== undefined
          ? {
              endingSequenceNumber: shardEndingSequenceNumber(
                createdSeconds,
                shard.index,
                Math.floor(shard.closedAt / 1000),
              ),
              closedAt: new Date(shard.closedAt),
            }
          : {}),
        createdAt: new Date(shard.createdAt),
      };
    }),
  };
}
