/** The CloudTrail-style audit log: contents (payloads left out, errors, identity) and size rotation. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  DescribeStreamCommand,
} from '@aws-sdk/client-kinesis';
import { silentLogger } from '../../src/protocol/index.js';
import { createFileAuditSink } from '../../src/server/index.js';
import { startTestServer } from '../helpers/server.js';

async function lines(path: string): Promise<Array<Record<string, any>>> {
  const text = await readFile(path, 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, any>);
}

describe('audit log', () => {
  it('records every call CloudTrail-style, without record payloads', async () => {
    const t = await startTestServer();
    try {
      await t.kinesis.send(new CreateStreamCommand({ StreamName: 'audited', ShardCount: 1 }));
      await t.kinesis.send(
        new PutRecordCommand({ StreamName: 'audited', PartitionKey: 'k', Data: Buffer.from('secret payload') }),
      );
      await t.kinesis.send(
        new PutRecordsCommand({
          StreamName: 'audited',
          Records: [{ PartitionKey: 'a', Data: Buffer.from('secret 2') }],
        }),
      );
      await assert.rejects(t.kinesis.send(new DescribeStreamCommand({ StreamName: 'missing' })));
      await t.server.flushAudit();
      const events = await lines(join(t.dataDir, 'audit', 'audit.log'));
      const text = JSON.stringify(events);
      assert.ok(!text.includes(Buffer.from('secret payload').toString('base64')), 'payload left out');
      assert.deepEqual(
        events.map((e) => e.eventName),
        ['CreateStream', 'PutRecord', 'PutRecords', 'DescribeStream'],
      );
      const put = events[1]!;
      assert.equal(put.eventSource, 'kinesis.amazonaws.com');
      assert.equal(put.awsRegion, 'us-east-1');
      assert.equal(put.sourceIPAddress, '127.0.0.1');
      assert.match(put.userAgent, /aws-sdk-js/);
      assert.deepEqual(put.requestParameters, { StreamName: 'audited', PartitionKey: 'k' });
      assert.deepEqual(events[2]!.requestParameters, { StreamName: 'audited', Records: [{ PartitionKey: 'a' }] });
      assert.equal(put.userIdentity.accessKeyId, 'AKIDTRIBUTARYTEST');
      assert.equal(put.userIdentity.accountId, '000000000000');
      assert.match(put.requestID, /^[0-9a-f-]{36}$/);
      assert.match(put.eventID, /^[0-9a-f-]{36}$/);
      assert.match(put.eventTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.equal(put.readOnly, false);
      assert.equal(events[3]!.errorCode, 'ResourceNotFoundException');
      assert.match(events[3]!.errorMessage, /Stream missing under account 000000000000 not found/);
      assert.equal(events[3]!.readOnly, true);
    } finally {
      await t.close();
    }
  });

  it('--audit off writes nothing', async () => {
    const t = await startTestServer({ audit: 'off' });
    try {
      await t.kinesis.send(new CreateStreamCommand({ StreamName: 'quiet', ShardCount: 1 }));
      await t.server.flushAudit();
      await assert.rejects(readdir(join(t.dataDir, 'audit')), { code: 'ENOENT' });
    } finally {
      await t.close();
    }
  });

  it('rotates by size and keeps N files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-audit-'));
    const path = join(dir, 'audit.log');
    const sink = createFileAuditSink({ path, maxBytes: 4096, keep: 2, logger: silentLogger });
    try {
      for (let i = 0; i < 200; i++) {
        sink.record({
          receivedAt: Date.now(),
          service: 'kinesis',
          operation: 'ListStreams',
          region: 'us-east-1',
          accountId: '000000000000',
          sourceIp: '127.0.0.1',
          userAgent: `test/${i}`,
          identity: { type: 'Unknown' },
          input: {},
          model: undefined,
          requestId: `r-${i}`,
        });
        if (i % 50 === 0) await sink.flush();
      }
      await sink.close();
      const files = (await readdir(dir)).sort();
      assert.deepEqual(files, ['audit.log', 'audit.log.1', 'audit.log.2']);
      for (const f of files) {
        const text = await readFile(join(dir, f), 'utf8');
        assert.ok(Buffer.byteLength(text) <= 4096, `${f} within the cap`);
        for (const line of text.trim().split('\n')) JSON.parse(line);
      }
      // The newest record is in the current file.
      const current = await lines(path);
      assert.equal(current.at(-1)!.requestID, 'r-199');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
