/**
 * Comments and docs cite AWS documentation or documents inside this repository, never planning notes that
 * live outside it. Walks src/, test/, bench/, scripts/ and docs/ and fails on any citation of such a note:
 * one of the note file names, a bare note name followed by a section sign, or a path under the notes' folder.
 * `docs/architecture.md` is an in-repo document and may be cited.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// Compiled to dist/test/docs/, so the repository root is three levels up.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DIRS = ['src', 'test', 'bench', 'scripts', 'docs'];
const TEXT_FILE = /\.(?:ts|mts|cts|js|mjs|cjs|json|md|txt|ya?ml)$/;

/** The notes' names, without extension (kept out of literal file names so this file does not match itself). */
const NOTES = ['streams', 'firehose', 'analytics', 'video', 'scale-out', 'style', 'testing'];

const RULES: ReadonlyArray<{ readonly what: string; readonly re: RegExp }> = [
  // A note's file name anywhere, also in backticks or inside a path.
  { what: 'note file name', re: new RegExp(`(?<![\\w-])(?:${NOTES.join('|')})\\.md\\b`) },
  // The architecture note's file name followed by a section sign, unless prefixed by `docs/` (the in-repo document).
  { what: 'bare architecture note section', re: /(?<![\w/-])architecture\.md`?\s*§/ },
  // A note cited by name and section sign without its extension.
  { what: 'note section', re: new RegExp(`(?<![\\w/-])(?:${[...NOTES, 'architecture'].join('|')})\\s+§`) },
  // A path into the notes' folder.
  { what: 'notes folder path', re: /(?<![\w-])spec\// },
];

function files(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    if (name === 'node_modules' || name.startsWith('.')) return [];
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : TEXT_FILE.test(name) ? [full] : [];
  });
}

/** Every offending line as `path:line: text (rule)`. */
function findCitations(text: string, path: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { what, re } of RULES) {
      if (re.test(line)) found.push(`${path}:${i + 1}: ${line.trim()} (${what})`);
    }
  });
  return found;
}

describe('comment citations', () => {
  it('the rules flag note citations and allow in-repo documents', () => {
    const md = (name: string) => `${name}.md`;
    for (const bad of [
      `(${md('streams')} §3 step 9)`,
      `see \`${md('streams')}\` §5.6`,
      `${md('style')}`,
      `(${md('testing')} §10)`,
      `${md('scale-out')}`,
      `${md('architecture')} §2`,
      `(docs/principles.md, ${'style'} §4)`,
      `/work/shared/${'spec'}/${md('video')}`,
    ]) {
      assert.notDeepEqual(findCitations(bad, 'x'), [], bad);
    }
    for (const good of [
      '(docs/architecture.md, "Request lifecycle")',
      '(docs/architecture.md §2)',
      'docs/adr/0002-sequence-numbers-and-shard-iterators.md',
      'Kinesis Data Streams Developer Guide, "Quotas and limits"',
      'RFC 9113 §3.4',
      'KPL aggregation format (amazon-kinesis-producer, `aggregation-format.md`)',
      'inspect(value)',
    ]) {
      assert.deepEqual(findCitations(good, 'x'), [], good);
    }
  });

  it('no file in src, test, bench, scripts or docs cites a note outside the repository', () => {
    const found = DIRS.flatMap((dir) => files(join(root, dir))).flatMap((file) =>
      findCitations(readFileSync(file, 'utf8'), relative(root, file).split(sep).join('/')),
    );
    assert.equal(found.length, 0, `cite AWS documentation or an in-repo document instead:\n${found.join('\n')}`);
  });
});
