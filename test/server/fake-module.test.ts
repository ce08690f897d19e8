/**
 * A service is one module: a small fake service (test/server/widgets) is mounted by listing it, and the
 * server picks up everything from its declarations — routing, per-operation body caps, IAM action and
 * resource, a REST route that streams its request and response, its worker, and its errors in the catalogue —
 * while the module itself imports nothing but the public door of src/protocol.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/protocol/index.js';
import { renderErrorCatalogue, startServer, type RunningServer } from '../../src/server/index.js';
import { signRaw, type Creds } from '../auth/sign.js';
import { widgetsModule, type WidgetWorkerLog } from './widgets/index.js';

const ACCOUNT = '111111111111';
const USER: Creds = { accessKeyId: 'AKIAWIDGETS00001', secretAccessKey: 'widgets-secret' };

let server: RunningServer;
let dir: string;
const log: WidgetWorkerLog = { starts: 0, stopped: false };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trib-widgets-'));
  const file = join(dir, 'auth.json');
  await writeFile(
    file,
    JSON.stringify({
      principals: [
        {
          name: 'widgeteer',
          accountId: ACCOUNT,
          accessKeys: [USER],
          policies: [
            {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'widgets:GetWidget',
                  Resource: [
                    `arn:aws:widgets:us-east-1:${ACCOUNT}:widget/a`,
                    `arn:aws:widgets:us-east-1:${ACCOUNT}:widget/zzz`,
                  ],
                },
                { Effect: 'Allow', Action: ['widgets:PutBlob', 'widgets:Upload'], Resource: '*' },
              ],
            },
          ],
        },
      ],
    }),
  );
  server = await startServer(
    { port: 0, dataDir: dir, authConfig: file, maxBodyBytes: 8 * 1024 * 1024 },
    { modules: [widgetsModule(log)], logger: silentLogger },
  );
});

after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function call(operation: string, body: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = JSON.stringify(body);
  const host = `127.0.0.1:${server.port}`;
  const { headers } = await signRaw(USER, {
    host,
    service: 'widgets',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Widgets_20260101.${operation}` },
    body: text,
  });
  const res = await fetch(server.url, { method: 'POST', headers, body: text });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** PUTs `chunks` to the streaming route with the given declared payload hash. */
async function upload(chunks: Buffer[], payloadHash: string): Promise<{ status: number; text: string }> {
  const host = `127.0.0.1:${server.port}`;
  const { headers, path } = await signRaw(USER, {
    host,
    method: 'PUT',
    path: '/upload',
    query: { name: 'a' },
    service: 'widgets',
    headers: { 'x-amz-content-sha256': payloadHash },
    body: '',
  });
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method: 'PUT', path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('a fake service module mounted by listing it', () => {
  it('routes its operations and answers its own errors', async () => {
    assert.deepEqual(await call('GetWidget', { Name: 'a' }), { status: 200, body: { Name: 'a' } });
    const missing = await call('GetWidget', { Name: 'zzz' });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { __type: 'WidgetNotFoundException', message: 'Widget zzz not found.' });
  });

  it('authorizes with its declared action and resource', async () => {
    const denied = await call('GetWidget', { Name: 'b' });
    assert.equal(denied.status, 400);
    assert.equal(denied.body['__type'], 'AccessDeniedException');
    assert.match(
      String(denied.body['message']),
      /not authorized to perform: widgets:GetWidget on resource: arn:aws:widgets:us-east-1:111111111111:widget\/b /,
    );
  });

  it('applies the body cap its operations declare', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 7);
    const put = await call('PutBlob', { Name: 'a', Data: big.toString('base64') });
    assert.deepEqual(put, { status: 200, body: { Name: 'a', Bytes: big.length } });
    const tooBig = await call('GetWidget', { Name: 'a', Pad: 'x'.repeat(1536 * 1024) });
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body['__type'], 'RequestEntityTooLargeException');
  });

  it('streams a REST request body to the route and the route streams its answer', async () => {
    const chunks = Array.from({ length: 48 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    assert.ok(total > 1024 * 1024, 'more than the small cap: streamed routes get the whole cap');
    const unsigned = await upload(chunks, 'UNSIGNED-PAYLOAD');
    assert.deepEqual(unsigned, { status: 200, text: `received ${total} bytes in chunks` });
    const hash = createHash('sha256');
    for (const c of chunks) hash.update(c);
    assert.equal((await upload(chunks, hash.digest('hex'))).status, 200);
  });

  it('a streamed body that does not match its declared hash fails with InvalidSignatureException', async () => {
    const res = await upload([Buffer.from('forged')], createHash('sha256').update('genuine').digest('hex'));
    assert.equal(res.status, 400);
    assert.match(res.text, /InvalidSignatureException/);
  });

  it('a streamed body past the cap ends with RequestEntityTooLargeException', async () => {
    const chunks = Array.from({ length: 9 }, () => Buffer.alloc(1024 * 1024, 1));
    const res = await upload(chunks, 'UNSIGNED-PAYLOAD').catch((e: Error) => ({ status: -1, text: e.message }));
    // The server may answer 413 and close before the client finished writing (then the client sees a reset).
    assert.ok(res.status === 413 || res.status === -1, `${res.status} ${res.text}`);
  });

  it('lists its errors in the error catalogue', () => {
    const text = renderErrorCatalogue([widgetsModule()]);
    assert.match(text, /## Widgets\n/);
    assert.match(text, /`WidgetNotFoundException` \| 400 \| no/);
  });

  it('runs its worker once the server listens and stops it on close', async () => {
    for (let i = 0; i < 1000 && log.starts === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(log.starts, 1);
    assert.equal(log.stopped, false);
    await server.close();
    assert.equal(log.stopped, true);
  });

  it('the module imports only the public door of src/protocol', async () => {
    const folder = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'server', 'widgets');
    for (const name of await readdir(folder)) {
      const text = await readFile(join(folder, name), 'utf8');
      const specs = [...text.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
      assert.deepEqual(
        specs.filter((s) => s !== '../../../src/protocol/index.js'),
        [],
        `${name} imports only src/protocol/index.js`,
      );
    }
  });
});
