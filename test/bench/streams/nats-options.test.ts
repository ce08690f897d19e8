/**
 * `npm run bench:streams -- --storage nats…` (docs/adr/0037-nats-benchmark-sealing-retention.md): option parsing,
 * the table's columns and NATS CPU rows, and the raw baseline's routing of records to shards. No timing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRawRequests, shardOfKey } from '../../../bench/streams/jetstream-raw.js';
import { parseStreamsBenchArgs } from '../../../bench/streams/options.js';
import { natsColumns, readRows, renderMarkdownTable, writeRows } from '../../../bench/streams/report.js';
import type { ReadResult, WriteResult } from '../../../bench/streams/scenarios.js';
import { serverArgs } from '../../../bench/streams/servers.js';

describe('bench:streams --storage', () => {
  it('defaults to the embedded log against kinesalite', () => {
    const o = parseStreamsBenchArgs([]);
    assert.deepEqual(o.storage, { kind: 'local' });
    assert.deepEqual(o.servers, ['tributary', 'kinesalite']);
  });

  it('`nats` starts a cluster and compares with raw JetStream, R1 then R3', () => {
    const o = parseStreamsBenchArgs(['--storage', 'nats']);
    assert.deepEqual(o.storage, { kind: 'nats', url: undefined, servers: [] });
    assert.deepEqual(o.servers, ['tributary', 'jetstream']);
    assert.deepEqual(o.natsReplicas, [1, 3]);
  });

  it('a nats:// list names an existing cluster, with credentials for the raw client', () => {
    const o = parseStreamsBenchArgs(['--storage', 'nats://u:p%40ss@h1:4222,h2:4222', '--nats-replicas', '3,3']);
    assert.deepEqual(o.storage, {
      kind: 'nats',
      url: 'nats://u:p%40ss@h1:4222,h2:4222',
      servers: ['nats://h1:4222', 'nats://h2:4222'],
      user: 'u',
      pass: 'p@ss',
    });
    assert.deepEqual(o.natsReplicas, [3]);
    assert.deepEqual(parseStreamsBenchArgs(['--storage', 'nats', '--only', 'jetstream']).servers, ['jetstream']);
  });

  it('refuses what does not fit, naming the option', () => {
    assert.throws(() => parseStreamsBenchArgs(['--storage', 'redis://x']), /--storage/);
    assert.throws(() => parseStreamsBenchArgs(['--storage', 'tls://h1:4222']), /TLS/);
    assert.throws(() => parseStreamsBenchArgs(['--nats-replicas', '3']), /--storage nats/);
    assert.throws(() => parseStreamsBenchArgs(['--storage', 'nats', '--nats-replicas', '2']), /--nats-replicas/);
    assert.throws(() => parseStreamsBenchArgs(['--storage', 'nats', '--only', 'kinesalite']), /--only kinesalite/);
    assert.throws(() => parseStreamsBenchArgs(['--only', 'jetstream']), /--only jetstream/);
  });

  it('passes the storage options to the Tributary server after its own', () => {
    const args = serverArgs('tributary', {
      port: 1,
      dataDir: '/d',
      storageArgs: ['--storage', 'nats://h:1', '--nats-replicas', '3'],
    });
    assert.deepEqual(args.slice(-4), ['--storage', 'nats://h:1', '--nats-replicas', '3']);
    assert.ok(args.includes('serve'));
  });
});

function write(records: number, natsPercent: number | undefined): WriteResult {
  return {
    operation: 'PutRecords',
    recordSize: 100,
    recordsPerRequest: 500,
    concurrency: 8,
    seconds: 1,
    requests: records / 500,
    records,
    recordsPerSecond: records,
    requestsPerSecond: records / 500,
    megabytesPerSecond: (records * 100) / 1e6,
    latency: { p50: 1, p99: 2, max: 3, mean: 1, count: 1 },
    failedRecords: 0,
    failedRequests: 0,
    errors: {},
    ackedPerShard: {},
    aborted: false,
    cpu:
      natsPercent === undefined
        ? { clientPercent: 10, serverPercent: 50 }
        : { clientPercent: 10, serverPercent: 50, natsPercent },
    window: { startUs: 0, endUs: 1 },
  };
}

describe('bench:streams NATS table', () => {
  it('titles the columns by replica count and adds the NATS servers CPU row', () => {
    const results = {
      tributary: { writes: { put100: write(6000, 80) }, reads: {} },
      kinesalite: { writes: { put100: write(10_000, 120) }, reads: {} },
    };
    const rows = writeRows('PutRecords', { key: 'put100', results, throughput: 'records' });
    const table = renderMarkdownTable(rows, natsColumns(3)).split('\n');
    assert.deepEqual(
      table[0]!.split('|').map((c) => c.trim()),
      [
        '',
        'Scenario',
        'Metric',
        'Tributary on NATS R3',
        'raw JetStream R3',
        'Tributary on NATS R3 / raw JetStream R3',
        '',
      ],
    );
    const cells = (metric: string) =>
      table
        .find((l) => l.includes(`| ${metric} `))!
        .split('|')
        .map((c) => c.trim());
    assert.deepEqual(cells('records/s').slice(3, 6), ['6,000', '10,000', '0.60×']);
    assert.deepEqual(cells('NATS servers CPU (% of a core)').slice(3, 6), ['80%', '120%', '0.67×']);
  });

  it('has no NATS row on the embedded log', () => {
    const results = { tributary: { writes: { put100: write(1, undefined) }, reads: {} } };
    const rows = writeRows('PutRecords', { key: 'put100', results, throughput: 'records' });
    assert.equal(rows.filter((r) => r.metric.startsWith('NATS')).length, 0);
    const read = {
      records: 1,
      expected: 1,
      verified: true,
      recordsPerSecond: 1,
      megabytesPerSecond: 0,
      cpu: { clientPercent: 1, serverPercent: undefined, natsPercent: 5 },
    } as unknown as ReadResult;
    const readTable = readRows('read', { key: 'r', results: { kinesalite: { writes: {}, reads: { r: read } } } });
    assert.equal(readTable.find((r) => r.metric.startsWith('NATS'))?.kinesalite?.text, '5%');
  });
});

describe('raw JetStream requests', () => {
  it('route every record by the MD5 of its partition key over equal ranges', () => {
    // MD5("a") = 0cc175b9…: top 32 bits 0x0cc175b9 fall in the first quarter; MD5("b") = 92eb5ffe… in the third.
    assert.equal(shardOfKey('a', 4), 0);
    assert.equal(shardOfKey('b', 4), 2);
    const requests = buildRawRequests({ recordSize: 7, batchSize: 50, count: 3, shards: 4, keyPrefix: 'k' });
    assert.equal(requests.length, 3);
    for (const r of requests) {
      assert.equal(r.records, 50);
      assert.equal(r.byShard.length, 4);
      assert.equal(
        r.byShard.reduce((n, s) => n + s.length, 0),
        50,
      );
      assert.ok(r.byShard.every((s) => s.every((p) => p.length === 7)));
    }
    const keyed = buildRawRequests({ recordSize: 1, batchSize: 1, count: 2, shards: 4, keyPrefix: 'k' });
    assert.equal(keyed[1]!.byShard[shardOfKey('k-1-0', 4)]!.length, 1);
  });
});
