/**
 * A PutMedia upload over HTTP/1.1 outlives the server's request deadline (`requestMs`, 5 minutes by default; set
 * small here), which still cuts an ordinary request whose body is slow. Nothing sleeps: the test waits until two slow
 * requests opened after the upload began were cut, so the upload is older than the deadline, then finishes it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand, DescribeStreamCommand } from '@aws-sdk/client-kinesis-video';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { clusterElement, synthMkv } from './fixtures.js';
import { videoClient, waitFor } from './helpers.js';
import { type Ack, openPutMedia } from './media-helpers.js';

function second(timecode: number) {
  return {
    timecode,
    unknownWidth: 8 as const,
    blocks: [
      { track: 1, rel: 0, key: true, size: 500 },
      { track: 2, rel: 0, key: true },
    ],
  };
}

describe('long-lived uploads and the request deadline', () => {
  let dir: string;
  let server: RunningServer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trib-video-long-'));
    server = await startServer(
      { host: '127.0.0.1', port: 0, dataDir: dir, logLevel: 'error', videoCreateMs: 0, audit: 'off' },
      // Node checks its header deadline every headersMs / 2: small values make an unexempted upload fail fast.
      { limits: { headersMs: 200, requestMs: 400 } },
    );
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** An ordinary request that sends its headers and part of its body, then stalls; resolves with what it got. */
  function slowRequest(): Promise<string> {
    return new Promise((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1');
      let data = '';
      socket.on('data', (d) => (data += d.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => resolve(data));
      socket.write(
        'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n' +
          'X-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Length: 100\r\n\r\n{',
      );
    });
  }

  it('keeps a PutMedia upload going past the deadline that cuts slow ordinary requests', async () => {
    const kv = videoClient(server.url);
    try {
      await kv.send(new CreateStreamCommand({ StreamName: 'long', DataRetentionInHours: 1 }));
      await waitFor(async () => {
        const { StreamInfo } = await kv.send(new DescribeStreamCommand({ StreamName: 'long' }));
        return StreamInfo?.Status === 'ACTIVE' ? true : undefined;
      });
    } finally {
      kv.destroy();
    }
    const call = await openPutMedia(server.url, { stream: 'long' });
    assert.equal(call.status, 200);
    const firstAck = new Promise<Ack>((resolve) => call.onAck(resolve));
    call.write(synthMkv({ clusters: [second(0)] }));
    assert.equal((await firstAck).EventType, 'BUFFERING');
    // Two slow requests in a row, each cut at the deadline: the upload is now older than the deadline, twice over.
    for (let i = 0; i < 2; i++) assert.match(await slowRequest(), /^HTTP\/1\.1 408 /);
    call.write(clusterElement(second(1000)));
    call.end();
    const { acks, text } = await call.done;
    const count = (type: string) => acks.filter((a) => a.EventType === type).length;
    assert.deepEqual([count('BUFFERING'), count('RECEIVED'), count('PERSISTED'), count('ERROR')], [2, 2, 2, 0], text);
  });
});
