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
import { REPO_ROOT, startServer, type ServerExit, type ServerHandle, type ServerKind } from './servers.js';

/** Records per PutRecords request: the AWS maximum (PutRecords `Records` has 1–500 members). */
const BATCH = 500;
/** The write groups: stream name and record size per PutRecords scenario. */
const PUT_GROUPS = {
  put100: { stream: 'bench-put100', recordSize: 100, label: 'PutRecords 500 × 100 B' },
  put1k: { stream: 'bench-put1k', recordSize: 1024, label: 'PutRecords 500 × 1 KiB' },
} as const;

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
  });
}

async function runOneServer(kind: ServerKind, options: StreamsBenchOptions): Promise<ServerRun> {
  const run: ServerRun = { kind, command: undefined, exit: undefined, error: undefined, writes: {}, reads: {} };
  const writes = run.writes as Record<string, WriteResult>;
  const reads = run.reads as Record<string, ReadResult>;
  let server: ServerHandle;
  try {
    server = await startServer(kind, { kinesaliteOnDisk: options.kinesaliteOnDisk });
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
      writes[key] = await runPutRecords(server, client, PUT_GROUPS[key], options);
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

async function runProfile(options: StreamsBenchOptions, resultsDir: string): Promise<ProfileRun> {
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-cpuprof-'));
  try {
    const server = await startServer('tributary', { cpuProfileDir: profileDir });
    log(`profile: tributary started under --cpu-prof (pid ${server.pid})`);
    const client = new KinesisHttpClient(server.port, { maxSockets: options.concurrency });
    let put100: WriteResult;
    try {
      await createActiveStream(client, PUT_GROUPS.put100.stream, options.shards);
      put100 = await runPutRecords(server, client, PUT_GROUPS.put100, options);
      log(`profile: put100: ${describeWrite(put100)}`);
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
  const results = { tributary: runs.tributary, kinesalite: runs.kinesalite };
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
      `Tributary --durability always; kinesalite ${options.kinesaliteOnDisk ? 'on LevelDB' : 'in memory'}.\n\n`,
  );
  if (
    options.scenarios.includes('read') &&
    !options.scenarios.includes('put100') &&
    !options.scenarios.includes('put1k')
  ) {
    log('read-back reads what put100/put1k wrote; without them it has nothing to read and is skipped');
  }

  const runs: Partial<Record<ServerKind, ServerRun>> = {};
  for (const kind of options.servers) runs[kind] = await runOneServer(kind, options);

  const resultsDir = path.dirname(options.out);
  mkdirSync(resultsDir, { recursive: true });
  let profile: ProfileRun | undefined;
  let profileError: string | undefined;
  if (options.profile) {
    if (!options.servers.includes('tributary')) {
      profileError = '--profile profiles Tributary; it was excluded by --only';
    } else {
      try {
        profile = await runProfile(options, resultsDir);
      } catch (err) {
        profileError = (err as Error).message;
      }
    }
    if (profileError !== undefined) log(`profile: ${profileError}`);
  }

  process.stdout.write(`${renderMarkdownTable(buildRows(runs, options))}\n\n`);
  process.stdout.write(
    'Ratios are Tributary / kinesalite: above 1 is better for throughput, below 1 for latency and CPU.\n' +
      'Failed records counts records sent but not acknowledged (entry errors and records of failed requests).\n',
  );
  for (const run of Object.values(runs)) {
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
    `${JSON.stringify({ benchmark: 'streams', startedAt, machine, options, servers: runs, profile, profileError }, null, 2)}\n`,
  );
  process.stdout.write(`\nJSON results: ${options.out}\n`);

  const failed = Object.values(runs).some(
    (run) => run.error !== undefined || Object.values(run.reads).some((r) => !r.verified),
  );
  return failed ? 1 : 0;
}
