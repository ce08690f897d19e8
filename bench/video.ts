/**
 * `npm run bench:video`: concurrent live PutMedia uploads against a local server with durable acks
 * (`--durability always`): each stream sends H.264-shaped frames in real time (25 fps, one key frame per
 * fragment, `--mbps` per stream, `--fragment-ms` fragments, unknown-size clusters as live producers write them).
 * Prints the streams sustained (every fragment PERSISTED, none failed), ingest MB/s, and the PERSISTED ack latency
 * p50 / p99 / max, measured from the moment a fragment was complete on the wire (the next cluster's header written)
 * to its PERSISTED ack. The server runs in a child process of its own (bench/video-server.ts; `--server inline`
 * runs it in this process, sharing the load generator's event loop, as the benchmark did before ADR 0043).
 *
 * Storage figures (docs/adr/0041-video-archive-disk-bound.md): the fdatasync/fsync calls the server made (counted
 * by wrapping `FileHandle.datasync`/`sync`, in the benchmark only) and, from /proc/diskstats, the bytes written
 * to and the cache flushes done by the device holding the data directory (machine-wide: other processes count too).
 * Every `--window` seconds a line gives that window's figures, so the steady state shows apart from the first
 * gigabytes that the virtual disk's host absorbs faster than it writes them. Each window also gives the share of
 * the server's main thread spent on a CPU and spent runnable but waiting for one (/proc/<pid>/task/<pid>/schedstat,
 * docs/adr/0043-video-bench-cpu-starvation.md): a server that falls behind while waiting for a CPU was starved by
 * the machine's other work, not slowed by its disk.
 * And the server's resident set size at the window's end: it stays flat while the server keeps only what is in
 * flight, and grew by the ingest rate while PutMedia kept every chunk
 * (docs/adr/0046-promise-race-retained-every-chunk.md).
 * Options: --streams <n> (default 100), --seconds <n> (default 60), --mbps <n> (default 4), --fragment-ms <n>
 * (default 2000), --window <s> (default 10), --server process|inline (default process), --profile <prefix> with
 * --profile-windows <from-to,…> (seconds after the start, default 0-20,35-60): the server child's V8 CPU profile of
 * each window, written to `<prefix>-<from>-<to>.cpuprofile` (process mode only).
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateStreamCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { silentLogger } from '../src/protocol/index.js';
import { startServer } from '../src/server/index.js';
import { MkvId, element, elementHeader } from '../src/video/mkv/index.js';
import type { ServerSample } from './video-server.js';
import { countSyncCalls, syncCalls } from './shared/sync-calls.js';
import { parseBenchArgs } from './shared/args.js';

const values = parseBenchArgs(
  'npm run bench:video --',
  'Concurrent live PutMedia uploads with durable acks: streams sustained, MB/s, PERSISTED ack latency (see bench/video.ts).',
  {
    streams: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '60' },
    mbps: { type: 'string', default: '4' },
    'fragment-ms': { type: 'string', default: '2000' },
    window: { type: 'string', default: '10' },
    server: { type: 'string', default: 'process' },
    profile: { type: 'string' },
    'profile-windows': { type: 'string', default: '0-20,35-60' },
  },
);
const SERVER_MODE = values.server === 'inline' ? 'inline' : 'process';
const WINDOW_MS = Number(values.window) * 1000;
const STREAMS = Number(values.streams);
const SECONDS = Number(values.seconds);
const MBPS = Number(values.mbps);
const FRAGMENT_MS = Number(values['fragment-ms']);
const FPS = 25;
const FRAME_MS = 1000 / FPS;
const FRAMES_PER_FRAGMENT = Math.round(FRAGMENT_MS / FRAME_MS);
const BYTES_PER_FRAGMENT = (MBPS * 1_000_000 * FRAGMENT_MS) / 8000;
// A key frame carries about a fifth of a GOP's bytes.
const KEY_BYTES = Math.round(BYTES_PER_FRAGMENT / 5);
const DELTA_BYTES = Math.round((BYTES_PER_FRAGMENT - KEY_BYTES) / (FRAMES_PER_FRAGMENT - 1));

const SIGV4 = {
  authorization:
    'AWS4-HMAC-SHA256 Credential=AKIDBENCH/20261125/us-east-1/kinesisvideo/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000',
  'x-amz-date': '20261125T000000Z',
};

function uint(id: number, value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  return element(id, Buffer.from(bytes));
}

const segmentHeader = Buffer.concat([
  element(MkvId.EBML, Buffer.concat([uint(0x4286, 1), element(0x4282, Buffer.from('matroska')), uint(0x4287, 4)])),
  Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
  element(MkvId.Info, uint(MkvId.TimestampScale, 1_000_000)),
  element(
    MkvId.Tracks,
    element(
      MkvId.TrackEntry,
      Buffer.concat([
        uint(MkvId.TrackNumber, 1),
        uint(MkvId.TrackType, 1),
        element(MkvId.CodecID, Buffer.from('V_MPEG4/ISO/AVC')),
      ]),
    ),
  ),
]);

/** A SimpleBlock of track 1 with `size` payload bytes; the relative timecode is patched in before each write. */
function block(size: number, key: boolean): Buffer {
  const head = Buffer.from([0x81, 0, 0, key ? 0x80 : 0]);
  return Buffer.concat([elementHeader(MkvId.SimpleBlock, head.length + size), head, Buffer.alloc(size, 0x42)]);
}

function clusterStart(timecode: number): Buffer {
  return Buffer.concat([
    Buffer.from([0x1f, 0x43, 0xb6, 0x75, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    uint(MkvId.Timestamp, timecode),
  ]);
}

/** Counters of one block device (/proc/diskstats: sectors written, flush requests completed). */
interface DiskCounters {
  readonly bytesWritten: number;
  readonly flushes: number;
}

/** The /proc/diskstats row of the device holding `dir`, or undefined (no such file, or not a block device). */
async function diskOf(dir: string): Promise<(() => Promise<DiskCounters | undefined>) | undefined> {
  const { dev } = await stat(dir);
  const major = (dev >> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  // Read on the event loop: /proc never waits for the disk, whereas the thread pool may be full of stalled fsyncs.
  const read = async (): Promise<DiskCounters | undefined> => {
    let rows = '';
    try {
      rows = readFileSync('/proc/diskstats', 'utf8');
    } catch {}
    for (const row of rows.split('\n')) {
      const f = row.trim().split(/\s+/);
      if (Number(f[0]) !== major || Number(f[1]) !== minor) continue;
      // Fields after the name: 7th = sectors written (512 bytes), 16th = flush requests completed (Linux ≥ 5.5).
      return { bytesWritten: Number(f[9]) * 512, flushes: Number(f[18] ?? Number.NaN) };
    }
    return undefined;
  };
  return (await read()) === undefined ? undefined : read;
}

/** One sample of the storage counters, taken every window. */
interface Sample {
  readonly at: number;
  readonly syncs: number;
  readonly disk: DiskCounters | undefined;
  /** Longest delay of the server's event loop since the previous sample, ms. */
  readonly loopDelayMs: number;
  /** The server's main thread so far: ns on a CPU and ns runnable but waiting for one (undefined: no /proc). */
  readonly sched: { readonly runNs: number; readonly waitNs: number } | undefined;
  /** CPU time of the server process so far, µs. */
  readonly serverCpuMicros: number;
  /** The server process's resident set size, bytes (inline: server and load generator). */
  readonly serverRssBytes: number;
}

/** Scheduler counters of one thread (/proc/<pid>/task/<tid>/schedstat: ns on a CPU, ns waiting on a run queue). */
function schedOf(pid: number): Sample['sched'] {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(/\s+/);
    return { runNs: Number(run), waitNs: Number(wait) };
  } catch {
    return undefined;
  }
}

/** The server under test: in this process (`inline`) or in a child process of its own (`process`). */
interface BenchServer {
  readonly url: string;
  /** The pid whose main thread runs the server's event loop. */
  readonly pid: number;
  sample(): Promise<Omit<ServerSample, 'kind'>>;
  /** Starts the server's CPU profiler, or stops it and writes the profile to `path` (process mode only). */
  profile(path?: string): Promise<void>;
  close(): Promise<void>;
}

async function startBenchServer(dataDir: string): Promise<BenchServer> {
  if (SERVER_MODE === 'inline') {
    await countSyncCalls();
    loopDelay.enable();
    const server = await startServer(
      { port: 0, dataDir, durability: 'always', audit: 'off', videoCreateMs: 0, logLevel: 'silent' },
      { logger: silentLogger },
    );
    return {
      url: server.url,
      pid: process.pid,
      sample: async () => {
        const loopDelayMs = loopDelay.max / 1e6;
        loopDelay.reset();
        const cpu = process.cpuUsage();
        return {
          syncs: syncCalls(),
          loopDelayMs,
          cpuMicros: cpu.user + cpu.system,
          rssBytes: process.memoryUsage.rss(),
        };
      },
      profile: async () => {},
      close: () => server.close(),
    };
  }
  const child = fork(join(dirname(fileURLToPath(import.meta.url)), 'video-server.js'), [dataDir], {
    execArgv: ['--max-semi-space-size=64'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the benchmark's server exited (${code}) before it was ready`)));
    child.once('message', (m: { kind: string; url: string }) => resolve(m.url));
  });
  const waiting: Array<(s: ServerSample) => void> = [];
  const profiled: Array<() => void> = [];
  child.on('message', (m: ServerSample | { kind: 'profiled' }) => {
    if (m.kind === 'sample') waiting.shift()?.(m);
    else if (m.kind === 'profiled') profiled.shift()?.();
  });
  return {
    url,
    pid: child.pid!,
    sample: () =>
      new Promise((resolve) => {
        waiting.push(resolve);
        child.send({ kind: 'sample' });
      }),
    profile: (path) => {
      if (path === undefined) {
        child.send({ kind: 'profile-start' });
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        profiled.push(resolve);
        child.send({ kind: 'profile-stop', path });
      });
    },
    close: async () => {
      if (child.connected) child.send({ kind: 'stop' });
      await exited;
    },
  };
}

const loopDelay = monitorEventLoopDelay({ resolution: 10 });

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Upload {
  readonly name: string;
  req: http.ClientRequest;
  frame: number;
  /** When each fragment (by timecode) was complete on the wire. */
  readonly closedAt: Map<number, number>;
  persisted: number;
  errors: number;
  /** The response ended (every ack arrived). */
  done: boolean;
  onDone?: () => void;
  bytes: number;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'trib-bench-video-'));
  const disk = await diskOf(dataDir);
  const loadBefore = loadavg()[0]!;
  const server = await startBenchServer(dataDir);
  const url = new URL(server.url);
  const control = new KinesisVideoClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'x' },
  });
  const latencies: number[] = [];
  /** Per persisted fragment: when it was complete on the wire (ms after the start) and its latency. */
  const closedAtRun: number[] = [];
  const closedLatency: number[] = [];
  const samples: Sample[] = [];
  let started = 0;
  const sample = async (): Promise<void> => {
    const at = performance.now();
    const sched = schedOf(server.pid);
    const d = await disk?.();
    const s = await server.sample();
    samples.push({
      at,
      syncs: s.syncs,
      disk: d,
      loopDelayMs: s.loopDelayMs,
      sched,
      serverCpuMicros: s.cpuMicros,
      serverRssBytes: s.rssBytes,
    });
  };
  const errorCodes = new Map<string, number>();
  const uploads: Upload[] = [];
  const key = block(KEY_BYTES, true);
  const delta = block(DELTA_BYTES, false);
  const deltaRelAt = delta.length - DELTA_BYTES - 3;
  try {
    for (let i = 0; i < STREAMS; i++) {
      await control.send(new CreateStreamCommand({ StreamName: `cam-${i}`, DataRetentionInHours: 1 }));
    }
    for (let i = 0; i < STREAMS; i++) {
      const upload: Upload = {
        name: `cam-${i}`,
        req: undefined as unknown as http.ClientRequest,
        frame: 0,
        closedAt: new Map(),
        persisted: 0,
        errors: 0,
        done: false,
        bytes: 0,
      };
      upload.req = http.request({
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/putMedia',
        agent: false,
        headers: {
          ...SIGV4,
          'x-amzn-stream-name': upload.name,
          'x-amzn-fragment-timecode-type': 'RELATIVE',
          'x-amzn-producer-start-timestamp': String(Date.now() / 1000),
        },
      });
      const finish = (): void => {
        upload.done = true;
        upload.onDone?.();
      };
      upload.req.on('error', () => {
        upload.errors++;
        finish();
      });
      upload.req.on('response', (res) => {
        res.on('end', finish);
        res.on('error', finish);
        let pending = '';
        res.on('data', (chunk: Buffer) => {
          pending += chunk.toString('latin1');
          let nl = pending.indexOf('\n');
          while (nl >= 0) {
            const line = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            nl = pending.indexOf('\n');
            const ack = JSON.parse(line) as { EventType: string; FragmentTimecode?: number };
            if (ack.EventType === 'PERSISTED') {
              upload.persisted++;
              const closed = upload.closedAt.get(ack.FragmentTimecode!);
              if (closed !== undefined) {
                const latency = performance.now() - closed;
                latencies.push(latency);
                closedAtRun.push(closed - started);
                closedLatency.push(latency);
              }
            } else if (ack.EventType === 'ERROR') {
              upload.errors++;
              errorCodes.set(line, (errorCodes.get(line) ?? 0) + 1);
            }
          }
        });
      });
      upload.req.write(segmentHeader);
      uploads.push(upload);
    }

    const cpuStart = process.cpuUsage();
    started = performance.now();
    await sample();
    const sampler = setInterval(() => void sample(), WINDOW_MS);
    const profiles: Array<Promise<void>> = [];
    const profileTimers: NodeJS.Timeout[] = [];
    if (values.profile !== undefined) {
      for (const w of values['profile-windows'].split(',')) {
        const [from, to] = w.split('-').map(Number) as [number, number];
        profileTimers.push(setTimeout(() => void server.profile(), from * 1000));
        profileTimers.push(
          setTimeout(() => profiles.push(server.profile(`${values.profile}-${from}-${to}.cpuprofile`)), to * 1000),
        );
      }
    }
    const totalFrames = Math.round((SECONDS * 1000) / FRAME_MS);
    let tick = 0;
    let late = 0;
    // Cameras are not in phase: stream i starts `i mod frames-per-fragment` ticks late, so fragment ends spread over
    // the fragment duration. One timer drives every stream: tick t is due at started + t × 40 ms.
    const phase = (i: number): number => i % FRAMES_PER_FRAGMENT;
    const lastTick = totalFrames + Math.min(STREAMS, FRAMES_PER_FRAGMENT) - 1;
    await new Promise<void>((resolve) => {
      const step = (): void => {
        const now = performance.now();
        while (tick < lastTick && started + tick * FRAME_MS <= now) {
          uploads.forEach((u, i) => {
            const frame = tick - phase(i);
            if (frame < 0 || frame >= totalFrames) return;
            const inFragment = frame % FRAMES_PER_FRAGMENT;
            const fragmentTimecode = Math.floor(frame / FRAMES_PER_FRAGMENT) * FRAGMENT_MS;
            if (inFragment === 0) {
              if (frame > 0) u.closedAt.set(fragmentTimecode - FRAGMENT_MS, performance.now());
              u.req.write(clusterStart(fragmentTimecode));
              u.req.write(key);
              u.bytes += key.length;
            } else {
              const copy = Buffer.from(delta);
              copy.writeInt16BE(Math.round(inFragment * FRAME_MS), deltaRelAt);
              u.req.write(copy);
              u.bytes += copy.length;
            }
            // The stream's last fragment is complete when its body ends.
            if (frame === totalFrames - 1) {
              u.closedAt.set(fragmentTimecode, performance.now());
              u.req.end();
            }
          });
          tick++;
        }
        if (tick >= lastTick) {
          resolve();
          return;
        }
        if (performance.now() - (started + tick * FRAME_MS) > FRAME_MS) late++;
        setTimeout(step, Math.max(0, started + tick * FRAME_MS - performance.now()));
      };
      step();
    });
    const sendSeconds = (performance.now() - started) / 1000;
    await Promise.all(
      uploads.map(
        (u) =>
          new Promise<void>((resolve) => {
            if (u.done) resolve();
            else u.onDone = resolve;
          }),
      ),
    );
    clearInterval(sampler);
    for (const t of profileTimers) clearTimeout(t);
    await Promise.all(profiles);
    await sample();
    const cpu = process.cpuUsage(cpuStart);
    const fragmentsPerStream = Math.ceil(totalFrames / FRAMES_PER_FRAGMENT);
    const sustained = uploads.filter((u) => u.errors === 0 && u.persisted === fragmentsPerStream).length;
    const bytes = uploads.reduce((n, u) => n + u.bytes, 0);
    latencies.sort((a, b) => a - b);
    console.log(
      `video: ${STREAMS} streams × ${MBPS} Mbit/s, ${FRAGMENT_MS} ms fragments, ${SECONDS} s, durability always`,
    );
    console.log(`  streams sustained (every fragment PERSISTED): ${sustained}/${STREAMS}`);
    console.log(
      `  ingest: ${(bytes / 1e6 / sendSeconds).toFixed(1)} MB/s over ${sendSeconds.toFixed(1)} s (streams start up to one fragment apart), ${((bytes * 8) / 1e6 / STREAMS / SECONDS).toFixed(2)} Mbit/s sent per stream, ${latencies.length} fragments persisted, ${late} late send ticks`,
    );
    console.log(
      `  PERSISTED latency: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${(latencies.at(-1) ?? Number.NaN).toFixed(1)} ms`,
    );
    for (const [line, n] of errorCodes) console.log(`  error ack ×${n}: ${line}`);
    const first = samples[0]!;
    const last = samples.at(-1)!;
    const runSeconds = (last.at - first.at) / 1000;
    const syncs = last.syncs - first.syncs;
    console.log(
      `  storage: ${syncs} fsync/fdatasync calls by the server (${(syncs / runSeconds).toFixed(1)}/s, ${(latencies.length / Math.max(1, syncs)).toFixed(2)} fragments per call)${deviceFigures(first, last)}`,
    );
    console.log(`  per ${WINDOW_MS / 1000} s window (by when fragments were complete on the wire):`);
    for (let i = 1; i < samples.length; i++) {
      const from = samples[i - 1]!;
      const to = samples[i]!;
      const window = closedLatency
        .filter((_, k) => closedAtRun[k]! >= from.at - started && closedAtRun[k]! < to.at - started)
        .sort((a, b) => a - b);
      const seconds = (to.at - from.at) / 1000;
      console.log(
        `    ${((from.at - started) / 1000).toFixed(0).padStart(4)}–${((to.at - started) / 1000).toFixed(0).padEnd(4)} s: ${String(window.length).padStart(4)} fragments, p50 ${percentile(window, 50).toFixed(0)} ms, p99 ${percentile(window, 99).toFixed(0)} ms; ${((to.syncs - from.syncs) / seconds).toFixed(1)} syncs/s, server's event loop stalled up to ${to.loopDelayMs.toFixed(0)} ms, RSS ${(to.serverRssBytes / 1e6).toFixed(0)} MB${schedFigures(from, to)}${deviceFigures(from, to)}`,
      );
    }
    console.log(`  load average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`);
    const serverCores = (last.serverCpuMicros - first.serverCpuMicros) / 1e6 / runSeconds;
    const ownCores = (cpu.user + cpu.system) / 1e6 / sendSeconds;
    console.log(
      SERVER_MODE === 'inline'
        ? `  CPU (server + load generator, one process): ${ownCores.toFixed(2)} cores${schedFigures(first, last, '; server main thread')}`
        : `  CPU: server ${serverCores.toFixed(2)} cores, load generator ${ownCores.toFixed(2)} cores${schedFigures(first, last, '; server main thread')}`,
    );
  } finally {
    control.destroy();
    for (const u of uploads) u.req.destroy();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * The server's main thread between two samples: the share of the time it ran on a CPU and the share it was runnable
 * but waited for one (starved by the machine's other work), or nothing without /proc.
 */
function schedFigures(from: Sample, to: Sample, label = ''): string {
  if (from.sched === undefined || to.sched === undefined) return '';
  const ns = (to.at - from.at) * 1e6;
  const on = (100 * (to.sched.runNs - from.sched.runNs)) / ns;
  const waiting = (100 * (to.sched.waitNs - from.sched.waitNs)) / ns;
  return `${label || ';'} on a CPU ${on.toFixed(0)} %, waiting for one ${waiting.toFixed(0)} %`;
}

/** Device figures between two samples (machine-wide), or nothing when the device is unknown. */
function deviceFigures(from: Sample, to: Sample): string {
  if (from.disk === undefined || to.disk === undefined) return '';
  const seconds = (to.at - from.at) / 1000;
  const mb = (to.disk.bytesWritten - from.disk.bytesWritten) / 1e6;
  const flushes = to.disk.flushes - from.disk.flushes;
  const flushText = Number.isNaN(flushes) ? '' : `, ${(flushes / seconds).toFixed(1)} flushes/s`;
  return `; device (machine-wide): ${(mb / seconds).toFixed(1)} MB/s written${flushText}`;
}

await main();
