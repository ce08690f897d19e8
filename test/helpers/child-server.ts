/** A Tributary server in a child process, for tests that kill it (`SIGKILL`) and start it again. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kinesisCall } from './raw.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

/**
 * Starts `tributary serve` on `port` with `dataDir` (plus `args`) and resolves once it answers ListStreams;
 * rejects with the child's stderr when it exits or does not come up.
 */
export async function startServerProcess(dataDir: string, port: number, args: string[] = []): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn', ...args],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early: ${stderr}`);
    try {
      if ((await kinesisCall(url, 'ListStreams', {})).status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not start: ${stderr}`);
}
