/** Kinesis Video calls in the CloudTrail-style audit log: event source, request parameters and errors. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { CreateStreamCommand, DescribeStreamCommand } from '@aws-sdk/client-kinesis-video';
import { startTestServer } from '../helpers/server.js';
import { videoClient } from './helpers.js';

it('records REST-JSON calls with their request parameters and error', async () => {
  const t = await startTestServer();
  const kv = videoClient(t.server.url);
  try {
    await kv.send(new CreateStreamCommand({ StreamName: 'audited', MediaType: 'video/h264', Tags: { a: 'b' } }));
    await assert.rejects(kv.send(new DescribeStreamCommand({ StreamName: 'missing' })));
    await t.server.flushAudit();
    const events = (await readFile(join(t.dataDir, 'audit', 'audit.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>);
    assert.deepEqual(
      events.map((e) => [e.eventSource, e.eventName]),
      [
        ['kinesisvideo.amazonaws.com', 'CreateStream'],
        ['kinesisvideo.amazonaws.com', 'DescribeStream'],
      ],
    );
    assert.deepEqual(events[0]!.requestParameters, {
      StreamName: 'audited',
      MediaType: 'video/h264',
      Tags: { a: 'b' },
    });
    assert.deepEqual(events[1]!.requestParameters, { StreamName: 'missing' });
    assert.equal(events[1]!.errorCode, 'ResourceNotFoundException');
    assert.equal(events[1]!.errorMessage, 'The requested stream is not found or not active.');
  } finally {
    kv.destroy();
    await t.close();
  }
});
