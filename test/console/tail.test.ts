/**
 * The record browser's tail (console/src/tail.ts): against a real server through the SDK, it reads a shard to its
 * end and follows its children across a split and then a merge, in order; with scripted answers, its waits
 * (5 calls/s per shard at most, backing off on empty answers), throttling and expired-iterator recovery, errors
 * and stopping. Waits are injected: the tail asks for a delay, the test records it and resolves at once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  MergeShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  BEHIND_INTERVAL_MS,
  CAUGHT_UP_INTERVAL_MS,
  MAX_IDLE_INTERVAL_MS,
  type TailAnswer,
  type TailCalls,
  type TailPosition,
  type TailRecord,
  nextInterval,
  tailShard,
} from '../../console/src/tail.js';

const HALF = 1n << 127n;
const id = (n: number) => `shardId-${String(n).padStart(12, '0')}`;
const enc = new TextEncoder();
const dec = new TextDecoder();

describe('console tail against a real server', () => {
  let server: TestServer;
  const STREAM = 'tail-lineage';

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  async function untilActive(): Promise<void> {
    for (;;) {
      const s = await server.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: STREAM }));
      if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Puts `names` with explicit hash keys (low half or high half of the key space). */
  async function put(names: string[], high: boolean): Promise<void> {
    await server.kinesis.send(
      new PutRecordsCommand({
        StreamName: STREAM,
        Records: names.map((n) => ({
          PartitionKey: 'pk',
          ExplicitHashKey: String(high ? HALF + 5n : 5n),
          Data: enc.encode(n),
        })),
      }),
    );
  }

  it('reads the parent to its end, then both children of a split, then their merged child', async () => {
    await server.kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 1 }));
    await untilActive();
    await put(['p1', 'p2'], false);
    await server.kinesis.send(
      new SplitShardCommand({ StreamName: STREAM, ShardToSplit: id(0), NewStartingHashKey: String(HALF) }),
    );
    await untilActive();
    await put(['low1', 'low2'], false);
    await put(['high1'], true);
    await server.kinesis.send(
      new MergeShardsCommand({ StreamName: STREAM, ShardToMerge: id(1), AdjacentShardToMerge: id(2) }),
    );
    await untilActive();
    await put(['merged1'], false);
    await put(['merged2'], true);

    const seen: { shard: string; data: string }[] = [];
    const waits: number[] = [];
    const shardEvents: { reading: string[]; ended: string[] }[] = [];
    const errors: unknown[] = [];
    const stop = new AbortController();
    await tailShard<_Record>(
      id(0),
      { type: 'TRIM_HORIZON' },
      {
        iterator: async (shardId, at) =>
          (
            await server.kinesis.send(
              new GetShardIteratorCommand({
                StreamName: STREAM,
                ShardId: shardId,
                ShardIteratorType: at.type,
                ...(at.sequenceNumber ? { StartingSequenceNumber: at.sequenceNumber } : {}),
              }),
            )
          ).ShardIterator,
        read: (iterator) => server.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator })),
        wait: async (ms) => {
          waits.push(ms);
        },
      },
      {
        records: (shard, records) => {
          for (const r of records) seen.push({ shard, data: dec.decode(r.Data) });
          // Everything put has been shown: the user presses Stop.
          if (seen.length === 7) stop.abort();
        },
        shards: (reading, ended) => shardEvents.push({ reading: [...reading].sort(), ended: [...ended].sort() }),
        error: (e) => errors.push(e),
      },
      stop.signal,
    );
    assert.deepEqual(errors, []);
    // The parent first; the children's records after it, each child in its order; the merged child's last.
    assert.deepEqual(seen.slice(0, 2), [
      { shard: id(0), data: 'p1' },
      { shard: id(0), data: 'p2' },
    ]);
    assert.deepEqual(
      seen.slice(2, 5).filter((r) => r.shard === id(1)),
      [
        { shard: id(1), data: 'low1' },
        { shard: id(1), data: 'low2' },
      ],
    );
    assert.deepEqual(
      seen.slice(2, 5).filter((r) => r.shard === id(2)),
      [{ shard: id(2), data: 'high1' }],
    );
    assert.deepEqual(seen.slice(5), [
      { shard: id(3), data: 'merged1' },
      { shard: id(3), data: 'merged2' },
    ]);
    assert.deepEqual(shardEvents[0], { reading: [id(0)], ended: [] });
    assert.deepEqual(shardEvents[1], { reading: [id(1), id(2)], ended: [id(0)] });
    assert.deepEqual(shardEvents.at(-1), { reading: [id(3)], ended: [id(0), id(1), id(2)] });
    // Rule 1: never faster than 5 calls per second on a shard.
    assert.ok(
      waits.every((ms) => ms >= BEHIND_INTERVAL_MS),
      `waits ${waits.join(', ')}`,
    );
  });
});

/** Scripted GetRecords answers for one shard; each call takes the next, and the last repeats. */
function scripted<R extends TailRecord>(
  answers: (TailAnswer<R> | Error)[],
  onWait: (waits: number[]) => void = () => {},
): TailCalls<R> & { iterators: TailPosition[]; reads: string[]; waits: number[] } {
  const iterators: TailPosition[] = [];
  const reads: string[] = [];
  const waits: number[] = [];
  let next = 0;
  return {
    iterators,
    reads,
    waits,
    iterator: async (_shard, at) => {
      iterators.push(at);
      return `it-${iterators.length}`;
    },
    read: async (iterator) => {
      reads.push(iterator);
      const a = answers[Math.min(next++, answers.length - 1)]!;
      if (a instanceof Error) throw a;
      return a;
    },
    wait: async (ms) => {
      waits.push(ms);
      onWait(waits);
    },
  };
}

function awsError(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

describe('console tail: waits, recovery and stopping', () => {
  it('waits 200 ms while behind, 1 s when caught up, doubling up to 4 s on empty answers', () => {
    assert.equal(nextInterval(10, 5000, 0), BEHIND_INTERVAL_MS);
    assert.equal(nextInterval(10, 0, 0), CAUGHT_UP_INTERVAL_MS);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((streak) => nextInterval(0, 0, streak)),
      [1000, 2000, 4000, MAX_IDLE_INTERVAL_MS, MAX_IDLE_INTERVAL_MS],
    );
  });

  it('backs off on empty answers, resets on a record, retries the same iterator when throttled', async () => {
    const stop = new AbortController();
    const calls = scripted<{ SequenceNumber: string }>(
      [
        { Records: [], NextShardIterator: 'n1', MillisBehindLatest: 0 },
        { Records: [], NextShardIterator: 'n2', MillisBehindLatest: 0 },
        awsError('ProvisionedThroughputExceededException', 'Rate exceeded for shard'),
        { Records: [{ SequenceNumber: '1' }], NextShardIterator: 'n3', MillisBehindLatest: 900 },
        { Records: [{ SequenceNumber: '2' }], NextShardIterator: 'n4', MillisBehindLatest: 0 },
        { Records: [], NextShardIterator: 'n5', MillisBehindLatest: 0 },
      ],
      (waits) => waits.length === 6 && stop.abort(),
    );
    const shown: string[] = [];
    const errors: unknown[] = [];
    await tailShard(
      'shardId-000000000000',
      { type: 'LATEST' },
      calls,
      {
        records: (_s, rs) => shown.push(...rs.map((r) => r.SequenceNumber)),
        error: (e) => errors.push(e),
      },
      stop.signal,
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(shown, ['1', '2']);
    assert.deepEqual(calls.waits, [1000, 2000, 4000, 200, 1000, 1000]);
    // The throttled call is retried with the iterator it used.
    assert.deepEqual(calls.reads, ['it-1', 'n1', 'n2', 'n2', 'n3', 'n4']);
    assert.deepEqual(calls.iterators, [{ type: 'LATEST' }]);
  });

  it('gets a new iterator after the last record shown when its iterator expired', async () => {
    const stop = new AbortController();
    const calls = scripted<{ SequenceNumber: string }>([
      { Records: [{ SequenceNumber: '7' }], NextShardIterator: 'n1', MillisBehindLatest: 0 },
      awsError('ExpiredIteratorException', 'Iterator expired.'),
      { Records: [{ SequenceNumber: '8' }], NextShardIterator: 'n2', MillisBehindLatest: 0 },
    ]);
    const shown: string[] = [];
    await tailShard(
      'shardId-000000000000',
      { type: 'TRIM_HORIZON' },
      calls,
      {
        records: (_s, rs) => {
          shown.push(...rs.map((r) => r.SequenceNumber));
          if (shown.length === 2) stop.abort();
        },
        error: (e) => assert.fail(String(e)),
      },
      stop.signal,
    );
    assert.deepEqual(shown, ['7', '8']);
    assert.deepEqual(calls.iterators, [
      { type: 'TRIM_HORIZON' },
      { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '7' },
    ]);
  });

  it('stops on any other error and reports it once, as returned', async () => {
    const denied = awsError('AccessDeniedException', 'User is not authorized to perform kinesis:GetRecords');
    const calls = scripted<TailRecord>([denied]);
    const errors: unknown[] = [];
    await tailShard(
      'shardId-000000000000',
      { type: 'LATEST' },
      calls,
      {
        records: () => assert.fail('no records'),
        error: (e) => errors.push(e),
      },
      new AbortController().signal,
    );
    assert.deepEqual(errors, [denied]);
    assert.equal(calls.reads.length, 1);
  });

  it('makes no call once stopped during a wait', async () => {
    const stop = new AbortController();
    const calls = scripted<TailRecord>([{ Records: [], NextShardIterator: 'n', MillisBehindLatest: 0 }], () =>
      stop.abort(),
    );
    await tailShard(
      'shardId-000000000000',
      { type: 'LATEST' },
      calls,
      {
        records: () => {},
        error: (e) => assert.fail(String(e)),
      },
      stop.signal,
    );
    assert.equal(calls.reads.length, 1);
  });

  it('ends when a closed shard has no children', async () => {
    const calls = scripted<TailRecord>([
      { Records: [{ SequenceNumber: '1' }], MillisBehindLatest: 0, ChildShards: [] },
    ]);
    const events: string[][] = [];
    await tailShard(
      'shardId-000000000000',
      { type: 'TRIM_HORIZON' },
      calls,
      {
        records: () => {},
        shards: (reading) => events.push([...reading]),
        error: (e) => assert.fail(String(e)),
      },
      new AbortController().signal,
    );
    assert.deepEqual(events, [['shardId-000000000000'], []]);
  });
});
