import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { buildPutRecordBodies, buildPutRecordsBodies } from '../../../bench/streams/bodies.js';
import { KinesisHttpClient } from '../../../bench/streams/kinesis-client.js';
import { cpuShare, machineBusySeconds, runReadBack, runWriteLoad } from '../../../bench/streams/scenarios.js';

/**
 * A fake Kinesis endpoint: PutRecords fails every 10th entry, PutRecord every 5th request, and
 * GetRecords pages through `TOTAL` records 4 at a time.
 */
const TOTAL = 10;
const RECORD_SIZE = 8;
let server: http.Server;
let port = 0;
let connections = 0;
let putRecordsRequests = 0;
let putRecordRequests = 0;
const seenHeaders: http.IncomingHttpHeaders[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (seenHeaders.length < 5) seenHeaders.push(req.headers);
      const input = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      const op = String(req.headers['x-amz-target']).split('.')[1];
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (op === 'PutRecords') {
        putRecordsRequests++;
        const records = (input['Records'] as unknown[]).map((_, i) =>
          i % 10 === 0
            ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' }
            : { ShardId: `shardId-00000000000${i % 2}`, SequenceNumber: '1' },
        );
        send(200, { FailedRecordCount: records.filter((r) => 'ErrorCode' in r).length, Records: records });
      } else if (op === 'PutRecord') {
        putRecordRequests++;
        if (putRecordRequests % 5 === 0)
          send(400, { __type: 'ProvisionedThroughputExceededException', message: 'Rate exceeded' });
        else send(200, { ShardId: 'shardId-000000000001', SequenceNumber: '1' });
      } else if (op === 'GetShardIterator') {
        send(200, { ShardIterator: '0' });
      } else if (op === 'GetRecords') {
        const from = Number(input['ShardIterator']);
        const to = Math.min(TOTAL, from + 4);
        const records = [];
        for (let i = from; i < to; i++) {
          records.push({
            SequenceNumber: String(i),
            Data: Buffer.alloc(RECORD_SIZE, i).toString('base64'),
            PartitionKey: 'k',
          });
        }
        send(200, { Records: records, NextShardIterator: String(to), MillisBehindLatest: 0 });
      } else {
        send(400, { __type: 'UnknownOperationException' });
      }
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('bench client and scenarios against a fake endpoint', () => {
  it('accounts every PutRecords entry as acknowledged or failed, per shard and per error code', async () => {
    const client = new KinesisHttpClient(port, { maxSockets: 2 });
    const before = putRecordsRequests;
    const result = await runWriteLoad(client, {
      operation: 'PutRecords',
      bodies: buildPutRecordsBodies('s', { recordSize: 10, batchSize: 20, count: 2 }),
      recordsPerRequest: 20,
      recordSize: 10,
      concurrency: 2,
      seconds: 0.1,
      serverCpuSeconds: () => undefined,
    });
    client.close();
    const sent = (putRecordsRequests - before) * 20;
    const acked = Object.values(result.ackedPerShard).reduce((a, b) => a + b, 0);
    assert.equal(acked + result.failedRecords, sent);
    assert.equal(result.failedRecords, (putRecordsRequests - before) * 2);
    assert.deepEqual(result.errors, { ProvisionedThroughputExceededException: result.failedRecords });
    assert.deepEqual(Object.keys(result.ackedPerShard).sort(), ['shardId-000000000000', 'shardId-000000000001']);
    assert.equal(result.failedRequests, 0);
    assert.equal(result.records, result.requests * 18, 'measured records exclude the warm-up');
    assert.ok(acked > result.records, 'warm-up records count toward the per-shard totals');
    assert.equal(result.latency.count, result.requests);
    assert.equal(result.cpu.serverPercent, undefined);
  });

  it('counts non-200 PutRecord answers as failed requests by error type', async () => {
    const client = new KinesisHttpClient(port, { maxSockets: 1 });
    const before = putRecordRequests;
    const result = await runWriteLoad(client, {
      operation: 'PutRecord',
      bodies: buildPutRecordBodies('s', { recordSize: 10, count: 3 }),
      recordsPerRequest: 1,
      recordSize: 10,
      concurrency: 1,
      seconds: 0.1,
      serverCpuSeconds: () => undefined,
    });
    client.close();
    const total = putRecordRequests - before;
    const failed = Math.floor(putRecordRequests / 5) - Math.floor(before / 5);
    assert.equal(result.failedRequests, failed);
    assert.equal(result.failedRecords, failed);
    // Under heavy load the window may hold only failed requests: no shard then appears at all.
    assert.equal(result.ackedPerShard['shardId-000000000001'] ?? 0, total - failed);
    assert.equal(result.errors['ProvisionedThroughputExceededException'], failed);
  });

  it('sends JSON 1.1 headers with SigV4-shaped credentials over kept-alive sockets', () => {
    const h = seenHeaders[0]!;
    assert.equal(h['content-type'], 'application/x-amz-json-1.1');
    assert.match(String(h['x-amz-target']), /^Kinesis_20131202\.Put/);
    const date = String(h['x-amz-date']);
    assert.match(date, /^\d{8}T\d{6}Z$/);
    assert.equal(
      h['authorization'],
      `AWS4-HMAC-SHA256 Credential=AKIDBENCH/${date.slice(0, 8)}/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`,
    );
    assert.equal(h['connection'], 'keep-alive');
    // Two clients of 2 and 1 sockets made every request above: keep-alive means no more sockets than that.
    assert.ok(connections <= 3, `expected at most 3 connections, saw ${connections}`);
    assert.ok(putRecordsRequests + putRecordRequests > connections);
  });

  it('reads a shard until caught up and verifies the count', async () => {
    const client = new KinesisHttpClient(port, { maxSockets: 1 });
    const ok = await runReadBack(client, 's', {
      shardId: 'shardId-000000000000',
      expected: TOTAL,
      recordSize: RECORD_SIZE,
      serverCpuSeconds: () => undefined,
    });
    assert.equal(ok.records, TOTAL);
    assert.equal(ok.verified, true);
    assert.equal(ok.calls, 4, 'three pages of at most 4 records, then the empty caught-up page');
    const short = await runReadBack(client, 's', {
      shardId: 'shardId-000000000000',
      expected: TOTAL + 1,
      recordSize: RECORD_SIZE,
      serverCpuSeconds: () => undefined,
    });
    assert.equal(short.verified, false);
    assert.match(short.problem ?? '', /read 10 records, 11 were acknowledged/);
    const wrongSize = await runReadBack(client, 's', {
      shardId: 'shardId-000000000000',
      expected: TOTAL,
      recordSize: RECORD_SIZE + 1,
      serverCpuSeconds: () => undefined,
    });
    assert.equal(wrongSize.verified, false);
    assert.match(wrongSize.problem ?? '', /data bytes/);
    client.close();
  });
});

describe("the machine's CPU beside the benchmark's", () => {
  it("counts this process's own CPU in the machine's busy time, and a window's other processes at or above 0", () => {
    const machineBefore = machineBusySeconds();
    assert.ok(machineBefore !== undefined && machineBefore > 0, 'this machine has /proc/stat');
    const ownBefore = process.cpuUsage();
    const started = performance.now();
    let x = 0;
    while (performance.now() - started < 300) x += Math.sqrt(x + 1);
    const own = process.cpuUsage(ownBefore);
    const machineAfter = machineBusySeconds()!;
    // The machine's busy time includes this process's (jiffies are 10 ms, so allow two of rounding).
    assert.ok(machineAfter - machineBefore + 0.02 >= (own.user + own.system) / 1e6, `${x}`);
    const share = cpuShare((performance.now() - started) / 1000, {
      machineBefore,
      clientBefore: ownBefore,
      serverBefore: undefined,
      serverAfter: undefined,
    });
    assert.ok(share.otherPercent !== undefined && share.otherPercent >= 0);
  });
});
