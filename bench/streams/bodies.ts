/**
 * Request bodies built once before a scenario starts (so the load loop only writes buffers), and a
 * cheap scanner for GetRecords responses (so the single sequential reader does not spend its time in
 * `JSON.parse` of multi-megabyte bodies). Pure functions, no I/O.
 */
import { randomBytes } from 'node:crypto';

/** Options of {@link buildPutRecordsBodies}. */
export interface PutRecordsBodiesOptions {
  /** Bytes of data per record (before base64). */
  readonly recordSize: number;
  /** Records per request; AWS allows at most 500 (PutRecords `Records` 1–500). Default 500. */
  readonly batchSize: number;
  /** Number of distinct bodies to build; the load loop cycles through them. Default 16. */
  readonly count: number;
  /** Prefix making partition keys unique across scenarios. Default `pk`. */
  readonly keyPrefix: string;
}

/**
 * Builds `count` PutRecords bodies for `streamName`. Every record in the pool has its own partition key, so the MD5
 * hash keys spread records evenly over the shards (Kinesis Data Streams Developer Guide, 'Terminology and concepts':
 * MD5 of the partition key selects the shard), and random data so no layer can profit from repetition.
 */
export function buildPutRecordsBodies(
  streamName: string,
  options: Partial<PutRecordsBodiesOptions> & { recordSize: number },
): Buffer[] {
  const batchSize = options.batchSize ?? 500;
  const count = options.count ?? 16;
  const prefix = options.keyPrefix ?? 'pk';
  const bodies: Buffer[] = [];
  for (let b = 0; b < count; b++) {
    const records = new Array<{ Data: string; PartitionKey: string }>(batchSize);
    for (let i = 0; i < batchSize; i++) {
      records[i] = { Data: randomBytes(options.recordSize).toString('base64'), PartitionKey: `${prefix}-${b}-${i}` };
    }
    bodies.push(Buffer.from(JSON.stringify({ StreamName: streamName, Records: records })));
  }
  return bodies;
}

/** Builds `count` single-record PutRecord bodies, each with its own partition key. */
export function buildPutRecordBodies(
  streamName: string,
  options: { recordSize: number; count: number; keyPrefix?: string },
): Buffer[] {
  const prefix = options.keyPrefix ?? 'pk';
  const bodies: Buffer[] = [];
  for (let i = 0; i < options.count; i++) {
    bodies.push(
      Buffer.from(
        JSON.stringify({
          StreamName: streamName,
          Data: randomBytes(options.recordSize).toString('base64'),
          PartitionKey: `${prefix}-${i}`,
        }),
      ),
    );
  }
  return bodies;
}

/** What {@link scanGetRecordsBody} extracts. */
export interface GetRecordsScan {
  /** Number of records in the response. */
  readonly records: number;
  /** `NextShardIterator`, absent once a closed shard is drained. */
  readonly nextShardIterator: string | undefined;
}

const SEQUENCE_KEY = Buffer.from('"SequenceNumber":');
const NEXT_ITERATOR_KEY = Buffer.from('"NextShardIterator":"');

/**
 * Counts records in a compact JSON GetRecords response by counting `"SequenceNumber":` keys (each
 * record has exactly one; base64 data and our partition keys cannot contain a quote) and extracts
 * `NextShardIterator`. Assumes no whitespace between key and colon, which holds for both servers
 * (JSON.stringify output); the runner cross-checks it against a full parse of the first response.
 */
export function scanGetRecordsBody(body: Buffer): GetRecordsScan {
  let records = 0;
  let at = body.indexOf(SEQUENCE_KEY);
  while (at !== -1) {
    records++;
    at = body.indexOf(SEQUENCE_KEY, at + SEQUENCE_KEY.length);
  }
  let nextShardIterator: string | undefined;
  const it = body.lastIndexOf(NEXT_ITERATOR_KEY);
  if (it !== -1) {
    const start = it + NEXT_ITERATOR_KEY.length;
    const end = body.indexOf(0x22, start);
    if (end !== -1) nextShardIterator = body.toString('latin1', start, end);
  }
  return { records, nextShardIterator };
}
