#!/usr/bin/env node
// Runs every compiled test file (*.test.js) under dist/test with node's test runner (Node 20 does not
// expand globs, so the files are listed here). `npm test` builds first (pretest).
// Extra arguments are passed through, e.g. `npm test -- --test-name-pattern=PutRecords`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

if (!existsSync('dist/test')) {
  console.error('dist/test is missing: run `npm run build` first (npm test does it for you).');
  process.exit(1);
}
// Only *.test.js files are tests; helpers and fixtures (child-process scripts) live beside them.
function testFiles(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = join(dir, name);
      return statSync(full).isDirectory() ? testFiles(full) : name.endsWith('.test.js') ? [full] : [];
    });
}
const args = ['--test', '--test-reporter=spec', ...process.argv.slice(2), ...testFiles('dist/test')];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env });
process.exit(result.status ?? 1);
