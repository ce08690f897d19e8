/**
 * The server half of `npm run bench:video` with `--server process` (the default; docs/adr/0043): a Tributary
 * server in a process of its own, so that the load generator, which stands for cameras on other machines, does not
 * share the server's event loop. Started by bench/video.ts with `fork(…, [dataDir])`; it answers over the IPC
 * channel:
 *
 *   → { kind: 'ready', url }                 once listening
 *   ← { kind: 'sample' }  → { kind: 'sample', syncs, loopDelayMs, cpuMicros, rssBytes }
 *                                            fdatasync/fsync calls so far (counted by ./shared/sync-calls.ts, in the
 *                                            benchmark only), the longest event-loop delay since the previous
 *                                            sample, this process's CPU time and resident set size
 *   ← { kind: 'profile-start' }              starts V8's CPU profiler in this process (`--profile`)
 *   ← { kind: 'profile-stop', path }  → { kind: 'profiled' }
 *                                            stops it and writes the profile to `path` (a .cpuprofile file)
 *   ← { kind: 'stop' }                       closes the server and the channel
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { silentLogger } from '../src/protocol/index.js';
import { startServer } from '../src/server/index.js';
import { countSyncCalls, syncCalls } from './shared/sync-calls.js';

export interface ServerSample {
  readonly kind: 'sample';
  readonly syncs: number;
  readonly loopDelayMs: number;
  readonly cpuMicros: number;
  /** Resident set size now, bytes: memory the server keeps shows as a growing RSS (ADR 0046). */
  readonly rssBytes: number;
}

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (dataDir === undefined || process.send === undefined) throw new Error('started by bench/video.js only');
  await countSyncCalls();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const server = await startServer(
    { port: 0, dataDir, durability: 'always', audit: 'off', videoCreateMs: 0, logLevel: 'silent' },
    { logger: silentLogger },
  );
  let profiler: Session | undefined;
  process.on('message', (message: { kind: string; path?: string }) => {
    if (message.kind === 'profile-start' && profiler === undefined) {
      profiler = new Session();
      profiler.connect();
      void profiler.post('Profiler.enable').then(() => profiler?.post('Profiler.start'));
    } else if (message.kind === 'profile-stop' && profiler !== undefined && message.path !== undefined) {
      const session = profiler;
      const path = message.path;
      profiler = undefined;
      void session
        .post('Profiler.stop')
        .then(({ profile }) => writeFile(path, JSON.stringify(profile)))
        .finally(() => {
          session.disconnect();
          process.send?.({ kind: 'profiled' });
        });
    } else if (message.kind === 'sample') {
      const cpu = process.cpuUsage();
      const sample: ServerSample = {
        kind: 'sample',
        syncs: syncCalls(),
        loopDelayMs: loopDelay.max / 1e6,
        cpuMicros: cpu.user + cpu.system,
        rssBytes: process.memoryUsage.rss(),
      };
      loopDelay.reset();
      process.send?.(sample);
    } else if (message.kind === 'stop') {
      void server.close().finally(() => process.disconnect());
    }
  });
  process.send({ kind: 'ready', url: server.url });
}

await main();
