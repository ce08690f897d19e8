/**
 * Entry point of `npm run bench -- <name> [options]`: dispatches to one benchmark. `streams` runs
 * in-process; any other name runs `dist/bench/<name>.js` as a child with the remaining arguments, so
 * benchmarks added later need no change here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStreamsBench } from './streams/main.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const [name, ...rest] = process.argv.slice(2);

/** Benchmarks runnable by name: `streams` plus every other top-level script next to this one. */
function available(): string[] {
  const others = readdirSync(here)
    .filter((f) => f.endsWith('.js') && f !== 'run.js' && f !== 'streams.js')
    .map((f) => f.slice(0, -3));
  return ['streams', ...others];
}

if (name === undefined || name === '--help' || name === '-h') {
  process.stdout.write(`Usage: npm run bench -- <benchmark> [options]\nBenchmarks: ${available().join(', ')}\n`);
  process.exitCode = name === undefined ? 2 : 0;
} else if (name === 'streams') {
  process.exitCode = await runStreamsBench(rest);
} else if (/^[a-z0-9-]+$/.test(name) && existsSync(path.join(here, `${name}.js`))) {
  const result = spawnSync(process.execPath, [path.join(here, `${name}.js`), ...rest], { stdio: 'inherit' });
  process.exitCode = result.status ?? 1;
} else {
  process.stderr.write(`Unknown benchmark '${name}'. Benchmarks: ${available().join(', ')}\n`);
  process.exitCode = 2;
}
