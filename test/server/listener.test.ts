/** One port, two HTTP versions: real sockets, HTTP/1.1 (fetch, raw) and h2c (node:http2, the AWS SDK). */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { silentLogger } from '../../src/protocol/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { fakeService, signedHeaders } from './fake-service.js';

const MAX_BODY = 4 * 1024 * 1024;
let server: RunningServer;

before(async () => {
  server = await startServer({ port: 0, maxBodyBytes: MAX_BODY }, { modules: [fakeService()], logger: silentLogger });
});
after(() => server.close());

interface H2Response {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
}

function h2Request(
  session: http2.ClientHttp2Session,
  headers: Record<string, string>,
  body: Buffer | string,
): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const lower: Record<string, string> = { ':method': 'POST', ':path': '/' };
    for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
    const req = session.request(lower);
    const chunks: Buffer[] = [];
    let status = 0;
    let resHeaders: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => {
      status = Number(h[':status']);
      resHeaders = h;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ status, headers: resHeaders, body: Buffer.concat(chunks) }));
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends raw bytes on a new connection and collects everything until the server closes or `until` matches. */
function rawExchange(port: number, parts: Buffer[], until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => {
      received += d.toString('latin1');
      if (until?.test(received)) socket.destroy();
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.on('connect', async () => {
      for (const part of parts) {
        socket.write(part);
        // Let each part arrive as its own read on the server.
        await new Promise((r) => setTimeout(r, 30));
      }
    });
  });
}

/** A TCP proxy that forwards the client's first chunk in two pieces, `splitAt` bytes then the rest, with a pause between. */
async function splittingProxy(targetPort: number, splitAt: number): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    upstream.pipe(client);
    let first = true;
    client.on('data', (chunk: Buffer) => {
      if (!first) {
        upstream.write(chunk);
        return;
      }
      first = false;
      client.pause();
      upstream.write(chunk.subarray(0, splitAt));
      setTimeout(() => {
        upstream.write(chunk.subarray(splitAt));
        client.resume();
      }, 30);
    });
    for (const s of [client, upstream]) s.on('error', () => {});
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const { port } = proxy.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => r());
      }),
  };
}

describe('HTTP/1.1', () => {
  it('serves fetch (undici) with keep-alive', async () => {
    const res = await fetch(server.url, { method: 'POST', headers: signedHeaders('Echo'), body: '{"Name":"h1"}' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-amz-json-1.1');
    assert.ok(res.headers.get('x-amzn-requestid'));
    assert.deepEqual(await res.json(), { Name: 'h1' });
  });

  it('answers 413 when Content-Length exceeds the cap and closes the connection', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: signedHeaders('Echo'),
      body: Buffer.alloc(MAX_BODY + 1, 0x20),
    });
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('x-amzn-errortype'), 'RequestEntityTooLargeException');
    assert.equal(res.headers.get('connection'), 'close');
    await res.arrayBuffer();
  });

  it('answers 413 for a chunked body that grows past the cap', async () => {
    const head =
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: Kinesis_20131202.Echo\r\n' +
      'Transfer-Encoding: chunked\r\n\r\n';
    const size = MAX_BODY + 1024;
    const chunk = Buffer.concat([
      Buffer.from(`${size.toString(16)}\r\n`),
      Buffer.alloc(size, 0x20),
      Buffer.from('\r\n0\r\n\r\n'),
    ]);
    const received = await rawExchange(server.port, [Buffer.from(head), chunk], /\r\n\r\n/);
    assert.match(received, /^HTTP\/1\.1 413 /);
  });

  it('answers malformed HTTP with 400 and keeps serving', async () => {
    const received = await rawExchange(server.port, [Buffer.from('GARBAGE\r\n\r\n')]);
    assert.match(received, /^HTTP\/1\.1 400 /);
    const res = await fetch(server.url, { method: 'POST', headers: signedHeaders('Echo'), body: '{}' });
    assert.equal(res.status, 200);
  });

  it('survives a client that disconnects mid-body', async () => {
    const head =
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: Kinesis_20131202.Echo\r\nContent-Length: 100\r\n\r\n{"Na';
    await new Promise<void>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write(head, () => setTimeout(() => socket.destroy(), 20));
      });
      socket.on('close', () => resolve());
    });
    const res = await fetch(server.url, { method: 'POST', headers: signedHeaders('Echo'), body: '{}' });
    assert.equal(res.status, 200);
  });

  it('handles a request whose first bytes arrive one at a time', async () => {
    const proxy = await splittingProxy(server.port, 1);
    try {
      const res = await fetch(proxy.url, { method: 'POST', headers: signedHeaders('Echo'), body: '{"Name":"split"}' });
      assert.deepEqual(await res.json(), { Name: 'split' });
    } finally {
      await proxy.close();
    }
  });
});

describe('HTTP/2 (prior knowledge) on the same port', () => {
  it('serves several streams on one session', async () => {
    const session = http2.connect(server.url);
    try {
      const results = await Promise.all(
        ['a', 'b', 'c'].map((name) => h2Request(session, signedHeaders('Echo'), JSON.stringify({ Name: name }))),
      );
      assert.deepEqual(
        results.map((r) => [r.status, r.headers['content-type'], JSON.parse(r.body.toString())]),
        ['a', 'b', 'c'].map((name) => [200, 'application/x-amz-json-1.1', { Name: name }]),
      );
      assert.ok(results[0]!.headers['x-amzn-requestid']);
    } finally {
      session.close();
    }
  });

  it('accepts a preface split across packets', async () => {
    const proxy = await splittingProxy(server.port, 10);
    const session = http2.connect(proxy.url);
    try {
      const res = await h2Request(session, signedHeaders('Echo'), '{"Name":"pre"}');
      assert.deepEqual(JSON.parse(res.body.toString()), { Name: 'pre' });
    } finally {
      session.close();
      await proxy.close();
    }
  });

  it('carries a multi-MiB body (raised flow-control windows)', async () => {
    const data = Buffer.alloc(2 * 1024 * 1024, 7).toString('base64');
    const session = http2.connect(server.url);
    try {
      const res = await h2Request(session, signedHeaders('Echo'), JSON.stringify({ Data: data }));
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.body.toString()).Data, data);
    } finally {
      session.close();
    }
  });

  it('answers 413 for a body past the cap and keeps the session usable', async () => {
    const session = http2.connect(server.url);
    try {
      const res = await h2Request(session, signedHeaders('Echo'), Buffer.alloc(MAX_BODY + 1, 0x20));
      assert.equal(res.status, 413);
      const next = await h2Request(session, signedHeaders('Echo'), '{}');
      assert.equal(next.status, 200);
    } finally {
      session.close();
    }
  });

  it('streams event-stream responses', async () => {
    const session = http2.connect(server.url);
    try {
      const res = await h2Request(session, signedHeaders('Events'), '{}');
      assert.equal(res.headers['content-type'], 'application/vnd.amazon.eventstream');
      assert.equal(res.body.toString(), 'onetwo');
    } finally {
      session.close();
    }
  });

  it('works with the default AWS SDK v3 client (HTTP/2 for every call)', async () => {
    const client = new KinesisClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    try {
      const out = await client.send(new ListStreamsCommand({}));
      assert.deepEqual(out.StreamNames, ['fake']);
      assert.ok(out.$metadata.requestId);
    } finally {
      client.destroy();
    }
  });
});

describe('lifecycle', () => {
  it('close() ends open HTTP/2 sessions and HTTP/1.1 keep-alive connections, then refuses connections', async () => {
    const s = await startServer({ port: 0 }, { modules: [fakeService()], logger: silentLogger });
    const session = http2.connect(s.url);
    session.on('error', () => {});
    const sessionClosed = new Promise<void>((r) => session.on('close', () => r()));
    assert.equal((await h2Request(session, signedHeaders('Echo'), '{}')).status, 200);
    const socket = net.connect(s.port, '127.0.0.1');
    socket.on('error', () => {});
    const socketClosed = new Promise<void>((r) => socket.on('close', () => r()));
    await new Promise<void>((r) => socket.on('connect', () => r()));
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    await new Promise<void>((r) => socket.once('data', () => r()));

    await s.close();
    await sessionClosed;
    await socketClosed;
    await assert.rejects(fetch(s.url, { method: 'POST', body: '{}' }));
  });

  it('rejects a port that is taken, with nothing left open', async () => {
    await assert.rejects(
      startServer({ port: server.port }, { modules: [fakeService()], logger: silentLogger }),
      /EADDRINUSE/,
    );
  });
});
