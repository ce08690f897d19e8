/**
 * restJsonRoutes (src/protocol/rest-json): routes from a model's HTTP bindings; body, header and query members in;
 * JSON, header and payload members out; type errors, validation mapping and unimplemented operations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defineErrors,
  op,
  restJsonRoutes,
  ServiceError,
  type RequestContext,
  type RestRequest,
  type RestRoute,
  type ServiceModel,
} from '../../src/protocol/index.js';

const Errors = defineErrors({ BadInput: { httpStatus: 400, retriable: false } });

const model: ServiceModel = {
  metadata: { apiVersion: '2026-01-01', protocol: 'rest-json', endpointPrefix: 'things', serviceId: 'Things' },
  operations: {
    Echo: { input: 'EchoInput', output: 'EchoOutput', errors: [], http: { method: 'POST', requestUri: '/echo' } },
    Blob: { input: 'BlobInput', output: 'BlobOutput', errors: [], http: { method: 'POST', requestUri: '/blob' } },
    Later: { input: 'BlobInput', output: 'BlobOutput', errors: [], http: { method: 'POST', requestUri: '/Later' } },
  },
  shapes: {
    EchoInput: {
      type: 'structure',
      required: ['Name'],
      members: {
        Name: { shape: 'Name' },
        When: { shape: 'Time' },
        Token: { shape: 'Name', location: 'header', locationName: 'X-Token' },
        Page: { shape: 'Name', location: 'querystring', locationName: 'page' },
      },
    },
    EchoOutput: {
      type: 'structure',
      members: {
        Name: { shape: 'Name' },
        When: { shape: 'Time' },
        Seen: { shape: 'Name', location: 'header', locationName: 'X-Seen' },
      },
    },
    BlobInput: { type: 'structure', members: {} },
    BlobOutput: {
      type: 'structure',
      payload: 'Payload',
      members: {
        ContentType: { shape: 'Name', location: 'header', locationName: 'Content-Type' },
        Payload: { shape: 'Data' },
      },
    },
    Name: { type: 'string', min: 1, max: 8 },
    Time: { type: 'timestamp' },
    Data: { type: 'blob', streaming: true },
  },
};

interface EchoInput {
  Name: string;
  When?: Date;
  Token?: string;
  Page?: string;
}

const routes = restJsonRoutes({
  service: 'things',
  model,
  operations: {
    Echo: op((input: EchoInput) => ({
      Name: input.Name,
      When: input.When,
      Seen: `${input.Token ?? '-'}/${input.Page ?? '-'}`,
    })),
    Blob: op(() => ({ ContentType: 'video/webm', Payload: new Uint8Array([1, 2, 3]) })),
  },
  validationError: (e) => new ServiceError(Errors.BadInput, e.message),
  unimplemented: (operation) => new ServiceError(Errors.BadInput, `${operation} is not supported.`),
});

const ctx: RequestContext = {
  requestId: 'r',
  region: 'us-east-1',
  accountId: '000000000000',
  receivedAt: 0,
  signal: new AbortController().signal,
};

function route(path: string): RestRoute {
  const found = routes.find((r) => r.path === path);
  assert.ok(found, path);
  return found;
}

function request(path: string, body: string, headers: Record<string, string> = {}, query = ''): RestRequest {
  return { method: 'POST', path, query: new URLSearchParams(query), headers, body: Buffer.from(body) };
}

describe('restJsonRoutes', () => {
  it('makes one route per HTTP binding, with the service name and operation', () => {
    assert.deepEqual(
      routes.map((r) => [r.method, r.path, r.service, r.operation]),
      [
        ['POST', '/echo', 'things', 'Echo'],
        ['POST', '/blob', 'things', 'Blob'],
        ['POST', '/Later', 'things', 'Later'],
      ],
    );
  });

  it('reads body, header and query members and answers JSON plus header members', async () => {
    const out = await route('/echo').handle(
      request('/echo', '{"Name":"abc","When":1764000000.5,"Token":"ignored"}', { 'x-token': 'tok' }, 'page=2'),
      ctx,
    );
    assert.equal(out.status, 200);
    assert.equal(out.headers['content-type'], 'application/json');
    assert.equal(out.headers['x-seen'], 'tok/2');
    assert.deepEqual(JSON.parse(String(out.body)), { Name: 'abc', When: 1764000000.5 });
  });

  it('answers a payload member as the raw body with its header', async () => {
    const out = await route('/blob').handle(request('/blob', ''), ctx);
    assert.equal(out.headers['content-type'], 'video/webm');
    assert.deepEqual([...(out.body as Buffer)], [1, 2, 3]);
  });

  it('refuses a body that is not a JSON object, maps validation errors, and answers unimplemented operations', async () => {
    await assert.rejects(route('/echo').handle(request('/echo', '[1]'), ctx), { code: 'SerializationException' });
    await assert.rejects(route('/echo').handle(request('/echo', '{"Name":5}'), ctx), {
      code: 'SerializationException',
    });
    await assert.rejects(route('/echo').handle(request('/echo', '{"Name":"far too long"}'), ctx), (e: ServiceError) => {
      assert.equal(e.code, 'BadInput');
      assert.match(
        e.message,
        /^1 validation error detected: Value 'far too long' at 'name' failed to satisfy constraint/,
      );
      return true;
    });
    await assert.rejects(route('/Later').handle(request('/Later', '{}'), ctx), {
      code: 'BadInput',
      message: 'Later is not supported.',
    });
  });
});
