/**
 * `tributary tail STREAM`: prints a stream's records as they arrive, from every shard, following resharding.
 *
 * - Start: `--from trim-horizon` (default) and `at-timestamp` begin at the oldest shards of the lineage (those whose
 *   parents are gone or absent) and reach the children as the parents end, as the KCL does (parents are read to
 *   their end before a child starts, so a key's records stay in order); `latest` begins at the open shards.
 * - A shard ends when GetRecords answers no NextShardIterator (or the fan-out event stream reports its children);
 *   a child starts once all its parents have ended.
 * - Polling reads every `--poll-ms` at the tip (AWS allows 5 GetRecords per shard per second); `--consumer NAME`
 *   uses enhanced fan-out (SubscribeToShard, registering the consumer when it does not exist, renewing each
 *   subscription after its 5 minutes from the continuation sequence number).
 * - `--no-follow` stops each shard at the tip; `--limit N` stops after N records; Ctrl-C stops cleanly (exit 0).
 */
import {
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
  RegisterStreamConsumerCommand,
  type Shard,
  type ShardIteratorType,
  type StartingPosition,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { type Io, UsageError } from '../output.js';
import { listShards } from './streams.js';

export const TAIL_FORMATS = ['text', 'json', 'json-pretty', 'hex'] as const;
/** The user's formats, plus `export`: the lines of `tributary export` (./transfer.ts). */
export type TailFormat = (typeof TAIL_FORMATS)[number] | 'export';

export interface TailOptions {
  readonly from: string;
  readonly timestamp?: string;
  readonly format: string;
  readonly showShard?: boolean;
  readonly showSeq?: boolean;
  readonly consumer?: string;
  readonly limit?: string;
  readonly follow: boolean;
  readonly pollMs: string;
}

/** One record as `--format json` prints it; `data` is the parsed JSON when the bytes are JSON, else UTF-8 text. */
function recordJson(shardId: string, r: KinesisRecord): Record<string, unknown> {
  const bytes = Buffer.from(r.Data ?? new Uint8Array());
  const text = bytes.toString('utf8');
  let data: unknown = text;
  try {
    data = JSON.parse(text);
  } catch {
    // Not JSON: the text.
  }
  return {
    shardId,
    sequenceNumber: r.SequenceNumber,
    partitionKey: r.PartitionKey,
    approximateArrivalTimestamp: r.ApproximateArrivalTimestamp?.toISOString(),
    data,
  };
}

export function formatRecord(
  format: TailFormat,
  shardId: string,
  r: KinesisRecord,
  showShard: boolean,
  showSeq: boolean,
): string {
  if (format === 'export') {
    return `${JSON.stringify({
      shardId,
      sequenceNumber: r.SequenceNumber,
      partitionKey: r.PartitionKey,
      approximateArrivalTimestamp: r.ApproximateArrivalTimestamp?.toISOString(),
      data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
    })}\n`;
  }
  if (format === 'json') return `${JSON.stringify(recordJson(shardId, r))}\n`;
  if (format === 'json-pretty') return `${JSON.stringify(recordJson(shardId, r), null, 2)}\n`;
  const bytes = Buffer.from(r.Data ?? new Uint8Array());
  const prefix = `${showShard ? `${shardId} ` : ''}${showSeq ? `${r.SequenceNumber} ` : ''}`;
  return `${prefix}${format === 'hex' ? bytes.toString('hex') : bytes.toString('utf8')}\n`;
}

/** Follows a stream until the limit, the end (`--no-follow`) or `signal`. Resolves with the records printed. */
export async function tailCommand(
  kinesis: KinesisClient,
  io: Io,
  json: boolean,
  stream: string,
  options: TailOptions,
  signal: AbortSignal,
): Promise<number> {
  const format = (json ? 'json' : options.format) as TailFormat;
  if (format !== 'export' && !TAIL_FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${TAIL_FORMATS.join(', ')}`);
  const from = options.from;
  if (!['trim-horizon', 'latest', 'at-timestamp'].includes(from))
    throw new UsageError('--from must be trim-horizon, latest or at-timestamp');
  let timestamp: Date | undefined;
  if (from === 'at-timestamp') {
    if (options.timestamp === undefined) throw new UsageError('--from at-timestamp needs --timestamp');
    timestamp = /^\d+(\.\d+)?$/.test(options.timestamp)
      ? new Date(Number(options.timestamp) * 1000)
      : new Date(options.timestamp);
    if (Number.isNaN(timestamp.getTime())) throw new UsageError(`--timestamp is not a time: '${options.timestamp}'`);
  }
  const limit = options.limit === undefined ? Number.POSITIVE_INFINITY : Number(options.limit);
  if (!(limit > 0) || (!Number.isInteger(limit) && limit !== Number.POSITIVE_INFINITY))
    throw new UsageError(`--limit must be a positive integer, got '${options.limit}'`);
  const pollMs = Number(options.pollMs);
  if (!Number.isInteger(pollMs) || pollMs < 0)
    throw new UsageError(`--poll-ms must be a whole number, got '${options.pollMs}'`);

  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let printed = 0;
  const print = (shardId: string, records: readonly KinesisRecord[]): void => {
    for (const r of records) {
      if (printed >= limit) break;
      io.stdout.write(formatRecord(format, shardId, r, options.showShard === true, options.showSeq === true));
      printed++;
    }
    if (printed >= limit) stop.abort();
  };

  const shards = await listShards(kinesis, stream);
  const known = new Map(shards.map((s) => [s.ShardId!, s]));
  const parentsOf = (s: { ParentShardId?: string; AdjacentParentShardId?: string; ParentShards?: string[] }) =>
    (s.ParentShards ?? [s.ParentShardId, s.AdjacentParentShardId]).filter((p): p is string => !!p);
  const ended = new Set<string>();
  const started = new Set<string>();
  const running = new Set<Promise<void>>();
  const firstPosition = (): { type: ShardIteratorType; timestamp?: Date } =>
    from === 'latest'
      ? { type: 'LATEST' }
      : from === 'at-timestamp'
        ? { type: 'AT_TIMESTAMP', timestamp: timestamp! }
        : { type: 'TRIM_HORIZON' };

  let consumerArn: string | undefined;
  if (options.consumer !== undefined)
    consumerArn = await ensureConsumer(kinesis, stream, options.consumer, stop.signal);

  const start = (shardId: string, position: { type: ShardIteratorType; timestamp?: Date }): void => {
    if (started.has(shardId) || stop.signal.aborted) return;
    started.add(shardId);
    const run = consumerArn
      ? readByFanOut(kinesis, consumerArn, shardId, position, options.follow, stop.signal, print)
      : readByPolling(kinesis, stream, shardId, position, options.follow, pollMs, stop.signal, print);
    const p: Promise<void> = run.then((children) => {
      running.delete(p);
      if (children === undefined) return;
      ended.add(shardId);
      for (const child of children) {
        if (!known.has(child.ShardId)) known.set(child.ShardId, { ShardId: child.ShardId } as Shard);
        if (parentsOf(child).every((parent) => ended.has(parent) || !known.has(parent))) {
          start(child.ShardId, { type: 'TRIM_HORIZON' });
        }
      }
    });
    running.add(p);
  };

  if (from === 'latest') {
    for (const s of shards) if (!s.SequenceNumberRange?.EndingSequenceNumber) start(s.ShardId!, firstPosition());
  } else {
    for (const s of shards) if (parentsOf(s).every((p) => !known.has(p))) start(s.ShardId!, firstPosition());
  }
  try {
    while (running.size > 0) await Promise.race(running);
  } finally {
    signal.removeEventListener('abort', onAbort);
    stop.abort();
  }
  return printed;
}

interface ChildRef {
  readonly ShardId: string;
  readonly ParentShards?: string[];
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

function isAbort(e: unknown): boolean {
  return (e as { name?: string }).name === 'AbortError';
}

/**
 * Reads one shard with GetRecords until it ends (resolves with its children), reaches the tip without `follow`, or
 * `signal` (both resolve with undefined).
 */
async function readByPolling(
  kinesis: KinesisClient,
  stream: string,
  shardId: string,
  position: { type: ShardIteratorType; timestamp?: Date },
  follow: boolean,
  pollMs: number,
  signal: AbortSignal,
  print: (shardId: string, records: readonly KinesisRecord[]) => void,
): Promise<ChildRef[] | undefined> {
  try {
    let { ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shardId,
        ShardIteratorType: position.type,
        ...(position.timestamp ? { Timestamp: position.timestamp } : {}),
      }),
      { abortSignal: signal },
    );
    while (iterator && !signal.aborted) {
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }), { abortSignal: signal });
      const records = out.Records ?? [];
      if (signal.aborted) return undefined;
      print(shardId, records);
      if (!out.NextShardIterator)
        return (out.ChildShards ?? []).map((c) => ({ ShardId: c.ShardId!, ParentShards: c.ParentShards ?? [] }));
      iterator = out.NextShardIterator;
      if (records.length === 0 && (out.MillisBehindLatest ?? 0) === 0) {
        if (!follow) return undefined;
        await sleep(pollMs, signal);
      }
    }
    return undefined;
  } catch (e) {
    if (signal.aborted || isAbort(e)) return undefined;
    throw e;
  }
}

/** The consumer's ARN, registering it (and waiting until ACTIVE) when the stream has none of that name. */
async function ensureConsumer(
  kinesis: KinesisClient,
  stream: string,
  name: string,
  signal: AbortSignal,
): Promise<string> {
  const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
  const streamArn = StreamDescriptionSummary!.StreamARN!;
  for (;;) {
    try {
      const { ConsumerDescription: c } = await kinesis.send(
        new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }),
      );
      if (c?.ConsumerStatus === 'ACTIVE') return c.ConsumerARN!;
    } catch (e) {
      if ((e as { name?: string }).name !== 'ResourceNotFoundException') throw e;
      await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }));
    }
    if (signal.aborted) throw new Error('interrupted');
    await sleep(200, signal);
  }
}

/** Reads one shard through SubscribeToShard, renewing the subscription; same results as {@link readByPolling}. */
async function readByFanOut(
  kinesis: KinesisClient,
  consumerArn: string,
  shardId: string,
  position: { type: ShardIteratorType; timestamp?: Date },
  follow: boolean,
  signal: AbortSignal,
  print: (shardId: string, records: readonly KinesisRecord[]) => void,
): Promise<ChildRef[] | undefined> {
  let starting: StartingPosition = {
    Type: position.type,
    ...(position.timestamp ? { Timestamp: position.timestamp } : {}),
  };
  try {
    while (!signal.aborted) {
      const out = await kinesis.send(
        new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: starting }),
        { abortSignal: signal },
      );
      let continuation: string | undefined;
      for await (const event of out.EventStream ?? []) {
        const e = event.SubscribeToShardEvent;
        if (e === undefined) continue;
        print(shardId, e.Records ?? []);
        if (signal.aborted) return undefined;
        if (e.ChildShards && e.ChildShards.length > 0 && !e.ContinuationSequenceNumber) {
          return e.ChildShards.map((c) => ({ ShardId: c.ShardId!, ParentShards: c.ParentShards ?? [] }));
        }
        continuation = e.ContinuationSequenceNumber;
        if (!follow && (e.Records ?? []).length === 0 && (e.MillisBehindLatest ?? 0) === 0) return undefined;
      }
      // The subscription's 5 minutes are over: go on after the last sequence number seen.
      if (continuation) starting = { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: continuation };
    }
    return undefined;
  } catch (e) {
    if (signal.aborted || isAbort(e)) return undefined;
    throw e;
  }
}
