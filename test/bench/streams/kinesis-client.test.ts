import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KinesisHttpClient } from '../../../bench/streams/kinesis-client.js';

/**
 * The benchmark's own HTTP/1.1 client against a raw TCP server that answers each request with bytes chosen by
 * the request's operation, written in pieces: every response framing the client must read (Content-Length,
 * chunked with extensions and trailers, until the connection closes, interim 100 Continue) and the failures it
 * must report as transport errors.
 */
const ANSWERS: Record<string, string[]> = {
  Length: [
    'HTTP/1.1 200 OK\r\nContent-Le',
    'ngth: 13\r\nContent-Type: application/x-amz-json-1.1\r\n\r\n{"a"',
    ':"bcdef"}',
  ],
  Chunked: [
    'HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\n{"__t\r',
    '\nb\r\nype":"Bad"}\r\n',
    '0\r\nX-Trailer: 1\r\n\r\n',
  ],
  ChunkedBare: ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n'],
  Continue: ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n', '{}'],
  Close: ['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}'],
  UntilClose: ['HTTP/1.1 200 OK\r\n\r\n{"x":', '1}', 'END'],
  Garbage: ['SMTP ready\r\n\r\n'],
  Hangup: ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{"x"', 'END'],
};

let server: net.Server;
let port = 0;
let connections = 0;
const requests: string[] = [];

before(async () => {
  server = net.createServer((socket) => {
    connections++;
    let pending = '';
    // Requests are answered one after another, each answer's pieces written with pauses between them.
    let answering = Promise.resolve();
    const answer = async (op: string): Promise<void> => {
      for (const piece of ANSWERS[op] ?? ['HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n']) {
        if (piece === 'END') socket.end();
        else socket.write(piece);
        await sleep(5);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = pending.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        requests.push(pending.slice(0, end + 4 + length));
        pending = pending.slice(end + 4 + length);
        const op = /x-amz-target: Kinesis_20131202\.(\w+)/i.exec(head)?.[1] ?? '';
        answering = answering.then(() => answer(op));
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('bench HTTP/1.1 client', () => {
  it('reads Content-Length, chunked, interim and close-delimited answers split across packets', async () => {
    const client = new KinesisHttpClient(port, { maxSockets: 1 });
    const length = await client.send('Length', Buffer.from('{"in":1}'));
    assert.equal(length.status, 200);
    assert.equal(length.body.toString(), '{"a":"bcdef"}');
    const chunked = await client.send('Chunked', Buffer.from('{}'));
    assert.equal(chunked.status, 400);
    assert.equal(chunked.body.toString(), '{"__type":"Bad"}');
    assert.equal((await client.send('ChunkedBare', Buffer.from('{}'))).body.toString(), '{}');
    const interim = await client.send('Continue', Buffer.from('{}'));
    assert.equal(interim.status, 200);
    assert.equal(interim.body.toString(), '{}');
    assert.equal(connections, 1, 'one kept-alive connection served every answer so far');
    assert.equal((await client.send('Close', Buffer.from('{}'))).body.toString(), '{}');
    const untilClose = await client.send('UntilClose', Buffer.from('{}'));
    assert.equal(untilClose.body.toString(), '{"x":1}');
    assert.equal((await client.send('Length', Buffer.from('{}'))).status, 200);
    assert.equal(connections, 3, 'a new connection after each one the server closed');
    client.close();
  });

  it('sends the operation, SigV4-shaped credentials and the exact body', async () => {
    const client = new KinesisHttpClient(port, { maxSockets: 1 });
    const body = Buffer.from('{"StreamName":"s","Data":"AAEC"}');
    requests.length = 0;
    await client.send('Length', body);
    client.close();
    const [request] = requests;
    assert.ok(request);
    const [head, sent] = request.split('\r\n\r\n');
    assert.match(head!, /^POST \/ HTTP\/1\.1\r\n/);
    assert.match(head!, /\r\nx-amz-target: Kinesis_20131202\.Length\r\n/);
    assert.match(head!, /\r\ncontent-type: application\/x-amz-json-1\.1\r\n/);
    assert.match(
      head!,
      /\r\nauthorization: AWS4-HMAC-SHA256 Credential=AKIDBENCH\/\d{8}\/us-east-1\/kinesis\/aws4_request, /,
    );
    assert.match(head!, new RegExp(`\\r\\ncontent-length: ${body.length}(\\r\\n|$)`));
    assert.equal(sent, body.toString());
  });

  it('reports malformed answers, hang-ups and refused connections as transport errors and recovers', async () => {
    const client = new KinesisHttpClient(port, { maxSockets: 1 });
    await assert.rejects(client.send('Garbage', Buffer.from('{}')), { code: 'EPROTO' });
    await assert.rejects(client.send('Hangup', Buffer.from('{}')), { code: 'ECONNRESET' });
    assert.equal(
      (await client.send('Length', Buffer.from('{}'))).status,
      200,
      'a new connection replaces the failed one',
    );
    client.close();
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = new KinesisHttpClient(deadPort, { maxSockets: 1 });
    await assert.rejects(refused.send('Length', Buffer.from('{}')), { code: 'ECONNREFUSED' });
    refused.close();
  });

  it('shares at most maxSockets connections among more callers', async () => {
    const before = connections;
    const client = new KinesisHttpClient(port, { maxSockets: 2 });
    const answers = await Promise.all(Array.from({ length: 7 }, () => client.send('Length', Buffer.from('{}'))));
    client.close();
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(7).fill(200),
    );
    assert.equal(connections - before, 2);
  });
});
