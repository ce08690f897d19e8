/**
 * Enforces the architecture's boundary rules (docs/principles.md, principle 5) by reading every import in src/:
 * - an area is imported by other areas only through its `index.ts`;
 * - protocol imports nothing else of src/; auth only protocol; the storage interface no backend;
 * - services use the storage interface, never a concrete backend, the server or the CLI;
 * - only src/server chooses a backend; the CLI goes through the server; @nats-io/* only in src/storage/nats.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const srcDir = join(root, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

interface Edge {
  from: string; // path relative to src, posix
  spec: string;
  to?: string; // resolved path relative to src for relative imports
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of files(srcDir)) {
    const text = readFileSync(file, 'utf8');
    const from = relative(srcDir, file).split(sep).join('/');
    for (const m of text.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      const edge: Edge = { from, spec };
      if (spec.startsWith('.'))
        edge.to = relative(srcDir, resolve(dirname(file), spec))
          .split(sep)
          .join('/')
          .replace(/\.js$/, '.ts');
      out.push(edge);
    }
  }
  return out;
}

/** The area of a path: `storage/local` and `storage/nats` are areas of their own. */
function area(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'storage' && (parts[1] === 'local' || parts[1] === 'nats')) return `storage/${parts[1]}`;
  return parts.length > 1 ? parts[0]! : '(root)';
}

const allowed: Record<string, string[]> = {
  errors: [],
  protocol: ['errors'],
  auth: ['errors', 'protocol'],
  storage: ['errors'],
  'storage/local': ['errors', 'storage'],
  'storage/nats': ['errors', 'storage'],
  jobs: ['errors', 'protocol', 'storage'],
  streams: ['errors', 'protocol', 'auth', 'storage', 'jobs'],
  firehose: ['errors', 'protocol', 'auth', 'storage', 'jobs', 'streams'],
  analytics: ['errors', 'protocol', 'auth', 'storage', 'jobs', 'streams', 'firehose'],
  video: ['errors', 'protocol', 'auth', 'storage', 'jobs'],
  server: [
    'errors',
    'protocol',
    'auth',
    'storage',
    'storage/local',
    'storage/nats',
    'jobs',
    'streams',
    'firehose',
    'analytics',
    'video',
  ],
  cli: ['errors', 'server', 'protocol'],
  '(root)': ['errors', 'server', 'protocol'],
};

describe('architecture boundaries', () => {
  const all = edges();

  it('finds the source files', () => {
    assert.ok(all.length > 20);
  });

  it('each area imports only the areas it may', () => {
    const bad: string[] = [];
    for (const e of all) {
      if (!e.to) continue;
      const a = area(e.from);
      const b = area(e.to);
      if (a === b) continue;
      if (!(allowed[a] ?? []).includes(b)) bad.push(`${e.from} → ${e.spec} (${a} may not import ${b})`);
    }
    assert.deepEqual(bad, []);
  });

  it('other areas import an area only through its index.ts', () => {
    const bad: string[] = [];
    for (const e of all) {
      if (!e.to) continue;
      const a = area(e.from);
      const b = area(e.to);
      if (a === b) continue;
      const door = b === '(root)' ? 'index.ts' : `${b}/index.ts`;
      if (e.to !== door) bad.push(`${e.from} → ${e.spec} (use ${door})`);
    }
    assert.deepEqual(bad, []);
  });

  it('@nats-io/* is imported only in src/storage/nats', () => {
    const bad = all.filter((e) => e.spec.startsWith('@nats-io/') && area(e.from) !== 'storage/nats').map((e) => e.from);
    assert.deepEqual(bad, []);
  });

  it('the NATS backend uses only Node built-ins and the pinned @nats-io client packages', () => {
    const client = ['@nats-io/transport-node', '@nats-io/jetstream', '@nats-io/kv'];
    const bad = all
      .filter((e) => area(e.from) === 'storage/nats')
      .filter((e) => !e.spec.startsWith('.') && !e.spec.startsWith('node:') && !client.includes(e.spec))
      .map((e) => `${e.from} → ${e.spec}`);
    assert.deepEqual(bad, []);
  });

  it('protocol and the storage interface use only Node built-ins and their chosen codec libraries', () => {
    const codecLibs = ['cbor-x', '@smithy/eventstream-codec'];
    const bad = all
      .filter((e) => ['protocol', 'storage', 'storage/local'].includes(area(e.from)))
      .filter((e) => !e.spec.startsWith('.') && !e.spec.startsWith('node:') && !codecLibs.includes(e.spec))
      .map((e) => `${e.from} → ${e.spec}`);
    assert.deepEqual(bad, []);
  });
});
