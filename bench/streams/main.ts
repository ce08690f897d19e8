/**
 * The Data Streams benchmark: the same load against Tributary (durable acks) and kinesalite, each
 * a child process on a free loopback port with a fresh temp dir; one Markdown table on stdout,
 * progress on stderr, full results as JSON in the OS temp dir.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPutRecordBodies, buildPutRecordsBodies } from './bodies.js';
import { topSelfTime, readCpuProfile, type SelfTimeReport } from './cpu-profile.js';
import { KinesisHttpClient } from './kinesis-client.js';
import { parseStreamsBenchArgs, PUTRECORD_FANIN, USAGE, type StreamsBenchOptions } from './options.js';
import {
  formatMachine,
  formatNumber,
  machineInfo,
  readRows,
  renderMarkdownTable,
  writeRows,
  type Row,
  type ServerResults,
} from './report.js';
import { createActiveStream, runReadBack, runWriteLoad, type ReadResult, type WriteResult } from './scenarios.js';
import { randomBytes } from 'node:crypto';
import { destroyNatsData } from '../../src/storage/nats/index.js';
import { startNatsCluster, type NatsCluster } from '../../test/storage/nats-harness.js';
import { buildRawRequests, RawJetStream, runRawWriteLoad } from './jetstream-raw.js';
import { KINESALITE_COLUMNS, natsColumns, type ColumnTitles } from './report.js';
import {
  type ProcessKind,
  procCpuSeconds,
  REPO_ROOT,
  startServer,
  type ServerExit,
  type ServerHandle,
  type ServerKind,
} from './servers.js';

/** Records per PutRecords request: the AWS maximum (PutRecords `Records` has 1–500 members). */
const BATCH = 500;
/** The write groups: stream name and record size per PutRecords scenario. */
const PUT_GROUPS = {
  put100: { stream: 'bench-put100', recordSize: 100, label: 'PutRecords 500 × 100 B' },
  put1k: { stream: 'bench-put1k', recordSize: 1024, label: 'PutRecords 500 × 1 KiB' },
} as const;

/** How one side reaches its storage, and how the NATS servers' CPU is read (with `--storage nats`). */
interface SideSetup {
  /** Tributary's storage options (`--storage nats://… --nats-replicas 3 --nats-prefix …`); none: embedded log. */
  readonly storageArgs?: readonly string[];
  readonly natsCpuSeconds?: () => number | undefined;
}

/**
 * Start options for a side's storage. On NATS the server creates its key-value buckets (new Raft groups) before it
 * listens, which took more than the default 30 s on a saturated machine (load average 18): allow 2 minutes.
 */
function storageStart(side: SideSetup): { storageArgs?: readonly string[]; readyTimeoutMs?: number } {
  return side.storageArgs ? { storageArgs: side.storageArgs, readyTimeoutMs: 120_000 } : {};
}

/** Everything measured on one server. */
export interface ServerRun extends ServerResults {
  readonly kind: ServerKind;
  command: string | undefined;
  exit: ServerExit | undefined;
  /** Set when the server could not be started or a scenario threw. */
  error: string | undefined;
}

/** The profiled Tributary run (`--profile`). */
export interface ProfileRun {
  readonly put100: WriteResult;
  readonly cpuProfile: string | undefined;
  readonly report: SelfTimeReport | undefined;
  readonly exit: ServerExit;
  readonly note: string | undefined;
}

/**
 * Other processes' CPU (% of one core) above which the report says the machine was busy: on this project's 2-core
 * machine runs with others at or below ~12 % of a core met every target, runs at 30–60 % missed (README, "Answers
 * written straight into bytes").
 */
const OTHER_LOAD_WARNING_PERCENT = 20;

/** The scenario during which other processes used the most CPU, over every server's writes and reads. */
function busiestOtherLoad(runs: readonly ServerRun[]): { kind: string; scenario: string; percent: number } | undefined {
  let busiest: { kind: string; scenario: string; percent: number } | undefined;
  for (const run of runs) {
    for (const [scenario, r] of [...Object.entries(run.writes), ...Object.entries(run.reads)]) {
      const percent = r?.cpu.otherPercent;
      if (percent !== undefined && (busiest === undefined || percent > busiest.percent)) {
        busiest = { kind: run.kind, scenario, percent };
      }
    }
  }
  return busiest;
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function describeWrite(w: WriteResult): string {
  return (
    `${formatNumber(w.recordsPerSecond)} rec/s, ${formatNumber(w.requestsPerSecond)} req/s, ` +
    `p50 ${w.latency.p50.toFixed(2)} ms, p99 ${w.latency.p99.toFixed(2)} ms, failed ${w.failedRecords}/${w.failedRequests}` +
    (Object.keys(w.errors).length > 0 ? ` ${JSON.stringify(w.errors)}` : '')
  );
}

async function runPutRecords(
  server: ServerHandle,
  client: KinesisHttpClient,
  group: (typeof PUT_GROUPS)[keyof typeof PUT_GROUPS],
  options: StreamsBenchOptions,
  side: SideSetup,
): Promise<WriteResult> {
  const bodies = buildPutRecordsBodies(group.stream, {
    recordSize: group.recordSize,
    batchSize: BATCH,
    count: Math.max(16, 2 * options.concurrency),
    keyPrefix: group.stream,
  });
  return runWriteLoad(client, {
    operation: 'PutRecords',
    bodies,
    recordsPerRequest: BATCH,
    recordSize: group.recordSize,
    concurrency: options.concurrency,
    seconds: options.seconds,
    serverCpuSeconds: () => server.cpuSeconds(),
    ...(side.natsCpuSeconds ? { natsCpuSeconds: side.natsCpuSeconds } : {}),
  });
}

async function runOneServer(kind: ProcessKind, options: StreamsBenchOptions, side: SideSetup = {}): Promise<ServerRun> {
  const run: ServerRun = { kind, command: undefined, exit: undefined, error: undefined, writes: {}, reads: {} };
  const writes = run.writes as Record<string, WriteResult>;
  const reads = run.reads as Record<string, ReadResult>;
  const natsCpu = side.natsCpuSeconds ? { natsCpuSeconds: side.natsCpuSeconds } : {};
  let server: ServerHandle;
  try {
    server = await startServer(kind, {
      kinesaliteOnDisk: options.kinesaliteOnDisk,
      ...storageStart(side),
    });
  } catch (err) {
    run.error = `could not start: ${(err as Error).message}`;
    log(`${kind}: ${run.error}`);
    return run;
  }
  run.command = server.command;
  log(`${kind}: started (pid ${server.pid}, port ${server.port}): ${server.command}`);
  const client = new KinesisHttpClient(server.port, { maxSockets: options.concurrency });
  try {
    const wanted = options.scenarios;
    for (const key of ['put100', 'put1k'] as const) {
      if (wanted.includes(key)) await createActiveStream(client, PUT_GROUPS[key].stream, options.shards);
    }
    if (wanted.includes('putrecord')) await createActiveStream(client, 'bench-putrecord', options.shards);

    for (const key of ['put100', 'put1k'] as const) {
      if (!wanted.includes(key)) continue;
      writes[key] = await runPutRecords(server, client, PUT_GROUPS[key], options, side);
      log(`${kind}: ${key}: ${describeWrite(writes[key])}`);
    }
    if (wanted.includes('putrecord')) {
      const bodies = buildPutRecordBodies('bench-putrecord', {
        recordSize: 100,
        count: 1024,
        keyPrefix: 'bench-putrecord',
      });
      // One scenario, two concurrency levels sharing its time budget.
      for (const concurrency of [...new Set([1, options.concurrency])]) {
        const key = `putrecord-c${concurrency}`;
        writes[key] = await runWriteLoad(client, {
          operation: 'PutRecord',
          bodies,
          recordsPerRequest: 1,
          recordSize: 100,
          concurrency,
          seconds: options.seconds / 2,
          serverCpuSeconds: () => server.cpuSeconds(),
          ...natsCpu,
        });
        log(`${kind}: ${key}: ${describeWrite(writes[key])}`);
      }
    }
    if (wanted.includes('putrecord64')) {
      // Many connections, one record each: acknowledgements wait for fsync, so throughput comes from sharing it.
      await createActiveStream(client, 'bench-putrecord64', options.shards);
      const bodies = buildPutRecordBodies('bench-putrecord64', {
        recordSize: 100,
        count: 1024,
        keyPrefix: 'bench-putrecord64',
      });
      const wide = new KinesisHttpClient(server.port, { maxSockets: PUTRECORD_FANIN });
      try {
        writes.putrecord64 = await runWriteLoad(wide, {
          operation: 'PutRecord',
          bodies,
          recordsPerRequest: 1,
          recordSize: 100,
          concurrency: PUTRECORD_FANIN,
          seconds: options.seconds,
          serverCpuSeconds: () => server.cpuSeconds(),
          ...natsCpu,
        });
      } finally {
        wide.close();
      }
      log(`${kind}: putrecord64: ${describeWrite(writes.putrecord64)}`);
    }
    if (wanted.includes('read')) {
      for (const key of ['put100', 'put1k'] as const) {
        const written = writes[key];
        if (written === undefined) continue;
        const shardId = Object.keys(written.ackedPerShard).sort()[0];
        if (shardId === undefined) continue;
        reads[key] = await runReadBack(client, PUT_GROUPS[key].stream, {
          shardId,
          expected: written.ackedPerShard[shardId]!,
          recordSize: PUT_GROUPS[key].recordSize,
          serverCpuSeconds: () => server.cpuSeconds(),
          ...natsCpu,
        });
        const r = reads[key];
        log(
          `${kind}: read ${key} ${shardId}: ${formatNumber(r.records)}/${formatNumber(r.expected)} records in ` +
            `${r.calls} calls, ${formatNumber(r.recordsPerSecond)} rec/s${r.problem === undefined ? '' : ` PROBLEM: ${r.problem}`}`,
        );
      }
    }
  } catch (err) {
    run.error = `${(err as Error).message}\n${server.outputTail()}`;
    log(`${kind}: scenario failed: ${run.error}`);
  } finally {
    client.close();
    run.exit = await server.stop();
    log(
      `${kind}: stopped (${run.exit.graceful ? 'graceful' : 'NOT graceful'}; code ${run.exit.code}, signal ${run.exit.signal})`,
    );
  }
  return run;
}

async function runProfile(options: StreamsBenchOptions, resultsDir: string, side: SideSetup = {}): Promise<ProfileRun> {
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-cpuprof-'));
  try {
    const server = await startServer('tributary', {
      cpuProfileDir: profileDir,
      ...storageStart(side),
    });
    log(`profile: tributary started under --cpu-prof (pid ${server.pid})`);
    const client = new KinesisHttpClient(server.port, { maxSockets: options.concurrency });
    let put100: WriteResult;
    try {
      await createActiveStream(client, PUT_GROUPS.put100.stream, options.shards);
      put100 = await runPutRecords(server, client, PUT_GROUPS.put100, options, side);
      log(`profile: put100: ${describeWrite(put100)}`);
    } catch (err) {
      await server.stop();
      throw err;
    } finally {
      client.close();
    }
    // V8 writes the profile when the process exits normally, which a SIGINT handler must allow.
    const exit = await server.stop(30_000);
    const found = readCpuProfile(profileDir);
    if (found === undefined) {
      return {
        put100,
        cpuProfile: undefined,
        report: undefined,
        exit,
        note: `no .cpuprofile written (exit code ${exit.code}, signal ${exit.signal}): does the server exit normally on SIGINT?`,
      };
    }
    const kept = path.join(resultsDir, 'streams-put100.cpuprofile');
    copyFileSync(found.file, kept);
    const report = topSelfTime(found.profile, { limit: 15, window: put100.window, relativeTo: REPO_ROOT });
    return {
      put100,
      cpuProfile: kept,
      report,
      exit,
      note: report.windowApplied ? undefined : 'no sample fell in the scenario window; whole profile used',
    };
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
  }
}

function formatProfile(p: ProfileRun): string {
  const lines: string[] = [];
  lines.push(
    `CPU profile of Tributary during "PutRecords 500 × 100 B" (separate run under --cpu-prof: ` +
      `${formatNumber(p.put100.recordsPerSecond)} rec/s; server stopped ${p.exit.graceful ? 'gracefully' : 'NOT gracefully'} on SIGINT)`,
  );
  if (p.note !== undefined) lines.push(`Note: ${p.note}`);
  if (p.report === undefined) return lines.join('\n');
  const r = p.report;
  lines.push(
    `Profile: ${p.cpuProfile}; window ${formatNumber(r.totalMs)} ms sampled, ` +
      `${formatNumber(r.idleMs)} ms idle (${((r.idleMs / Math.max(r.totalMs, 1)) * 100).toFixed(1)}%)`,
  );
  lines.push('', 'Top 15 functions by self time:', '');
  const rows = r.entries.map((e, i) => [
    String(i + 1),
    formatNumber(e.selfMs, 1),
    `${e.percentOfTotal.toFixed(1)}%`,
    e.functionName === '(idle)' ? '—' : `${e.percentOfBusy.toFixed(1)}%`,
    e.functionName,
    e.location,
  ]);
  const header = ['#', 'self ms', '% all', '% busy', 'function', 'location'];
  lines.push(...markdown(header, { rows, rightAligned: [0, 1, 2, 3] }));
  lines.push('', 'Self time by area (busy time only):', '');
  lines.push(
    ...markdown(['area', 'self ms', '% busy'], {
      rows: r.byArea.slice(0, 12).map((a) => [a.area, formatNumber(a.selfMs, 1), `${a.percentOfBusy.toFixed(1)}%`]),
      rightAligned: [1, 2],
    }),
  );
  return lines.join('\n');
}

/** A small Markdown table; columns listed in `rightAligned` (numbers) are right-aligned. */
function markdown(header: string[], { rows, rightAligned }: { rows: string[][]; rightAligned: number[] }): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const right = (c: number): boolean => rightAligned.includes(c);
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, c) => (right(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (right(c) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)];
}

function buildRows(runs: Partial<Record<ServerKind, ServerRun>>, options: StreamsBenchOptions): Row[] {
  const results = { tributary: runs.tributary, kinesalite: runs.kinesalite ?? runs.jetstream };
  const c = options.concurrency;
  const rows: Row[] = [];
  for (const key of ['put100', 'put1k'] as const) {
    if (options.scenarios.includes(key)) {
      rows.push(...writeRows(`${PUT_GROUPS[key].label}, c=${c}`, { key, results, throughput: 'records' }));
    }
  }
  if (options.scenarios.includes('putrecord')) {
    for (const concurrency of [...new Set([1, c])]) {
      rows.push(
        ...writeRows(`PutRecord 100 B, c=${concurrency}`, {
          key: `putrecord-c${concurrency}`,
          results,
          throughput: 'requests',
        }),
      );
    }
  }
  if (options.scenarios.includes('putrecord64')) {
    rows.push(
      ...writeRows(`PutRecord 100 B, c=${PUTRECORD_FANIN}`, { key: 'putrecord64', results, throughput: 'requests' }),
    );
  }
  if (options.scenarios.includes('read')) {
    for (const key of ['put100', 'put1k'] as const) {
      if (!options.scenarios.includes(key)) continue;
      const size = PUT_GROUPS[key].recordSize === 100 ? '100 B' : '1 KiB';
      rows.push(...readRows(`GetRecords read-back ${size} (1 shard, Limit 10000)`, { key, results }));
    }
  }
  return rows;
}

/** One printed table: two sides under the same load. */
interface Comparison {
  readonly title: string | undefined;
  readonly columns: ColumnTitles;
  readonly runs: Partial<Record<ServerKind, ServerRun>>;
}

/** CPU seconds of every running node of the cluster together. */
function clusterCpuSeconds(cluster: NatsCluster): number | undefined {
  let total = 0;
  for (let i = 0; i < cluster.urls.length; i++) {
    const pid = cluster.pid(i);
    const cpu = pid === undefined ? undefined : procCpuSeconds(pid);
    if (cpu === undefined) return undefined;
    total += cpu;
  }
  return total;
}

/**
 * The raw JetStream baseline: each write scenario's records published by the NATS client alone into `shards`
 * streams with the backend's settings and commit discipline (./jetstream-raw.ts), then the read-back of one shard.
 */
async function runRawJetStream(
  options: StreamsBenchOptions,
  target: {
    servers: readonly string[];
    storage: Extract<StreamsBenchOptions['storage'], { kind: 'nats' }>;
    replicas: number;
    prefix: string;
    natsCpuSeconds: (() => number | undefined) | undefined;
  },
): Promise<ServerRun> {
  const run: ServerRun = {
    kind: 'jetstream',
    command: 'NATS client (@nats-io/jetstream): pipelined, chained publishes with message ids',
    exit: undefined,
    error: undefined,
    writes: {},
    reads: {},
  };
  const writes = run.writes as Record<string, WriteResult>;
  const reads = run.reads as Record<string, ReadResult>;
  const natsCpu = target.natsCpuSeconds ? { natsCpuSeconds: target.natsCpuSeconds } : {};
  const none = (): undefined => undefined;
  let raw: RawJetStream | undefined;
  try {
    raw = await RawJetStream.connect(target.servers, `${target.prefix}_RAW`, target.storage);
    const wanted = options.scenarios;
    const streams: Record<string, readonly string[]> = {};
    for (const key of ['put100', 'put1k'] as const) {
      if (!wanted.includes(key)) continue;
      const shards = await raw.createShards(key, options.shards, target.replicas);
      streams[key] = shards.streams;
      const requests = buildRawRequests({
        recordSize: PUT_GROUPS[key].recordSize,
        batchSize: BATCH,
        count: Math.max(16, 2 * options.concurrency),
        shards: options.shards,
        keyPrefix: PUT_GROUPS[key].stream,
      });
      writes[key] = await runRawWriteLoad(shards, requests, {
        operation: 'PutRecords',
        recordsPerRequest: BATCH,
        recordSize: PUT_GROUPS[key].recordSize,
        concurrency: options.concurrency,
        seconds: options.seconds,
        serverCpuSeconds: none,
        ...natsCpu,
      });
      log(`jetstream R${target.replicas}: ${key}: ${describeWrite(writes[key])} ${JSON.stringify(shards.failures())}`);
    }
    const single = (prefix: string) =>
      buildRawRequests({ recordSize: 100, batchSize: 1, count: 1024, shards: options.shards, keyPrefix: prefix });
    if (wanted.includes('putrecord')) {
      const shards = await raw.createShards('putrecord', options.shards, target.replicas);
      const requests = single('bench-putrecord');
      for (const concurrency of [...new Set([1, options.concurrency])]) {
        const key = `putrecord-c${concurrency}`;
        writes[key] = await runRawWriteLoad(shards, requests, {
          operation: 'PutRecord',
          recordsPerRequest: 1,
          recordSize: 100,
          concurrency,
          seconds: options.seconds / 2,
          serverCpuSeconds: none,
          ...natsCpu,
        });
        log(`jetstream R${target.replicas}: ${key}: ${describeWrite(writes[key])}`);
      }
    }
    if (wanted.includes('putrecord64')) {
      const shards = await raw.createShards('putrecord64', options.shards, target.replicas);
      writes.putrecord64 = await runRawWriteLoad(shards, single('bench-putrecord64'), {
        operation: 'PutRecord',
        recordsPerRequest: 1,
        recordSize: 100,
        concurrency: PUTRECORD_FANIN,
        seconds: options.seconds,
        serverCpuSeconds: none,
        ...natsCpu,
      });
      log(`jetstream R${target.replicas}: putrecord64: ${describeWrite(writes.putrecord64)}`);
    }
    if (wanted.includes('read')) {
      for (const key of ['put100', 'put1k'] as const) {
        const written = writes[key];
        const stream = streams[key]?.[0];
        if (written === undefined || stream === undefined) continue;
        reads[key] = await raw.readBack(stream, {
          shardId: 'shard-0',
          expected: written.ackedPerShard['shard-0'] ?? 0,
          recordSize: PUT_GROUPS[key].recordSize,
          ...natsCpu,
        });
        const r = reads[key];
        log(
          `jetstream R${target.replicas}: read ${key}: ${formatNumber(r.records)}/${formatNumber(r.expected)} records, ` +
            `${formatNumber(r.recordsPerSecond)} rec/s${r.problem === undefined ? '' : ` PROBLEM: ${r.problem}`}`,
        );
      }
    }
  } catch (err) {
    run.error = (err as Error).message;
    log(`jetstream R${target.replicas}: failed: ${run.error}`);
  } finally {
    await raw?.close().catch(() => undefined);
  }
  return run;
}

/**
 * Runs the benchmark with `argv` (options only, no script name) and returns the process exit code:
 * 0 on success, 1 when a server failed or a read-back did not match, 2 on bad options.
 */
export async function runStreamsBench(argv: readonly string[]): Promise<number> {
  let options: StreamsBenchOptions;
  try {
    options = parseStreamsBenchArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const machine = machineInfo();
  const startedAt = new Date().toISOString();
  process.stdout.write(`# Tributary Data Streams benchmark (${startedAt})\n\n${formatMachine(machine)}\n`);
  process.stdout.write(
    `Settings: ${options.seconds} s per write scenario (PutRecord: half each for c=1 and c=${options.concurrency}), ` +
      `concurrency ${options.concurrency}, ${options.shards} shards, keep-alive HTTP/1.1, JSON 1.1, pre-built bodies; ` +
      (options.storage.kind === 'nats'
        ? 'Tributary on NATS JetStream (file storage; acknowledged once a quorum of replicas has the record); raw ' +
          'JetStream: the same records published by the NATS client alone, per shard, as the backend publishes them.\n\n'
        : `Tributary --durability always; kinesalite ${options.kinesaliteOnDisk ? 'on LevelDB' : 'in memory'}.\n\n`),
  );
  if (
    options.scenarios.includes('read') &&
    !options.scenarios.includes('put100') &&
    !options.scenarios.includes('put1k')
  ) {
    log('read-back reads what put100/put1k wrote; without them it has nothing to read and is skipped');
  }

  const resultsDir = path.dirname(options.out);
  mkdirSync(resultsDir, { recursive: true });
  const comparisons: Comparison[] = [];
  let profile: ProfileRun | undefined;
  let profileError: string | undefined;
  const profileWith = async (side: SideSetup): Promise<void> => {
    if (!options.servers.includes('tributary')) {
      profileError = '--profile profiles Tributary; it was excluded by --only';
    } else {
      try {
        profile = await runProfile(options, resultsDir, side);
      } catch (err) {
        profileError = (err as Error).message;
      }
    }
    if (profileError !== undefined) log(`profile: ${profileError}`);
  };

  if (options.storage.kind === 'nats') {
    const storage = options.storage;
    let cluster: NatsCluster | undefined;
    try {
      if (storage.url === undefined) {
        // Its own ports (24222-24224, routes 26222-, monitoring 28222-), clear of the test suites' clusters.
        cluster = await startNatsCluster({ nodes: 3, clientPort: 24222 });
        log(`nats: started a 3-node loopback cluster (${cluster.urls.join(', ')}), data in ${cluster.dataDir}`);
      }
      const servers = cluster?.urls ?? storage.servers;
      const storageUrl = cluster?.storageUrl ?? storage.url!;
      const natsCpuSeconds = cluster ? () => clusterCpuSeconds(cluster!) : undefined;
      for (const replicas of options.natsReplicas) {
        const prefix = `BENCH${replicas}${randomBytes(4).toString('hex').toUpperCase()}`;
        // The profiled run starts on empty storage too: a prefix of its own.
        const profilePrefix = `${prefix}P`;
        const sideFor = (p: string): SideSetup => ({
          storageArgs: ['--storage', storageUrl, '--nats-replicas', String(replicas), '--nats-prefix', p],
          ...(natsCpuSeconds ? { natsCpuSeconds } : {}),
        });
        const side = sideFor(prefix);
        const runs: Partial<Record<ServerKind, ServerRun>> = {};
        try {
          if (options.servers.includes('tributary')) runs.tributary = await runOneServer('tributary', options, side);
          if (options.servers.includes('jetstream'))
            runs.jetstream = await runRawJetStream(options, { servers, storage, replicas, prefix, natsCpuSeconds });
          if (options.profile && replicas === options.natsReplicas[options.natsReplicas.length - 1])
            await profileWith(sideFor(profilePrefix));
        } finally {
          for (const p of [prefix, profilePrefix])
            await destroyNatsData(servers, p).catch((err: unknown) => log(`nats: cleanup of ${p}: ${err}`));
        }
        comparisons.push({
          title: `NATS JetStream, ${replicas} replica${replicas > 1 ? 's' : ''}`,
          columns: natsColumns(replicas),
          runs,
        });
      }
    } finally {
      await cluster?.stop();
    }
  } else {
    const runs: Partial<Record<ServerKind, ServerRun>> = {};
    for (const kind of options.servers) if (kind !== 'jetstream') runs[kind] = await runOneServer(kind, options);
    if (options.profile) await profileWith({});
    comparisons.push({ title: undefined, columns: KINESALITE_COLUMNS, runs });
  }

  for (const c of comparisons) {
    if (c.title !== undefined) process.stdout.write(`## ${c.title}\n\n`);
    process.stdout.write(`${renderMarkdownTable(buildRows(c.runs, options), c.columns)}\n\n`);
  }
  const columns = comparisons[0]?.columns ?? KINESALITE_COLUMNS;
  process.stdout.write(
    `Ratios are ${columns === KINESALITE_COLUMNS ? 'Tributary / kinesalite' : 'Tributary on NATS / raw JetStream publish'}: ` +
      'above 1 is better for throughput, below 1 for latency and CPU.\n' +
      'Failed records counts records sent but not acknowledged (entry errors and records of failed requests).\n',
  );
  const runs = comparisons.flatMap((c) => Object.values(c.runs));
  const busiest = busiestOtherLoad(runs);
  if (busiest !== undefined && busiest.percent > OTHER_LOAD_WARNING_PERCENT) {
    process.stdout.write(
      `\nThe machine was not idle: other processes used ${busiest.percent.toFixed(0)}% of a core during ` +
        `${busiest.kind} ${busiest.scenario}. Throughput and ratios from a busy machine understate both servers ` +
        'unevenly (Tributary and its load generator use both cores, kinesalite one): compare runs made while nothing ' +
        'else runs.\n',
    );
  }
  for (const run of runs) {
    if (run.error !== undefined) process.stdout.write(`\n${run.kind} error: ${run.error.trim()}\n`);
    if (run.exit !== undefined && !run.exit.graceful) {
      process.stdout.write(
        `\n${run.kind} did not exit cleanly on SIGINT (code ${run.exit.code}, signal ${run.exit.signal}).\n`,
      );
    }
  }
  if (profile !== undefined) process.stdout.write(`\n${formatProfile(profile)}\n`);
  if (profileError !== undefined) process.stdout.write(`\nProfile: ${profileError}\n`);

  writeFileSync(
    options.out,
    `${JSON.stringify({ benchmark: 'streams', startedAt, machine, options, comparisons, profile, profileError }, null, 2)}\n`,
  );
  process.stdout.write(`\nJSON results: ${options.out}\n`);

  const failed = runs.some((run) => run.error !== undefined || Object.values(run.reads).some((r) => !r.verified));
  return failed ? 1 : 0;
}
