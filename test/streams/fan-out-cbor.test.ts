/**
 * SubscribeToShard in CBOR 1.1 (what the Java SDK v2 / KCL send by default): the request is CBOR, so the
 * event payloads are CBOR too, with Data as byte strings and timestamps as tag 1 + epoch milliseconds.
 * The request is built with the test-only CBOR encoder and sent over a raw HTTP/2 (h2c) client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { CreateStreamCommand, PutRecordCommand, RegisterStreamConsumerCommand } from '@aws-sdk/client-kinesis';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SIGV4_HEADERS } from '../helpers/raw.js';
import { Tagged, cbor, uncbor } from '../protocol/cbor/tiny-cbor.js';

describe('SubscribeToShard over CBOR', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  it('answers a CBOR subscription with CBOR event payloads', async () => {
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'cbor-efo', ShardCount: 1 }));
    const streamArn = 'arn:aws:kinesis:us-east-1:000000000000:stream/cbor-efo';
    const consumer = (
      await t.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'java-app' }))
    ).Consumer!;
    const before = Date.now();
    await t.kinesis.send(
      new PutRecordCommand({ StreamName: 'cbor-efo', PartitionKey: 'k', Data: Buffer.from('hello cbor') }),
    );

    const session = connect(t.server.url);
    const frames: Array<{ headers: Record<string, { value: unknown }>; body: Uint8Array }> = [];
    const codec = new EventStreamCodec(toUtf8, fromUtf8);
    try {
      const req = session.request({
        ':method': 'POST',
        ':path': '/',
        'content-type': 'application/x-amz-cbor-1.1',
        'x-amz-target': 'Kinesis_20131202.SubscribeToShard',
        ...SIGV4_HEADERS,
      });
      req.end(
        cbor({
          ConsumerARN: consumer.ConsumerARN,
          ShardId: 'shardId-000000000000',
          StartingPosition: { Type: 'AT_TIMESTAMP', Timestamp: new Tagged(1, before - 1000) },
        }),
      );
      const status = await new Promise<number>((resolve) => req.once('response', (h) => resolve(Number(h[':status']))));
      assert.equal(status, 200);
      let pending = Buffer.alloc(0);
      await new Promise<void>((resolve, reject) => {
        req.on('data', (chunk: Buffer) => {
          pending = Buffer.concat([pending, chunk]);
          while (pending.length >= 4 && pending.length >= pending.readUInt32BE(0)) {
            const size = pending.readUInt32BE(0);
            const msg = codec.decode(pending.subarray(0, size));
            pending = pending.subarray(size);
            frames.push({ headers: msg.headers as Record<string, { value: unknown }>, body: msg.body });
            if (frames.some((f) => f.headers[':event-type']?.value === 'SubscribeToShardEvent')) {
              req.close();
              resolve();
            }
          }
        });
        req.on('error', reject);
      });
    } finally {
      session.close();
    }
    assert.equal(frames[0]!.headers[':event-type']!.value, 'initial-response');
    const event = frames.find((f) => f.headers[':event-type']?.value === 'SubscribeToShardEvent')!;
    assert.equal(event.headers[':content-type']!.value, 'application/x-amz-cbor-1.1');
    const body = uncbor(event.body) as Record<string, unknown>;
    const records = body['Records'] as Array<Record<string, unknown>>;
    assert.equal(records.length, 1);
    assert.ok(records[0]!['Data'] instanceof Uint8Array, 'Data is a CBOR byte string');
    assert.equal(Buffer.from(records[0]!['Data'] as Uint8Array).toString(), 'hello cbor');
    const ts = records[0]!['ApproximateArrivalTimestamp'];
    assert.ok(ts instanceof Tagged && ts.tag === 1, 'arrival time is tag 1');
    const ms = Number((ts as Tagged).value);
    assert.ok(Number.isInteger(ms) && ms >= before - 1000 && ms <= Date.now(), `epoch milliseconds, got ${ms}`);
    assert.match(String(body['ContinuationSequenceNumber']), /^\d{56}$/);
  });
});
