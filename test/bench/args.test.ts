/**
 * Every benchmark answers `--help` with its options and an unknown option with a message and the usage (exit 2),
 * never a stack trace (bench/shared/args.ts). The scripts are found the way `npm run bench -- <name>` finds them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = fileURLToPath(new URL('../../bench/', import.meta.url));
/** `run` dispatches, `video-server` is the video benchmark's child process, not run by name. */
const NOT_BENCHMARKS = new Set(['run.js', 'video-server.js']);
const scripts = readdirSync(BENCH_DIR).filter((f) => f.endsWith('.js') && !NOT_BENCHMARKS.has(f));

describe('benchmark command lines', () => {
  it('finds the benchmarks', () => {
    assert.ok(scripts.includes('video.js') && scripts.includes('streams.js'), scripts.join(', '));
  });

  for (const script of scripts) {
    it(`${script}: --help prints the usage, an unknown option is refused with it`, () => {
      const help = spawnSync(process.execPath, [`${BENCH_DIR}${script}`, '--help'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /^Usage: npm run bench/);
      const bad = spawnSync(process.execPath, [`${BENCH_DIR}${script}`, '--no-such-option'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(bad.status, 2, bad.stdout);
      assert.match(bad.stderr, /--no-such-option/);
      assert.match(bad.stderr, /Usage: npm run bench/);
      assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});
