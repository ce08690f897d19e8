/** The request pipeline, step by step (docs/architecture.md, "Request lifecycle"), through inject(): no sockets. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/protocol/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { fakeService, otherService, signedHeaders } from './fake-service.js';

const ACCESS_DENIED_XML =
  '<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n';

let server: RunningServer;

before(async () => {
  server = await startServer(
    { port: 0, maxBodyBytes: 2048, region: 'eu-north-1', accountId: '111122223333' },
    { modules: [fakeService(), otherService()], logger: silentLogger },
  );
});
after(() => server.close());

function json(body: Buffer): unknown {
  return JSON.parse(body.toString('utf8'));
}

/** CBOR assembled by hand (RFC 8949): a text string's head (major type 3) and bytes, for short texts. */
function cborText(s: string): Buffer {
  return Buffer.concat([Buffer.from([0x60 | s.length]), Buffer.from(s)]);
}

describe('step 1: request ids and body cap', () => {
  it('puts x-amzn-RequestId (a UUID) and x-amz-id-2 (72 random bytes) on every response', async () => {
    const a = await server.inject({ headers: signedHeaders('Echo'), body: '{}' });
    const b = await server.inject({ method: 'GET', headers: {} });
    for (const res of [a, b]) {
      assert.match(
        res.headers['x-amzn-requestid']!,
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      assert.equal(Buffer.from(res.headers['x-amz-id-2']!, 'base64').length, 72);
    }
    assert.notEqual(a.headers['x-amzn-requestid'], b.headers['x-amzn-requestid']);
  });

  it('answers 413 for a body above the cap', async () => {
    const res = await server.inject({
      headers: signedHeaders('Echo'),
      body: JSON.stringify({ Name: 'x'.repeat(3000) }),
    });
    assert.equal(res.status, 413);
    assert.equal(res.headers['x-amzn-errortype'], 'RequestEntityTooLargeException');
    assert.ok(res.headers['x-amzn-requestid']);
    assert.match((json(res.body) as { message: string }).message, /2048 bytes/);
  });
});

describe('step 2: CORS', () => {
  it('answers a preflight with 200, echoed allow headers, max age, no x-amz-id-2 and stops', async () => {
    const res = await server.inject({
      method: 'OPTIONS',
      headers: {
        Origin: 'http://example.com',
        'Access-Control-Request-Headers': 'x-amz-target,content-type',
        'Access-Control-Request-Method': 'POST',
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 0);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-allow-headers'], 'x-amz-target,content-type');
    assert.equal(res.headers['access-control-allow-methods'], 'POST');
    assert.equal(res.headers['access-control-max-age'], '172800');
    assert.ok(res.headers['x-amzn-requestid']);
    assert.equal(res.headers['x-amz-id-2'], undefined);
  });

  it('adds allow-origin and expose-headers to other requests with an Origin', async () => {
    const res = await server.inject({ headers: signedHeaders('Echo', { Origin: 'http://example.com' }), body: '{}' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(
      res.headers['access-control-expose-headers'],
      'x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date',
    );
  });

  it('adds no CORS headers without an Origin', async () => {
    const res = await server.inject({ headers: signedHeaders('Echo'), body: '{}' });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });
});

describe('step 3: method', () => {
  for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS']) {
    it(`answers ${method} with 403 and the AccessDeniedException XML`, async () => {
      const res = await server.inject({ method, headers: signedHeaders('Echo'), body: '{}' });
      assert.equal(res.status, 403);
      assert.equal(res.body.toString(), ACCESS_DENIED_XML);
    });
  }
});

describe('step 4: empty body', () => {
  it('JSON 1.1, valid target → 400 SerializationException without message', async () => {
    const res = await server.inject({ headers: signedHeaders('Echo') });
    assert.equal(res.status, 400);
    assert.equal(res.headers['content-type'], 'application/x-amz-json-1.1');
    assert.deepEqual(json(res.body), { __type: 'SerializationException' });
  });

  it('JSON 1.1, unknown target → 400 UnknownOperationException', async () => {
    const res = await server.inject({ headers: signedHeaders('Nope') });
    assert.equal(res.status, 400);
    assert.deepEqual(json(res.body), { __type: 'UnknownOperationException' });
  });

  it('any other content type → the error encoded as CBOR', async () => {
    const res = await server.inject({ headers: signedHeaders('Echo', { 'Content-Type': 'text/plain' }) });
    assert.equal(res.status, 400);
    assert.equal(res.headers['content-type'], 'application/x-amz-cbor-1.1');
    assert.deepEqual(
      res.body,
      Buffer.concat([Buffer.from([0xa1]), cborText('__type'), cborText('SerializationException')]),
    );
  });
});

describe('step 5: content type', () => {
  it('unknown type with a target lacking the operation → 403 XML', async () => {
    const res = await server.inject({ headers: signedHeaders('', { 'Content-Type': 'text/plain' }), body: '{}' });
    assert.equal(res.status, 403);
    assert.equal(res.body.toString(), ACCESS_DENIED_XML);
  });

  it('unknown type with a complete target → 404 <UnknownOperationException/>', async () => {
    const res = await server.inject({ headers: signedHeaders('Echo', { 'Content-Type': 'text/plain' }), body: '{}' });
    assert.equal(res.status, 404);
    assert.equal(res.body.toString(), '<UnknownOperationException/>\n');
  });

  it('accepts parameters after the type', async () => {
    const res = await server.inject({
      headers: signedHeaders('Echo', { 'Content-Type': 'application/x-amz-json-1.1; charset=utf-8' }),
      body: '{"Name":"a"}',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/x-amz-json-1.1');
  });
});

describe('steps 6–7: parsing and legacy application/json', () => {
  it('unparseable JSON 1.1 → 400 SerializationException', async () => {
    const res = await server.inject({ headers: signedHeaders('Echo'), body: '{"Name":' });
    assert.equal(res.status, 400);
    assert.deepEqual(json(res.body), { __type: 'SerializationException' });
  });

  it('legacy JSON that does not parse → coral SerializationException envelope', async () => {
    const res = await server.inject({
      headers: signedHeaders('Echo', { 'Content-Type': 'application/json' }),
      body: 'nope',
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(json(res.body), {
      Output: { __type: 'com.amazon.coral.service#SerializationException' },
      Version: '1.0',
    });
  });

  it('legacy JSON that parses is never routed → 404 coral UnknownOperationException envelope', async () => {
    const res = await server.inject({
      headers: signedHeaders('Echo', { 'Content-Type': 'application/json' }),
      body: '{}',
    });
    assert.equal(res.status, 404);
    assert.deepEqual(json(res.body), {
      Output: { __type: 'com.amazon.coral.service#UnknownOperationException' },
      Version: '1.0',
    });
  });

  it('CBOR 1.1 bodies are decoded and answered in CBOR', async () => {
    // {"Name": "a", "Count": 2, "Data": h'010203'}
    const body = Buffer.concat([
      Buffer.from([0xa3]),
      cborText('Name'),
      cborText('a'),
      cborText('Count'),
      Buffer.from([0x02]),
      cborText('Data'),
      Buffer.from([0x43, 1, 2, 3]),
    ]);
    const res = await server.inject({
      headers: signedHeaders('Echo', { 'Content-Type': 'application/x-amz-cbor-1.1' }),
      body,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/x-amz-cbor-1.1');
    assert.equal(res.body.toString('hex'), body.toString('hex'));
  });

  it('unparseable CBOR 1.1 → 400 CBOR SerializationException', async () => {
    const res = await server.inject({
      headers: signedHeaders('Echo', { 'Content-Type': 'application/x-amz-cbor-1.1' }),
      body: Buffer.from([0xa1, 0x64, 0x4e]),
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers['content-type'], 'application/x-amz-cbor-1.1');
    assert.equal(res.headers['x-amzn-errortype'], 'SerializationException');
    assert.deepEqual(
      res.body,
      Buffer.concat([Buffer.from([0xa1]), cborText('__type'), cborText('SerializationException')]),
    );
  });
});

describe('step 8: target', () => {
  for (const target of [
    'Kinesis_20131202.Nope',
    'Kinesis_20131202.ModelOnly',
    'Kinesis_20131202',
    'Other_2020.Echo',
    'Kinesis_20131202.Echo.x',
  ]) {
    it(`${target} → 400 UnknownOperationException`, async () => {
      const res = await server.inject({ headers: signedHeaders('', { 'X-Amz-Target': target }), body: '{}' });
      assert.equal(res.status, 400);
      assert.equal(res.headers['x-amzn-errortype'], 'UnknownOperationException');
      assert.deepEqual(json(res.body), { __type: 'UnknownOperationException' });
    });
  }

  it('routes by target prefix to the matching service', async () => {
    const res = await server.inject({
      headers: signedHeaders('', { 'X-Amz-Target': 'Firehose_20150804.Ping' }),
      body: '{}',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(json(res.body), { pong: true });
  });

  it('checks the target before authentication', async () => {
    const res = await server.inject({
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Kinesis_20131202.Nope' },
      body: '{}',
    });
    assert.equal(res.headers['x-amzn-errortype'], 'UnknownOperationException');
  });
});

describe('step 9: authentication presence and shape', () => {
  const base = { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Kinesis_20131202.Echo' };
  const query =
    'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261125%2Fap-south-1%2Fkinesis%2Faws4_request' +
    '&X-Amz-Signature=abc&X-Amz-SignedHeaders=host&X-Amz-Date=20261125T120000Z';

  async function expectError(
    res: { status: number; headers: Record<string, string>; body: Buffer },
    type: string,
    message: string,
  ) {
    // AWS answers authentication errors of a routable JSON/CBOR request with 400 (as kinesalite, checked against AWS).
    assert.equal(res.status, 400);
    assert.equal(res.headers['x-amzn-errortype'], type);
    assert.deepEqual(json(res.body), { __type: type, message });
  }

  it('no credentials → MissingAuthenticationTokenException', async () => {
    const res = await server.inject({ headers: base, body: '{}' });
    await expectError(res, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  });

  it('header and query credentials → InvalidSignatureException', async () => {
    const res = await server.inject({ path: `/?${query}`, headers: signedHeaders('Echo'), body: '{}' });
    await expectError(
      res,
      'InvalidSignatureException',
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    );
  });

  it('header missing every part → IncompleteSignatureException listing each gap', async () => {
    const res = await server.inject({ headers: { ...base, Authorization: 'AWS4-HMAC-SHA256' }, body: '{}' });
    await expectError(
      res,
      'IncompleteSignatureException',
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a " +
        "'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256",
    );
  });

  it('header with a Date header instead of X-Amz-Date is complete', async () => {
    const headers = signedHeaders('Echo');
    delete headers['X-Amz-Date'];
    const res = await server.inject({ headers: { ...headers, Date: 'Wed, 25 Nov 2026 12:00:00 GMT' }, body: '{}' });
    assert.equal(res.status, 200);
  });

  it('query form missing parameters → IncompleteSignatureException', async () => {
    const res = await server.inject({
      path: '/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=x',
      headers: base,
      body: '{}',
    });
    await expectError(
      res,
      'IncompleteSignatureException',
      "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include " +
        "'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
    );
  });

  it('takes region from the credential scope and a 12-digit key id as the account', async () => {
    const headers = signedHeaders('Whoami', {
      Authorization:
        'AWS4-HMAC-SHA256 Credential=123456789012/20261125/ca-central-1/kinesis/aws4_request, SignedHeaders=host, Signature=ab',
    });
    const res = await server.inject({ headers, body: '{}' });
    const out = json(res.body) as Record<string, string>;
    assert.equal(out['region'], 'ca-central-1');
    assert.equal(out['accountId'], '123456789012');
    assert.equal(out['requestId'], res.headers['x-amzn-requestid']);
  });

  it('falls back to the configured account for other key ids, and reads the query credential', async () => {
    const res = await server.inject({
      path: `/?${query}`,
      headers: { ...base, 'X-Amz-Target': 'Kinesis_20131202.Whoami' },
      body: '{}',
    });
    assert.equal(res.status, 200);
    const out = json(res.body) as Record<string, string>;
    assert.equal(out['region'], 'ap-south-1');
    assert.equal(out['accountId'], '111122223333');
  });
});

describe('authenticate hook', () => {
  it('runs after the shape checks and can reject with a ServiceError', async () => {
    const { ServiceError, CommonErrors } = await import('../../src/protocol/index.js');
    const seen: string[] = [];
    const s = await startServer(
      { port: 0 },
      {
        modules: [fakeService()],
        logger: silentLogger,
        authenticate: ({ auth }) => {
          seen.push(auth.accessKeyId ?? '');
          throw new ServiceError(
            CommonErrors.UnrecognizedClientException,
            'The security token included in the request is invalid.',
          );
        },
      },
    );
    try {
      const res = await s.inject({ headers: signedHeaders('Echo'), body: '{}' });
      assert.equal(res.status, 400);
      assert.equal(res.headers['x-amzn-errortype'], 'UnrecognizedClientException');
      assert.deepEqual(seen, ['AKIDEXAMPLE']);
    } finally {
      await s.close();
    }
  });
});

describe('decode, handler, encode', () => {
  it('decodes, runs the handler and answers 200 in the request encoding', async () => {
    const res = await server.inject({ headers: signedHeaders('Echo'), body: '{"Name":"ab","Count":3,"Data":"aGk="}' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/x-amz-json-1.1');
    assert.deepEqual(json(res.body), { Name: 'ab', Count: 3, Data: 'aGk=' });
  });

  it('answers {} for an operation without output', async () => {
    const res = await server.inject({ headers: signedHeaders('Echo'), body: '{}' });
    assert.deepEqual(json(res.body), {});
  });

  it('passes codec validation errors through (ValidationException)', async () => {
    const res = await server.inject({ headers: signedHeaders('Echo'), body: '{"Name":""}' });
    assert.equal(res.status, 400);
    assert.equal(res.headers['x-amzn-errortype'], 'ValidationException');
  });

  it('passes codec type errors through (SerializationException)', async () => {
    const res = await server.inject({ headers: signedHeaders('Echo'), body: '{"Count":"x"}' });
    assert.equal(res.status, 400);
    assert.equal(res.headers['x-amzn-errortype'], 'SerializationException');
  });

  it('answers a thrown ServiceError with its status, type header and body', async () => {
    const res = await server.inject({ headers: signedHeaders('Reject'), body: '{}' });
    assert.equal(res.status, 400);
    assert.equal(res.headers['x-amzn-errortype'], 'ResourceNotFoundException');
    assert.deepEqual(json(res.body), {
      __type: 'ResourceNotFoundException',
      message: 'Stream s under account 000000000000 not found.',
    });
  });

  it('answers any other exception with 500 InternalFailure without leaking it', async () => {
    const res = await server.inject({ headers: signedHeaders('Fail'), body: '{}' });
    assert.equal(res.status, 500);
    assert.equal(res.headers['x-amzn-errortype'], 'InternalFailure');
    assert.equal((json(res.body) as Record<string, unknown>)['__type'], 'InternalFailure');
    assert.ok(!res.body.toString().includes('boom'));
  });

  it('streams a handler that returns bytes as an event stream', async () => {
    const res = await server.inject({ headers: signedHeaders('Events'), body: '{}' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/vnd.amazon.eventstream');
    assert.equal(res.body.toString(), 'onetwo');
  });
});
