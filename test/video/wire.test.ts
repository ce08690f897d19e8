/**
 * The Kinesis Video control plane on the wire (raw HTTP/1.1): REST-JSON success bodies as `application/json`
 * with epoch-second timestamps, errors with `x-amzn-ErrorType`, AWS's status and a `Message` member, an
 * unparseable body, a request naming no stream, a bad NextToken, and a stream that is DELETING; the same routes
 * over cleartext HTTP/2 (the data endpoint then comes from the `:authority` pseudo-header).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetDataEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { startTestServer, TEST_CREDENTIALS, type TestServer } from '../helpers/server.js';

const AUTH = {
  authorization:
    'AWS4-HMAC-SHA256 Credential=AKIDRAWTEST/20261125/us-east-1/kinesisvideo/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000',
  'x-amz-date': '20261125T000000Z',
} as const;

let t: TestServer;

before(async () => {
  // DELETING lasts an hour: the tests see it without racing the timer.
  t = await startTestServer({ videoDeleteMs: 3_600_000 });
});
after(async () => {
  await t.close();
});

async function call(path: string, body: string | object) {
  const res = await fetch(`${t.server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...AUTH },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

describe('the Kinesis Video wire format', () => {
  it('answers JSON with epoch-second timestamps on success', async () => {
    const created = await call('/createStream', { StreamName: 'wire' });
    assert.equal(created.status, 200);
    assert.equal(created.headers.get('content-type'), 'application/json');
    assert.match(created.json.StreamARN, /^arn:aws:kinesisvideo:us-east-1:000000000000:stream\/wire\/\d+$/);
    const described = await call('/describeStream', { StreamName: 'wire' });
    const creationMs = Number(created.json.StreamARN.split('/').pop());
    assert.equal(described.json.StreamInfo.CreationTime, creationMs / 1000);
    assert.ok(described.headers.get('x-amzn-requestid'));
  });

  it('answers errors with x-amzn-ErrorType, the model status and a Message member', async () => {
    const missing = await call('/describeStream', { StreamName: 'absent' });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(missing.headers.get('content-type'), 'application/json');
    assert.equal(missing.json.Message, 'The requested stream is not found or not active.');

    const garbled = await call('/describeStream', '{"StreamName":');
    assert.equal(garbled.status, 400);
    assert.equal(garbled.headers.get('x-amzn-errortype'), 'SerializationException');

    const neither = await call('/describeStream', {});
    assert.equal(neither.status, 400);
    assert.equal(neither.headers.get('x-amzn-errortype'), 'InvalidArgumentException');

    const token = await call('/listStreams', { NextToken: '!!' });
    assert.equal(token.headers.get('x-amzn-errortype'), 'InvalidArgumentException');
  });

  it('shows a deleted stream as DELETING, but serves it no more', async () => {
    const { json } = await call('/createStream', { StreamName: 'going' });
    assert.equal((await call('/deleteStream', { StreamARN: json.StreamARN })).status, 200);
    const described = await call('/describeStream', { StreamARN: json.StreamARN });
    assert.equal(described.json.StreamInfo.Status, 'DELETING');
    for (const [path, body] of [
      ['/getDataEndpoint', { StreamARN: json.StreamARN, APIName: 'GET_MEDIA' }],
      ['/tagStream', { StreamARN: json.StreamARN, Tags: { a: 'b' } }],
      ['/deleteStream', { StreamARN: json.StreamARN }],
      ['/createStream', { StreamName: 'going' }],
    ] as const) {
      const r = await call(path, body);
      assert.equal(
        r.headers.get('x-amzn-errortype'),
        path === '/createStream' ? 'ResourceInUseException' : 'ResourceNotFoundException',
        path,
      );
    }
  });
});

describe('over HTTP/2', () => {
  it('serves the REST routes and answers the data endpoint from :authority', async () => {
    const kv = new KinesisVideoClient({
      endpoint: t.server.url,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
      requestHandler: new NodeHttp2Handler(),
    });
    try {
      await kv.send(new CreateStreamCommand({ StreamName: 'h2' }));
      const { DataEndpoint } = await kv.send(new GetDataEndpointCommand({ StreamName: 'h2', APIName: 'GET_CLIP' }));
      assert.equal(DataEndpoint, t.server.url);
      await assert.rejects(kv.send(new DescribeStreamCommand({ StreamName: 'not-there' })), {
        name: 'ResourceNotFoundException',
        message: 'The requested stream is not found or not active.',
      });
    } finally {
      kv.destroy();
    }
  });
});
