/**
 * Hostile input: fast-check bodies (malformed JSON, CBOR bytes, truncated bodies, invalid UTF-8,
 * huge numbers, deep nesting), bad signatures, and raw sockets (garbage, oversized headers,
 * truncated requests, slow clients). Each gets an AWS-shaped error or a closed connection, other
 * clients keep being served, and records written before are intact.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListStreamsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { signRaw, type Creds } from '../auth/sign.js';

const ADMIN: Creds = { accessKeyId: 'AKIAFUZZADMIN001', secretAccessKey: 'fuzz-secret' };
const OPERATIONS = [
  'PutRecord',
  'PutRecords',
  'CreateStream',
  'ListStreams',
  'GetRecords',
  'DescribeStream',
  'Nope',
  '',
];
const AUTH_ERRORS = new Set([
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'InvalidSignatureException',
  'UnrecognizedClientException',
  'AccessDeniedException',
]);

describe('fuzz: hostile input against a real server', () => {
  let dir: string;
  let server: RunningServer;
  let kinesis: KinesisClient;
  let host: string;
  let written: Array<{ data: string; seq: string }>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-fuzz-'));
    const file = join(dir, 'credentials.json');
    await writeFile(
      file,
      JSON.stringify({
        principals: [
          {
            name: 'admin',
            accountId: '111111111111',
            accessKeys: [ADMIN],
            policies: [{ Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }],
          },
        ],
      }),
    );
    server = await startServer(
      {
        host: '127.0.0.1',
        port: 0,
        dataDir: dir,
        logLevel: 'silent',
        authConfig: file,
        createStreamMs: 0,
        audit: 'off',
        maxBodyBytes: 2 * 1024 * 1024,
      },
      { limits: { firstBytesMs: 500, headersMs: 600, requestMs: 1500 } },
    );
    host = new URL(server.url).host;
    kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 });
    await kinesis.send(new CreateStreamCommand({ StreamName: 'kept', ShardCount: 1 }));
    const records = Array.from({ length: 20 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`record-${i}`) }));
    const put = await kinesis.send(new PutRecordsCommand({ StreamName: 'kept', Records: records }));
    written = put.Records!.map((r, i) => ({ data: `record-${i}`, seq: r.SequenceNumber! }));
  });

  after(async () => {
    // Everything written before the abuse is still there, unchanged.
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 'kept',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: ShardIterator! }));
    assert.deepEqual(
      got.Records!.map((r) => ({ data: Buffer.from(r.Data!).toString(), seq: r.SequenceNumber! })),
      written,
    );
    kinesis.destroy();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function post(body: Buffer, operation: string, sign = true, headers: Record<string, string> = {}) {
    const base = {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `Kinesis_20131202.${operation}`,
      ...headers,
    };
    const signed = sign ? await signRaw(ADMIN, { host, headers: base, body }) : { headers: base, path: '/' };
    const res = await fetch(`${server.url}${signed.path}`, { method: 'POST', headers: signed.headers, body });
    return {
      status: res.status,
      type: res.headers.get('x-amzn-errortype'),
      text: await res.text(),
      contentType: res.headers.get('content-type') ?? '',
    };
  }

  function assertAwsShaped(
    r: { status: number; type: string | null; text: string; contentType: string },
    what: string,
  ): void {
    assert.ok(r.status < 500, `${what}: server fault ${r.status} ${r.text}`);
    if (r.status === 200) return;
    if (r.contentType.includes('json')) {
      const body = JSON.parse(r.text) as { __type?: string; Output?: { __type?: string } };
      assert.ok(body.__type ?? body.Output?.__type, `${what}: no __type in ${r.text}`);
    } else {
      assert.match(r.text, /^<|^$/, `${what}: ${r.contentType} ${r.text}`);
    }
  }

  const bodies = fc.oneof(
    fc.string().map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    fc.json().map((s) => Buffer.from(s)),
    fc
      .jsonValue()
      .map((v) =>
        Buffer.from(
          JSON.stringify({ StreamName: 'kept', PartitionKey: 'p', Data: v, Records: [v], ShardIterator: v, Limit: v }),
        ),
      ),
    // Truncated valid bodies.
    fc
      .nat({ max: 60 })
      .map((n) =>
        Buffer.from(JSON.stringify({ StreamName: 'kept', PartitionKey: 'p', Data: 'aGVsbG8=' })).subarray(0, n),
      ),
    // Invalid UTF-8 inside strings.
    fc
      .uint8Array({ minLength: 1, maxLength: 8 })
      .map((b) => Buffer.concat([Buffer.from('{"StreamName":"'), Buffer.from([0xc3, 0x28, ...b]), Buffer.from('"}')])),
    // Huge and odd numbers.
    fc
      .constantFrom('1e999999', '-0', '123456789012345678901234567890', '1.7976931348623157e309', 'NaN')
      .map((n) => Buffer.from(`{"ShardCount":${n},"StreamName":"x","Limit":${n}}`)),
    // CBOR bytes sent as JSON.
    fc.constant(
      Buffer.from([
        0xa1, 0x6a, 0x53, 0x74, 0x72, 0x65, 0x61, 0x6d, 0x4e, 0x61, 0x6d, 0x65, 0x64, 0x6b, 0x65, 0x70, 0x74,
      ]),
    ),
  );

  it('fast-check bodies get AWS-shaped answers', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, fc.constantFrom(...OPERATIONS), async (body, operation) => {
        // Record writes go to DescribeStream instead: a well-formed write is legitimate, and the
        // read-back at the end must see exactly the records written before.
        const r = await post(
          body,
          operation === 'PutRecord' || operation === 'PutRecords' ? 'DescribeStream' : operation,
        );
        assertAwsShaped(r, `${operation} ${body.toString('hex').slice(0, 80)}`);
      }),
      { numRuns: 150 },
    );
  });

  it('deep nesting is refused quickly as SerializationException', async () => {
    const deep = Buffer.from(`{"StreamName":${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
    const r = await post(deep, 'ListStreams');
    assert.equal(r.status, 400);
    assert.equal(r.type, 'SerializationException');
  });

  it('per-operation body limit: a 1.5 MiB control-plane body gets 413, PutRecords may use the full cap', async () => {
    const big = Buffer.from(JSON.stringify({ StreamName: 'x', Tags: { a: 'b'.repeat(1536 * 1024) } }));
    const r = await post(big, 'AddTagsToStream', false);
    assert.equal(r.status, 413);
    assert.equal(r.type, 'RequestEntityTooLargeException');
    assert.match(r.text, /1048576 bytes/);
    const data = Buffer.alloc(1024 * 1024, 7).toString('base64');
    const ok = await post(
      Buffer.from(JSON.stringify({ StreamName: 'missing', Records: [{ PartitionKey: 'p', Data: data }] })),
      'PutRecords',
    );
    assert.equal(ok.type, 'ResourceNotFoundException');
  });

  it('bad signatures: mutated Authorization headers get auth errors', async () => {
    const body = Buffer.from('{}');
    const good = await signRaw(ADMIN, {
      host,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.ListStreams' },
      body,
    });
    const auth = good.headers['authorization']!;
    await fc.assert(
      // Letters and digits only: swapping separators (', ' for ',') can yield an equivalent header.
      fc.asyncProperty(fc.nat({ max: auth.length - 1 }), fc.constantFrom(...'aZ09xQ'), async (at, insert) => {
        fc.pre(/[a-zA-Z0-9]/.test(auth[at]!) && auth[at] !== insert);
        const mutated = auth.slice(0, at) + insert + auth.slice(at + 1);
        const res = await fetch(`${server.url}/`, {
          method: 'POST',
          headers: { ...good.headers, authorization: mutated },
          body,
        }).catch(() => undefined);
        if (res === undefined) return; // fetch refuses some header bytes itself
        const type = res.headers.get('x-amzn-errortype');
        await res.text();
        assert.ok(type !== null && AUTH_ERRORS.has(type), `${mutated} → ${res.status} ${type}`);
      }),
      { numRuns: 80 },
    );
  });

  function rawExchange(
    payload: Buffer | string,
    options: { end?: boolean } = {},
  ): Promise<{ data: string; closed: boolean }> {
    return new Promise((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1');
      let data = '';
      socket.on('data', (d) => (data += d.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => resolve({ data, closed: true }));
      socket.write(payload);
      if (options.end) socket.end();
    });
  }

  it('raw sockets: garbage, oversized headers and truncated bodies are answered or closed', async () => {
    const garbage = await rawExchange(Buffer.from('\x00\x01\x02GARBAGE\r\n\r\n'));
    assert.match(garbage.data, /^HTTP\/1\.1 400|^$/);
    const hugeHeader = await rawExchange(`POST / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(hugeHeader.data, /^HTTP\/1\.1 431|^HTTP\/1\.1 400|^$/);
    // Content-Length promises more than is sent, then the client half-closes.
    const truncated = await rawExchange(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 100\r\n\r\n{"Stre',
      { end: true },
    );
    assert.ok(truncated.closed);
    // A bad HTTP/2 preface continuation.
    const badH2 = await rawExchange(
      Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.alloc(64, 0xff)]),
    );
    assert.ok(badH2.closed);
  });

  it('slow clients are cut off while others are served', async () => {
    const silent = rawExchange(Buffer.alloc(0));
    const slowHeaders = new Promise<boolean>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      // Read (and discard) the server's answer: a paused socket would never see the close.
      socket.resume();
      socket.write('POST / HTTP/1.1\r\nHost: x\r\n');
      const timer = setInterval(() => socket.writable && socket.write('X-A: b\r\n'), 100);
      socket.on('close', () => {
        clearInterval(timer);
        resolve(true);
      });
    });
    const slowBody = rawExchange(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 1000\r\n\r\n{',
    );
    // Meanwhile a normal client is served.
    const listed = await kinesis.send(new ListStreamsCommand({}));
    assert.deepEqual(listed.StreamNames, ['kept']);
    assert.ok((await silent).closed);
    assert.ok(await slowHeaders);
    const body = await slowBody;
    assert.ok(body.closed);
    assert.match(body.data, /^HTTP\/1\.1 408|^$/);
  });
});
