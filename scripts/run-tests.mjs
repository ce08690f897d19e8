#!/usr/bin/env node
// Runs every compiled test file under dist/test with node's test runner (Node 20 does not expand
// globs, so the directory is passed and searched recursively). `npm test` builds first (pretest).
// Extra arguments are passed through, e.g. `npm test -- --test-name-pattern=PutRecords`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('dist/test')) {
  console.error('dist/test is missing: run `npm run build` first (npm test does it for you).');
  process.exit(1);
}
const args = ['--test', '--test-reporter=spec', ...process.argv.slice(2), 'dist/test'];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env });
process.exit(result.status ?? 1);
