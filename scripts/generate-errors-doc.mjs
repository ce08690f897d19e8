#!/usr/bin/env node
// Writes docs/errors.md from the error tables of the service modules the server mounts (composed on a
// throw-away data directory), the common protocol table and the internal codes. `--check` exits 1 when the
// file is out of date. Reads the compiled code in dist/ (run `npm run build` first).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = (path) => new URL(`../dist/src/${path}`, import.meta.url);
const { resolveConfig, renderErrorCatalogue } = await import(dist('server/index.js'));
const { composeServices } = await import(dist('server/compose.js'));
const { silentLogger } = await import(dist('protocol/index.js'));
const { AWS_DIFFERENCES } = await import(dist('streams/index.js'));

const dataDir = mkdtempSync(join(tmpdir(), 'trib-errors-doc-'));
let out;
try {
  const stack = await composeServices(resolveConfig({ dataDir, durability: 'none' }), silentLogger);
  try {
    out = renderErrorCatalogue(stack.modules, AWS_DIFFERENCES);
  } finally {
    await stack.close();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

const target = new URL('../docs/errors.md', import.meta.url);
if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current !== out) {
    console.error('docs/errors.md is out of date: run `npm run build && node scripts/generate-errors-doc.mjs`');
    process.exit(1);
  }
} else {
  writeFileSync(target, out);
  console.log('wrote docs/errors.md');
}
