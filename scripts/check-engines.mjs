#!/usr/bin/env node
// Fails when an installed package declares an `engines.node` range that excludes this Node version
// (several new releases need Node 22+; the project runs on Node 20).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [major, minor] = process.versions.node.split('.').map(Number);

/** Tiny check of common range forms: ">=X[.Y]", "^X", "X || Y", ">=X <Y". Unknown forms pass. */
function satisfies(range) {
  return range.split('||').some((alt) => {
    const parts = alt
      .trim()
      .replace(/([<>]=?|[~^])\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    return parts.every((p) => {
      const m = /^(>=|>|<=|<|\^|~)?v?(\d+)(?:\.(\d+|x))?/.exec(p);
      if (!m) return true;
      const [, op = '', a, b] = m;
      const M = Number(a);
      const m2 = b === undefined || b === 'x' ? 0 : Number(b);
      const cmp = major !== M ? major - M : minor - m2;
      switch (op) {
        case '>=':
          return cmp >= 0;
        case '>':
          return cmp > 0;
        case '<=':
          return cmp <= 0;
        case '<':
          return cmp < 0;
        case '^':
        case '~':
        case '':
          return major === M && cmp >= 0;
        default:
          return true;
      }
    });
  });
}

const bad = [];
function walk(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const full = join(dir, name);
    if (name.startsWith('@')) {
      walk(full);
      continue;
    }
    const pkgFile = join(full, 'package.json');
    if (existsSync(pkgFile)) {
      try {
        const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
        const range = pkg.engines?.node;
        if (typeof range === 'string' && !satisfies(range)) bad.push(`${pkg.name}@${pkg.version} needs node ${range}`);
      } catch {
        /* not a package */
      }
    }
    walk(join(full, 'node_modules'));
  }
}
walk('node_modules');
if (bad.length) {
  console.error(`Packages incompatible with Node ${process.versions.node}:\n  ${bad.join('\n  ')}`);
  process.exit(1);
}
console.log(`engines: every installed package accepts Node ${process.versions.node}`);
