/**
 * The log and the audit log never stop, block or crash the server (docs/adr/0016): writes that fail are counted in
 * `stats()` and the server keeps answering. `/dev/full` fails every write with ENOSPC, like a full disk.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CreateStreamCommand, ListStreamsCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { silentLogger } from '../../src/protocol/index.js';
import {
  createFileAuditSink,
  createLogger,
  LogDestination,
  SinkCounters,
  startServer,
  type AuditInput,
} from '../../src/server/index.js';
import { kinesisClient } from '../helpers/server.js';
import { fakeService, signedHeaders } from './fake-service.js';

const canUseDevFull = process.platform === 'linux';

function auditInput(n: number): AuditInput {
  return {
    receivedAt: Date.UTC(2026, 0, 1),
    service: 'kinesis',
    operation: 'ListStreams',
    region: 'us-east-1',
    accountId: '000000000000',
    sourceIp: '127.0.0.1',
    userAgent: 'test',
    identity: { type: 'Unknown' },
    input: {},
    model: undefined,
    requestId: `r${n}`,
  };
}

describe('side channels never stop the server', { skip: canUseDevFull ? false : 'needs /dev/full' }, () => {
  it('keeps serving while every audit write fails with ENOSPC, and counts the lost records', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-side-'));
    await mkdir(join(dataDir, 'audit'));
    await symlink('/dev/full', join(dataDir, 'audit', 'audit.log'));
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
    const server = await startServer(
      { port: 0, dataDir, createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 },
      { logger },
    );
    const kinesis = kinesisClient(server.url);
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: 's', ShardCount: 1 }));
      for (let i = 0; i < 5; i++) {
        const put = await kinesis.send(
          new PutRecordCommand({ StreamName: 's', PartitionKey: `k${i}`, Data: Buffer.from('x') }),
        );
        assert.ok(put.SequenceNumber);
      }
      await server.flushAudit();
      const listed = await kinesis.send(new ListStreamsCommand({}));
      assert.deepEqual(listed.StreamNames, ['s']);
      await server.flushAudit();

      const audit = server.stats().audit;
      assert.ok(audit);
      assert.ok(audit.failures >= 1, `failures ${audit.failures}`);
      assert.ok(audit.dropped >= 6, `dropped ${audit.dropped}`);
      assert.equal(audit.written, 0);
      assert.equal(audit.lastError, 'ENOSPC');
      // The outage is logged once, not once per record.
      const failures = lines.filter((l) => l.includes('audit log write failed'));
      assert.equal(failures.length, 1);
    } finally {
      kinesis.destroy();
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps serving while the log destination throws or emits errors, and counts them', async () => {
    let calls = 0;
    const throwing = createLogger({
      level: 'debug',
      destination: {
        write: () => {
          calls++;
          throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        },
      },
    });
    const server = await startServer({ port: 0, durability: 'none' }, { modules: [fakeService()], logger: throwing });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await server.inject({ headers: signedHeaders('Echo'), body: '{"Name":"a"}' });
        assert.equal(res.status, 200);
      }
      const log = server.stats().log;
      assert.ok(log);
      assert.ok(calls >= 3);
      assert.equal(log.failures, calls);
      assert.equal(log.written, 0);
      assert.equal(log.lastError, 'ENOSPC');
    } finally {
      await server.close();
    }

    // A stream destination that fails its writes: 'error' events are counted, not thrown.
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('EIO'), { code: 'EIO' }));
      },
    });
    const streamed = createLogger({ level: 'debug', destination: failing });
    const second = await startServer({ port: 0, durability: 'none' }, { modules: [fakeService()], logger: streamed });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await second.inject({ headers: signedHeaders('Echo'), body: '{}' });
        assert.equal(res.status, 200);
      }
      await new Promise((resolve) => setImmediate(resolve));
      const log = second.stats().log;
      assert.ok(log);
      assert.ok(log.failures >= 1, `failures ${log.failures}`);
    } finally {
      await second.close();
    }
  });

  it('a log file descriptor that fails every write drops and counts the lines, and flush still ends', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const counters = new SinkCounters();
      const destination = new LogDestination(fd, counters);
      for (let i = 0; i < 10; i++) destination.write(`{"line":${i}}\n`);
      await destination.flush();
      assert.equal(counters.written, 0);
      assert.equal(counters.dropped, 10);
      assert.ok(counters.failures >= 1);
      assert.equal(counters.lastError, 'ENOSPC');
      destination.write('{"after":true}\n');
      destination.flushSync();
      assert.equal(counters.dropped, 11);
    } finally {
      closeSync(fd);
    }
  });

  it('log lines still queued when the process exits are written on the way out', () => {
    const server = fileURLToPath(new URL('../../src/server/index.js', import.meta.url));
    const script =
      `const { LogDestination, SinkCounters } = await import(${JSON.stringify(server)});` +
      `const d = new LogDestination(1, new SinkCounters()); d.write('last words\\n'); process.exit(0);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(out, 'last words\n');
  });

  it('a log destination that is slow to drain drops lines beyond its bound instead of growing', async () => {
    const fd = openSync('/dev/null', 'w');
    try {
      const counters = new SinkCounters();
      const destination = new LogDestination(fd, counters, 100);
      for (let i = 0; i < 20; i++) destination.write('0123456789\n');
      await destination.flush();
      assert.equal(counters.written + counters.dropped, 20);
      assert.ok(counters.dropped >= 10, `dropped ${counters.dropped}`);
      assert.ok(counters.written >= 1);
    } finally {
      closeSync(fd);
    }
  });

  it('the audit file recovers after a failure: later records are written and counted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-audit-recover-'));
    const path = join(dir, 'audit.log');
    await symlink('/dev/full', path);
    const sink = createFileAuditSink({ path, logger: silentLogger });
    try {
      sink.record(auditInput(1));
      sink.record(auditInput(2));
      await sink.flush();
      assert.deepEqual(
        { ...sink.counters!.snapshot(), lastError: sink.counters!.lastError },
        { written: 0, failures: 1, dropped: 2, lastError: 'ENOSPC' },
      );
      // The disk has room again (the link now goes to a regular file): the next attempt reopens the file.
      await rm(path);
      sink.record(auditInput(3));
      await sink.flush();
      assert.equal(sink.counters!.written, 1);
      assert.equal(sink.counters!.failures, 1);
    } finally {
      await sink.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
