/**
 * Differential check against kinesalite, whose validation and error texts were reverse-engineered from live AWS:
 * the same malformed or invalid requests must get byte-identical answers (status, __type and message) from both.
 * Cases where AWS changed after kinesalite's last release (optional ShardCount and StreamName with StreamARN,
 * retention up to 8,760 h, `{}` bodies) are left out on purpose.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { kinesisCall } from '../helpers/raw.js';
import { freePort } from '../helpers/net.js';

const ITERATOR_OF_NOTHING =
  'AAAAAAAAAAFmaQMQA5dW0RFWulc9scgcaMHKeKAVnjaJMMdQnOgUFoSGqdr2bPCQ5rQ7sbVJALJwGWXxWVKyLg4aCujitaEBGZoRTSX7BVyxNCqhv2Vvtg==';

const CASES: Array<[string, unknown]> = [
  ['CreateStream', { StreamName: 'parity', ShardCount: 2 }],
  ['CreateStream', { StreamName: 'parity', ShardCount: 2 }],
  ['CreateStream', { StreamName: 'x', ShardCount: 'a' }],
  ['CreateStream', { StreamName: 'x', ShardCount: true }],
  ['CreateStream', { StreamName: 1, ShardCount: 1 }],
  ['CreateStream', { StreamName: 'x'.repeat(129), ShardCount: 0 }],
  ['CreateStream', { StreamName: ['a'], ShardCount: 1 }],
  ['CreateStream', { StreamName: { a: 1 }, ShardCount: 1 }],
  ['DescribeStream', { StreamName: 'nope' }],
  ['DescribeStream', { StreamName: 'parity', Limit: 0 }],
  ['PutRecord', { StreamName: 'parity' }],
  ['PutRecord', { StreamName: 'parity', PartitionKey: 'a', Data: 'abc' }],
  ['PutRecord', { StreamName: 'parity', PartitionKey: 'a', Data: 'ab!=' }],
  ['PutRecord', { StreamName: 'parity', PartitionKey: 'a', Data: 'YQ==', ExplicitHashKey: 'x' }],
  ['PutRecord', { StreamName: 'parity', PartitionKey: '', Data: 'YQ==' }],
  ['PutRecord', { StreamName: 'parity', PartitionKey: 'a', Data: 'YQ==', SequenceNumberForOrdering: 'abc' }],
  ['PutRecord', { StreamName: 'nope', PartitionKey: 'a', Data: 'YQ==' }],
  ['PutRecords', { StreamName: 'parity', Records: [] }],
  ['PutRecords', { StreamName: 'parity', Records: [{ PartitionKey: 'a' }, { Data: 'YQ==' }] }],
  ['PutRecords', { StreamName: 'parity', Records: {} }],
  ['GetShardIterator', { StreamName: 'parity', ShardId: 'shardId-000000000000', ShardIteratorType: 'BAD' }],
  [
    'GetShardIterator',
    {
      StreamName: 'parity',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
      StartingSequenceNumber: '123',
    },
  ],
  ['GetShardIterator', { StreamName: 'parity', ShardId: 'shardId-000000000005', ShardIteratorType: 'LATEST' }],
  [
    'GetShardIterator',
    { StreamName: 'parity', ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_TIMESTAMP', Timestamp: 'abc' },
  ],
  [
    'GetShardIterator',
    { StreamName: 'parity', ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_SEQUENCE_NUMBER' },
  ],
  ['GetRecords', { ShardIterator: 'abc' }],
  ['GetRecords', { ShardIterator: ITERATOR_OF_NOTHING, Limit: 0 }],
  ['ListStreams', { Limit: 0 }],
  ['ListStreams', { Limit: 'x' }],
  ['ListShards', {}],
  ['ListShards', { StreamName: 'parity', MaxResults: 0 }],
  ['IncreaseStreamRetentionPeriod', { StreamName: 'parity', RetentionPeriodHours: 1 }],
  ['AddTagsToStream', { StreamName: 'parity', Tags: {} }],
  ['AddTagsToStream', { StreamName: 'parity', Tags: { '': 'a' } }],
  ['RemoveTagsFromStream', { StreamName: 'parity', TagKeys: [] }],
  ['ListTagsForStream', { StreamName: 'parity', Limit: 0 }],
  [
    'MergeShards',
    { StreamName: 'parity', ShardToMerge: 'shardId-000000000000', AdjacentShardToMerge: 'shardId-000000000005' },
  ],
  ['SplitShard', { StreamName: 'parity', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '1' }],
  ['DeleteStream', { StreamName: 'nope' }],
];

describe('parity with kinesalite (AWS texts reverse-engineered from live AWS)', () => {
  let t: TestServer;
  let kinesalite: ChildProcess;
  let kinesaliteUrl: string;

  before(async () => {
    t = await startTestServer({ audit: 'off' });
    const port = await freePort();
    const cli = createRequire(import.meta.url).resolve('kinesalite/cli.js');
    kinesalite = spawn(
      process.execPath,
      [cli, '--port', String(port), '--createStreamMs', '0', '--deleteStreamMs', '0', '--updateStreamMs', '0'],
      { stdio: 'ignore' },
    );
    kinesaliteUrl = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        await kinesisCall(kinesaliteUrl, 'ListStreams', {});
        break;
      } catch (e) {
        if (i > 100) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  after(async () => {
    kinesalite.kill();
    await t.close();
  });

  it('answers every case exactly as kinesalite does', async () => {
    const differences: string[] = [];
    for (const [operation, body] of CASES) {
      const ours = await kinesisCall(t.server.url, operation, body);
      const theirs = await kinesisCall(kinesaliteUrl, operation, body);
      // Operations without output: AWS/kinesalite send an empty body, we send `{}` (both parse as no output).
      const norm = (text: string) => (text === '' ? '{}' : text);
      if (ours.status !== theirs.status || norm(ours.text) !== norm(theirs.text)) {
        differences.push(
          `${operation} ${JSON.stringify(body)}\n  ours:       ${ours.status} ${ours.text}\n  kinesalite: ${theirs.status} ${theirs.text}`,
        );
      }
    }
    assert.deepEqual(differences, []);
  });
});
