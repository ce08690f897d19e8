import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPutRecordBodies, buildPutRecordsBodies, scanGetRecordsBody } from '../../../bench/streams/bodies.js';

describe('bench request bodies', () => {
  it('PutRecords bodies carry the batch with the record size and a distinct key per record', () => {
    const bodies = buildPutRecordsBodies('s1', { recordSize: 100, batchSize: 500, count: 3, keyPrefix: 'x' });
    assert.equal(bodies.length, 3);
    const keys = new Set<string>();
    for (const body of bodies) {
      const parsed = JSON.parse(body.toString()) as {
        StreamName: string;
        Records: { Data: string; PartitionKey: string }[];
      };
      assert.equal(parsed.StreamName, 's1');
      assert.equal(parsed.Records.length, 500);
      for (const r of parsed.Records) {
        assert.equal(Buffer.from(r.Data, 'base64').length, 100);
        keys.add(r.PartitionKey);
      }
    }
    assert.equal(keys.size, 1500);
  });

  it('PutRecord bodies are single records with distinct keys', () => {
    const bodies = buildPutRecordBodies('s2', { recordSize: 10, count: 5 });
    const parsed = bodies.map(
      (b) => JSON.parse(b.toString()) as { StreamName: string; Data: string; PartitionKey: string },
    );
    assert.deepEqual(new Set(parsed.map((p) => p.StreamName)), new Set(['s2']));
    assert.equal(new Set(parsed.map((p) => p.PartitionKey)).size, 5);
    assert.equal(Buffer.from(parsed[0]!.Data, 'base64').length, 10);
  });
});

describe('scanGetRecordsBody', () => {
  it('agrees with JSON.parse on record count and iterator', () => {
    const response = {
      Records: Array.from({ length: 7 }, (_, i) => ({
        SequenceNumber: String(49_000_000 + i),
        ApproximateArrivalTimestamp: 1764000000.123,
        Data: Buffer.from(`payload-${i}`).toString('base64'),
        PartitionKey: `pk-${i}`,
      })),
      NextShardIterator: 'AAAAAAAA+/=iterator',
      MillisBehindLatest: 0,
    };
    const scan = scanGetRecordsBody(Buffer.from(JSON.stringify(response)));
    assert.equal(scan.records, 7);
    assert.equal(scan.nextShardIterator, 'AAAAAAAA+/=iterator');
  });

  it('handles an empty page and a drained closed shard (no iterator)', () => {
    assert.deepEqual(
      scanGetRecordsBody(Buffer.from('{"Records":[],"NextShardIterator":"it","MillisBehindLatest":0}')),
      {
        records: 0,
        nextShardIterator: 'it',
      },
    );
    assert.deepEqual(scanGetRecordsBody(Buffer.from('{"Records":[],"ChildShards":[]}')), {
      records: 0,
      nextShardIterator: undefined,
    });
  });
});
