/** TLS: certificate files and `--tls self-signed`; the SDK over h2 (ALPN) and over HTTP/1.1. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { CreateStreamCommand, KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { TEST_CREDENTIALS, startTlsTestServer, type TlsTestServer } from '../helpers/server.js';

const run = promisify(execFile);

describe('TLS', () => {
  let tlsServer: TlsTestServer;
  let server: RunningServer;
  let certFile: string;

  before(async () => {
    tlsServer = await startTlsTestServer();
    server = tlsServer.server;
    certFile = tlsServer.certFile;
  });
  after(async () => {
    await tlsServer.close();
  });

  it('serves https and offers h2 and http/1.1 via ALPN', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    for (const protocol of ['h2', 'http/1.1']) {
      const negotiated = await new Promise<string | false>((resolve, reject) => {
        const socket = tls.connect(
          { host: '127.0.0.1', port: server.port, ca: server.tls!.cert, ALPNProtocols: [protocol] },
          () => {
            resolve(socket.alpnProtocol ?? false);
            socket.end();
          },
        );
        socket.on('error', reject);
      });
      assert.equal(negotiated, protocol);
    }
  });

  it('the default SDK v3 client works over h2 with the certificate trusted (NODE_EXTRA_CA_CERTS)', async () => {
    const script = `
      import { KinesisClient, CreateStreamCommand, ListStreamsCommand } from '@aws-sdk/client-kinesis';
      const k = new KinesisClient({ endpoint: '${server.url}', region: 'us-east-1', credentials: ${JSON.stringify(TEST_CREDENTIALS)}, maxAttempts: 1 });
      await k.send(new CreateStreamCommand({ StreamName: 'over-h2', ShardCount: 1 }));
      const r = await k.send(new ListStreamsCommand({}));
      console.log(JSON.stringify(r.StreamNames));
      k.destroy();`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile, NODE_NO_WARNINGS: '1' },
    });
    assert.deepEqual(JSON.parse(stdout), ['over-h2']);
  });

  it('the SDK v3 client works over HTTP/1.1 with a custom agent', async () => {
    const kinesis = new KinesisClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: server.tls!.cert }) }),
    });
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'over-h1', ShardCount: 1 }));
      const r = await kinesis.send(new ListStreamsCommand({}));
      assert.ok(r.StreamNames!.includes('over-h1'));
    } finally {
      kinesis.destroy();
    }
  });

  it('an untrusted client is refused at the handshake and the server keeps serving', async () => {
    await assert.rejects(fetch(`${server.url}/`, { method: 'POST' }));
    const ok = await new Promise<number>((resolve, reject) => {
      https
        .request(`${server.url}/`, { method: 'GET', ca: server.tls!.cert }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject)
        .end();
    });
    assert.equal(ok, 403);
  });

  it('--tls self-signed generates a certificate and reports its fingerprint', async () => {
    const d = await mkdtemp(join(tmpdir(), 'tributary-tls-'));
    const s = await startServer({
      host: '127.0.0.1',
      port: 0,
      dataDir: d,
      logLevel: 'silent',
      tls: 'self-signed',
      audit: 'off',
    });
    try {
      assert.equal(s.tls!.selfSigned, true);
      const seen = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect(
          { host: '127.0.0.1', port: s.port, ca: s.tls!.cert, servername: 'localhost' },
          () => {
            resolve(socket.getPeerX509Certificate()!.fingerprint256);
            socket.end();
          },
        );
        socket.on('error', reject);
      });
      assert.equal(seen, s.tls!.fingerprint256);
    } finally {
      await s.close();
      await rm(d, { recursive: true, force: true });
    }
  });
});
