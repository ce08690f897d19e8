/**
 * CBOR 1.1 end to end: raw HTTP requests with `content-type: application/x-amz-cbor-1.1` whose bodies
 * are built by the test-only encoder (./cbor/tiny-cbor.ts, independent of the server's cbor-x), against
 * a real server; answers read back with the test-only decoder and cross-checked with JSON 1.1 answers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kinesisCall, SIGV4_HEADERS } from '../helpers/raw.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cbor, Float, Tagged, uncbor } from './cbor/tiny-cbor.js';

const CBOR = 'application/x-amz-cbor-1.1';
const ACCOUNT = '000000000000';

interface CborResponse {
  status: number;
  headers: Headers;
  bytes: Buffer;
  body: any;
}

async function cborCall(url: string, operation: string, body: Buffer): Promise<CborResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': CBOR, 'x-amz-target': `Kinesis_20131202.${operation}`, ...SIGV4_HEADERS },
    body,
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, body: bytes.length > 0 ? uncbor(bytes) : undefined };
}

/** Asserts a tag-1 timestamp around an integer of epoch milliseconds and returns the milliseconds. */
function taggedMillis(v: unknown): number {
  assert.ok(v instanceof Tagged, `expected a tagged item, got ${String(v)}`);
  assert.equal(v.tag, 1);
  assert.ok(!(v.value instanceof Float), 'tag 1 content must be an integer, not a float');
  assert.equal(typeof v.value, 'number');
  assert.ok(Number.isSafeInteger(v.value));
  return v.value as number;
}

let t: TestServer;
let url: string;

before(async () => {
  t = await startTestServer();
  url = t.server.url;
});
after(() => t.close());

async function createActive(name: string, shards = 1): Promise<void> {
  const created = await cborCall(url, 'CreateStream', cbor({ StreamName: name, ShardCount: shards }));
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.equal(created.bytes.length, 0, 'no output shape → an empty body, as AWS sends');
  for (;;) {
    const d = await cborCall(url, 'DescribeStreamSummary', cbor({ StreamName: name }));
    if (d.body.StreamDescriptionSummary.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('CBOR 1.1 data plane', () => {
  const stream = 'cbor-orders';
  const payloads = [
    Buffer.from([0x00, 0x01, 0xfe, 0xff]),
    Buffer.from('second'),
    Buffer.from('third'),
    Buffer.alloc(0),
  ];
  let shardId: string;

  before(async () => {
    await createActive(stream);
  });

  it('DescribeStreamSummary answers in CBOR with a tag-1 integer-ms creation time', async () => {
    const res = await cborCall(url, 'DescribeStreamSummary', cbor({ StreamName: stream }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), CBOR);
    const summary = res.body.StreamDescriptionSummary;
    assert.equal(summary.StreamName, stream);
    assert.equal(summary.OpenShardCount, 1);
    const ms = taggedMillis(summary.StreamCreationTimestamp);
    const json = await kinesisCall(url, 'DescribeStreamSummary', { StreamName: stream });
    assert.equal(ms, Math.round(json.body.StreamDescriptionSummary.StreamCreationTimestamp * 1000));
  });

  it('PutRecord with a byte-string Data, then PutRecords', async () => {
    const one = await cborCall(url, 'PutRecord', cbor({ StreamName: stream, PartitionKey: 'k', Data: payloads[0] }));
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.match(one.body.SequenceNumber, /^\d{56}$/);
    shardId = one.body.ShardId;
    assert.equal(shardId, 'shardId-000000000000');

    const many = await cborCall(
      url,
      'PutRecords',
      cbor({ StreamName: stream, Records: payloads.slice(1).map((Data, i) => ({ Data, PartitionKey: `k${i}` })) }),
    );
    assert.equal(many.status, 200, JSON.stringify(many.body));
    assert.equal(many.body.FailedRecordCount, 0);
    assert.equal(many.body.Records.length, 3);
    for (const r of many.body.Records) assert.equal(r.ShardId, shardId);
  });

  it('GetRecords returns Data as byte strings and ApproximateArrivalTimestamp as tag 1 + integer ms', async () => {
    const it = await cborCall(
      url,
      'GetShardIterator',
      cbor({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    assert.equal(it.status, 200);
    const res = await cborCall(url, 'GetRecords', cbor({ ShardIterator: it.body.ShardIterator }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const records = res.body.Records as Array<Record<string, unknown>>;
    assert.equal(records.length, 4);
    records.forEach((r, i) => {
      assert.ok(Buffer.isBuffer(r['Data']), 'Data decodes from a byte string (major type 2)');
      assert.deepEqual(r['Data'], payloads[i]);
      taggedMillis(r['ApproximateArrivalTimestamp']);
    });
    assert.equal(typeof res.body.NextShardIterator, 'string');
    assert.equal(typeof res.body.MillisBehindLatest, 'number');

    // The same records through JSON 1.1: seconds × 1000 = the CBOR milliseconds.
    const jsonIt = await kinesisCall(url, 'GetShardIterator', {
      StreamName: stream,
      ShardId: shardId,
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const json = await kinesisCall(url, 'GetRecords', { ShardIterator: jsonIt.body.ShardIterator });
    assert.equal(json.body.Records.length, 4);
    json.body.Records.forEach(
      (r: { ApproximateArrivalTimestamp: number; SequenceNumber: string; Data: string }, i: number) => {
        assert.equal(
          taggedMillis(records[i]!['ApproximateArrivalTimestamp']),
          Math.round(r.ApproximateArrivalTimestamp * 1000),
        );
        assert.equal(records[i]!['SequenceNumber'], r.SequenceNumber);
        assert.equal(Buffer.from(r.Data, 'base64').toString('hex'), payloads[i]!.toString('hex'));
      },
    );
  });

  it('GetShardIterator AT_TIMESTAMP takes tag 1 + integer epoch ms (and a bare number, leniently)', async () => {
    const all = await readFrom(cbor({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const last = all[all.length - 1]!;
    const lastMs = taggedMillis(last['ApproximateArrivalTimestamp']);
    const expected = all
      .filter((r) => taggedMillis(r['ApproximateArrivalTimestamp']) >= lastMs)
      .map((r) => r['SequenceNumber']);

    for (const Timestamp of [new Tagged(1, lastMs), lastMs]) {
      const got = await readFrom(
        cbor({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'AT_TIMESTAMP', Timestamp }),
      );
      assert.deepEqual(
        got.map((r) => r['SequenceNumber']),
        expected,
      );
    }
    // One millisecond later leaves out every record that arrived at lastMs (once that is not in the future).
    while (Date.now() <= lastMs + 1) await new Promise((r) => setTimeout(r, 2));
    const later = await readFrom(
      cbor({
        StreamName: stream,
        ShardId: shardId,
        ShardIteratorType: 'AT_TIMESTAMP',
        Timestamp: new Tagged(1, lastMs + 1),
      }),
    );
    assert.deepEqual(later, []);
  });

  async function readFrom(iteratorRequest: Buffer): Promise<Array<Record<string, unknown>>> {
    const it = await cborCall(url, 'GetShardIterator', iteratorRequest);
    assert.equal(it.status, 200, JSON.stringify(it.body));
    const res = await cborCall(url, 'GetRecords', cbor({ ShardIterator: it.body.ShardIterator }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.Records;
  }

  it('ListStreams with an empty map: names and tag-1 summaries', async () => {
    const res = await cborCall(url, 'ListStreams', cbor({}));
    assert.equal(res.status, 200);
    assert.ok(res.body.StreamNames.includes(stream));
    taggedMillis(
      res.body.StreamSummaries.find((s: { StreamName: string }) => s.StreamName === stream).StreamCreationTimestamp,
    );
  });
});

describe('CBOR 1.1 errors', () => {
  it('unknown stream → 400 ResourceNotFoundException as a CBOR {__type, message} map', async () => {
    const res = await cborCall(
      url,
      'PutRecord',
      cbor({ StreamName: 'nope', PartitionKey: 'k', Data: Buffer.from('x') }),
    );
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), CBOR);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.deepEqual(res.body, {
      __type: 'ResourceNotFoundException',
      message: `Stream nope under account ${ACCOUNT} not found.`,
    });
  });

  it('malformed CBOR → 400 SerializationException without a message', async () => {
    for (const body of [Buffer.from([0xa1, 0x6a, 0x53, 0x74]), Buffer.from([0xff]), cbor(['StreamName'])]) {
      const res = await cborCall(url, 'DescribeStreamSummary', body);
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('x-amzn-errortype'), 'SerializationException');
      assert.deepEqual(res.body, { __type: 'SerializationException' });
    }
  });

  it('a type error → SerializationException with Message, as JSON gives', async () => {
    const res = await cborCall(url, 'CreateStream', cbor({ StreamName: 'x', ShardCount: '1' }));
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, {
      __type: 'SerializationException',
      Message: 'class java.lang.String can not be converted to an Integer',
    });
    const bytes = await cborCall(url, 'DescribeStreamSummary', cbor({ StreamName: Buffer.from('x') }));
    assert.deepEqual(bytes.body, {
      __type: 'SerializationException',
      Message: 'class [B can not be converted to an String',
    });
  });

  it('a validation error → the same ValidationException as JSON 1.1', async () => {
    const res = await cborCall(url, 'CreateStream', cbor({ StreamName: 'a b', ShardCount: 0 }));
    const json = await kinesisCall(url, 'CreateStream', { StreamName: 'a b', ShardCount: 0 });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.deepEqual(res.body, json.body);
    assert.match(res.body.message, /^2 validation errors detected: /);
  });

  it('an empty CBOR body → CBOR SerializationException', async () => {
    const res = await cborCall(url, 'ListStreams', Buffer.alloc(0));
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), CBOR);
    assert.deepEqual(res.body, { __type: 'SerializationException' });
  });
});
