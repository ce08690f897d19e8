/**
 * KPL de-aggregation, with aggregated records built here from the published format description
 * (magic F3 89 9A C2, protobuf AggregatedRecord, MD5 of the protobuf) by a hand-written protobuf encoder,
 * and a pass-through check against a real server: Kinesis stores aggregates untouched.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { KPL_MAGIC, KplFormatError, deaggregate, isAggregated } from '../../src/streams/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// ---- a minimal protobuf writer for the test (varint keys, varints, length-delimited fields)
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
const field = (num: number, wire: number): number[] => varint(num * 8 + wire);
const lenField = (num: number, bytes: Uint8Array | string): Buffer => {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  return Buffer.concat([Buffer.from(field(num, 2)), Buffer.from(varint(b.length)), b]);
};
const varField = (num: number, n: number): Buffer => Buffer.from([...field(num, 0), ...varint(n)]);

interface Sub {
  pk: number;
  ehk?: number;
  data: string;
  tags?: Array<[string, string?]>;
}

function aggregate(parts: { pks: string[]; ehks?: string[]; records: Sub[]; extra?: Buffer }): {
  body: Buffer;
  record: Buffer;
} {
  const chunks: Buffer[] = [];
  for (const pk of parts.pks) chunks.push(lenField(1, pk));
  for (const ehk of parts.ehks ?? []) chunks.push(lenField(2, ehk));
  for (const r of parts.records) {
    const inner = [varField(1, r.pk)];
    if (r.ehk !== undefined) inner.push(varField(2, r.ehk));
    inner.push(lenField(3, r.data));
    for (const [k, v] of r.tags ?? [])
      inner.push(lenField(4, Buffer.concat([lenField(1, k), ...(v === undefined ? [] : [lenField(2, v)])])));
    chunks.push(lenField(3, Buffer.concat(inner)));
  }
  if (parts.extra) chunks.push(parts.extra);
  const body = Buffer.concat(chunks);
  return { body, record: Buffer.concat([Buffer.from(KPL_MAGIC), body, createHash('md5').update(body).digest()]) };
}

const text = (d: Uint8Array): string => Buffer.from(d).toString('utf8');

describe('KPL deaggregate', () => {
  it('splits an aggregate into user records with their keys, sub-sequence numbers and tags', () => {
    const { record } = aggregate({
      pks: ['user-1', 'user-2'],
      ehks: ['170141183460469231731687303715884105728'],
      records: [
        { pk: 0, data: 'first' },
        { pk: 1, ehk: 0, data: 'second', tags: [['source', 'web'], ['flag']] },
        { pk: 0, data: '' },
      ],
      // An unknown field (number 15, varint) must be skipped, as protobuf readers do.
      extra: varField(15, 300),
    });
    const arrival = new Date(1_700_000_000_000);
    const out = deaggregate({
      Data: record,
      PartitionKey: 'kpl-key',
      SequenceNumber: '49590',
      ApproximateArrivalTimestamp: arrival,
    });
    assert.equal(out.length, 3);
    assert.deepEqual(
      out.map((r) => [
        text(r.Data),
        r.PartitionKey,
        r.ExplicitHashKey,
        r.SubSequenceNumber,
        r.Aggregated,
        r.SequenceNumber,
      ]),
      [
        ['first', 'user-1', undefined, 0, true, '49590'],
        ['second', 'user-2', '170141183460469231731687303715884105728', 1, true, '49590'],
        ['', 'user-1', undefined, 2, true, '49590'],
      ],
    );
    assert.deepEqual(out[1]!.Tags, [{ key: 'source', value: 'web' }, { key: 'flag' }]);
    assert.equal(out[0]!.ApproximateArrivalTimestamp, arrival);
  });

  it('returns a non-aggregated record as-is', () => {
    const data = Buffer.from('{"plain":true}');
    assert.equal(isAggregated(data), false);
    const out = deaggregate({ Data: data, PartitionKey: 'k', ExplicitHashKey: '5', SequenceNumber: '1' });
    assert.equal(out.length, 1);
    assert.equal(out[0]!.Data, data);
    assert.equal(out[0]!.PartitionKey, 'k');
    assert.equal(out[0]!.ExplicitHashKey, '5');
    assert.equal(out[0]!.SubSequenceNumber, 0);
    assert.equal(out[0]!.Aggregated, false);
    // The magic alone, too short to hold an MD5, is not an aggregate either.
    assert.equal(deaggregate({ Data: Buffer.from(KPL_MAGIC), PartitionKey: 'k' })[0]!.Aggregated, false);
  });

  it('a bad MD5 passes the record through (as the KCL does), or throws when asked', () => {
    const { record } = aggregate({ pks: ['a'], records: [{ pk: 0, data: 'x' }] });
    record[record.length - 1]! ^= 0xff;
    const out = deaggregate({ Data: record, PartitionKey: 'outer' });
    assert.equal(out.length, 1);
    assert.equal(out[0]!.Aggregated, false);
    assert.equal(out[0]!.PartitionKey, 'outer');
    assert.ok(Buffer.from(out[0]!.Data).equals(record));
    assert.throws(
      () => deaggregate({ Data: record, PartitionKey: 'outer' }, { onBadChecksum: 'throw' }),
      KplFormatError,
    );
  });

  it('a well-checksummed but malformed aggregate is a KplFormatError', () => {
    const bad = (body: Buffer) =>
      Buffer.concat([Buffer.from(KPL_MAGIC), body, createHash('md5').update(body).digest()]);
    // partition_key_index 3 with a one-entry table
    const outOfRange = aggregate({ pks: ['a'], records: [{ pk: 3, data: 'x' }] }).record;
    assert.throws(
      () => deaggregate({ Data: outOfRange }),
      (e: Error) => e instanceof KplFormatError && /partition_key_index 3/.test(e.message),
    );
    // a length-delimited field running past the end
    assert.throws(() => deaggregate({ Data: bad(Buffer.from([0x0a, 0x05, 0x61])) }), KplFormatError);
    // a sub-record without data
    assert.throws(
      () => deaggregate({ Data: bad(Buffer.concat([lenField(1, 'a'), lenField(3, varField(1, 0))])) }),
      /without data/,
    );
  });

  describe('through a real server', () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer();
    });
    after(async () => {
      await t.close();
    });

    it('stores an aggregated record byte for byte and it de-aggregates after GetRecords', async () => {
      const { record } = aggregate({
        pks: ['p1', 'p2'],
        records: [
          { pk: 0, data: 'one' },
          { pk: 1, data: 'two' },
        ],
      });
      await t.kinesis.send(new CreateStreamCommand({ StreamName: 'kpl', ShardCount: 1 }));
      await t.kinesis.send(new PutRecordCommand({ StreamName: 'kpl', PartitionKey: 'p1', Data: record }));
      const { ShardIterator } = await t.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 'kpl',
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const { Records } = await t.kinesis.send(new GetRecordsCommand({ ShardIterator }));
      assert.equal(Records!.length, 1);
      assert.ok(Buffer.from(Records![0]!.Data!).equals(record));
      const users = deaggregate({ ...Records![0]!, Data: Records![0]!.Data! });
      assert.deepEqual(
        users.map((u) => [u.PartitionKey, text(u.Data), u.SequenceNumber]),
        [
          ['p1', 'one', Records![0]!.SequenceNumber],
          ['p2', 'two', Records![0]!.SequenceNumber],
        ],
      );
    });
  });
});
