/**
 * Starting and stopping the servers under test as child processes on free loopback ports, each with
 * its own fresh temp directory, plus the per-process CPU accounting used to show how much of the
 * shared machine each side used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { KinesisHttpClient } from './kinesis-client.js';

/**
 * The sides the benchmark measures: two servers it starts as processes, and `jetstream`, the raw JetStream
 * baseline of `--storage nats` (the NATS client alone, no server of ours: ./jetstream-raw.ts).
 */
export const SERVER_KINDS = ['tributary', 'kinesalite', 'jetstream'] as const;
/** One of {@link SERVER_KINDS}. */
export type ServerKind = (typeof SERVER_KINDS)[number];
/** The sides that are server processes. */
export type ProcessKind = Exclude<ServerKind, 'jetstream'>;

/**
 * The repository root: the nearest ancestor of this module holding a package.json, so the path is
 * right whether this runs compiled (`dist/bench/streams/`) or from source.
 */
export const REPO_ROOT = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** Directory for V8's `--cpu-prof` output; when set the server runs under the CPU profiler. */
  readonly cpuProfileDir: string;
  /** kinesalite only: keep data in LevelDB under the temp dir instead of in memory. Default false. */
  readonly kinesaliteOnDisk: boolean;
  /** Milliseconds to wait for the port to answer. Default 30 000. */
  readonly readyTimeoutMs: number;
  /** Tributary only: storage options appended to its command line (`--storage nats://… --nats-replicas 3`). */
  readonly storageArgs: readonly string[];
}

/** How a server process ended. */
export interface ServerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when the process exited by itself after SIGINT (no SIGKILL needed). */
  readonly graceful: boolean;
}

/** A started server. */
export interface ServerHandle {
  readonly kind: ProcessKind;
  readonly port: number;
  readonly pid: number;
  /** The fresh temp directory this instance owns (removed by {@link ServerHandle.stop}). */
  readonly dataDir: string;
  /** The command line used, for the report. */
  readonly command: string;
  /** User + system CPU seconds the process has used so far; undefined where /proc is unavailable. */
  cpuSeconds(): number | undefined;
  /** The last few KiB of the process's stdout/stderr, for error messages. */
  outputTail(): string;
  /** SIGINT, wait up to `graceMs` (default 15 000), then SIGKILL; removes the data dir. */
  stop(graceMs?: number): Promise<ServerExit>;
}

/** Finds a free loopback TCP port by binding port 0 and releasing it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** `kinesalite/cli.js` as installed in node_modules. */
export function kinesaliteCli(): string {
  const require = createRequire(path.join(REPO_ROOT, 'package.json'));
  return path.join(path.dirname(require.resolve('kinesalite/package.json')), 'cli.js');
}

/**
 * Node flags of the server as users start it: `npm start` and the `tributary` executable's shebang carry the same
 * (test/bench/node-flags.test.ts keeps the three equal).
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** The argv (after `node`) that starts `kind` on `options.port` with `options.dataDir`. */
export function serverArgs(
  kind: ProcessKind,
  options: { port: number; dataDir: string; kinesaliteOnDisk?: boolean; storageArgs?: readonly string[] },
): string[] {
  if (kind === 'tributary') {
    return [
      path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'),
      'serve',
      '--port',
      String(options.port),
      '--data-dir',
      options.dataDir,
      '--log-level',
      'warn',
      // Durable acks: a record is acknowledged only after fsync (docs/principles.md, principle 2; policy `always`).
      '--durability',
      'always',
      '--create-stream-ms',
      '0',
      ...(options.storageArgs ?? []),
    ];
  }
  const args = [
    kinesaliteCli(),
    '--port',
    String(options.port),
    '--createStreamMs',
    '0',
    '--deleteStreamMs',
    '0',
    '--updateStreamMs',
    '0',
    '--shardLimit',
    '100',
  ];
  if (options.kinesaliteOnDisk === true) args.push('--path', options.dataDir);
  return args;
}

/** Reads utime + stime of `pid` from /proc (Linux); clock ticks are 100 Hz on every Linux port Node supports. */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Field 2 (comm) may contain spaces; fields after the closing parenthesis are space-separated.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 overall, i.e. 11 and 12 after comm and state.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Starts `kind` as a child process on a free loopback port with a fresh temp dir and waits until it
 * answers ListStreams with HTTP 200. Rejects (after killing the child) if it exits or stays silent.
 */
export async function startServer(kind: ProcessKind, options: Partial<StartServerOptions> = {}): Promise<ServerHandle> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `tributary-bench-${kind}-`));
  const port = await freePort();
  // Tributary runs with the V8 settings `npm start` gives it (package.json; docs/adr/0035-young-generation-size.md).
  const nodeArgs: string[] = kind === 'tributary' ? [...SERVER_NODE_FLAGS] : [];
  if (options.cpuProfileDir !== undefined) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir);
  const args = [
    ...nodeArgs,
    ...serverArgs(kind, {
      port,
      dataDir,
      kinesaliteOnDisk: options.kinesaliteOnDisk ?? false,
      storageArgs: options.storageArgs ?? [],
    }),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-4096);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((info) => (exitInfo = info));

  let stopped: Promise<ServerExit> | undefined;
  const handle: ServerHandle = {
    kind,
    port,
    pid: child.pid ?? -1,
    dataDir,
    command: `node ${args.map((a) => (a.startsWith(REPO_ROOT) ? path.relative(REPO_ROOT, a) : a)).join(' ')}`,
    cpuSeconds: () => (child.pid === undefined ? undefined : procCpuSeconds(child.pid)),
    outputTail: () => tail,
    stop(graceMs = 15_000) {
      stopped ??= (async () => {
        let graceful = true;
        if (exitInfo === undefined) {
          child.kill('SIGINT');
          const timer = sleep(graceMs).then(() => 'timeout' as const);
          if ((await Promise.race([exited, timer])) === 'timeout') {
            graceful = false;
            child.kill('SIGKILL');
          }
        }
        const info = await exited;
        rmSync(dataDir, { recursive: true, force: true });
        return { ...info, graceful: graceful && (info.code === 0 || info.code === 130 || info.signal === 'SIGINT') };
      })();
      return stopped;
    },
  };

  const client = new KinesisHttpClient(port, { maxSockets: 1, timeoutMs: 2_000 });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  try {
    for (;;) {
      if (exitInfo !== undefined) {
        throw new Error(`${kind} exited during startup (code ${exitInfo.code}, signal ${exitInfo.signal}):\n${tail}`);
      }
      try {
        const res = await client.send('ListStreams', Buffer.from('{}'));
        if (res.status === 200) break;
        throw new Error(`ListStreams answered HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`${kind} did not become ready on port ${port}: ${String(err)}\n${tail}`);
      }
      await sleep(100);
    }
  } catch (err) {
    await handle.stop(2_000);
    throw err;
  } finally {
    client.close();
  }
  return handle;
}
