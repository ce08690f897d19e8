import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kinesisModel } from '../../src/streams/shapes/kinesis.generated.js';

// Compiled to dist/test/protocol/: the repository root is three levels up.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const EXIT_NO_BOTOCORE = 3;
const EXIT_OTHER_BOTOCORE = 4;

test('checked-in generated shapes match a fresh generation from botocore', (t) => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'generate-shapes.mjs'), '--check'], {
    encoding: 'utf8',
  });
  if (r.status === EXIT_NO_BOTOCORE && process.env.CI !== 'true') {
    t.skip('botocore not installed (pip install botocore, or set BOTOCORE_DATA); required when CI=true');
    return;
  }
  if (r.status === EXIT_OTHER_BOTOCORE) {
    // Another botocore release carries another model: regeneration would differ legitimately.
    t.skip(r.stderr.trim());
    return;
  }
  assert.equal(r.status, 0, `generate-shapes --check failed:\n${r.stderr}`);
});

test('--check fails when any generated file would change, the types file included', (t) => {
  // A copy of the generator and its outputs in a scratch tree (the script finds the tree from its own path).
  const root = mkdtempSync(join(tmpdir(), 'generate-shapes-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const dir of [
    'scripts',
    'src/streams/shapes',
    'src/firehose/shapes',
    'src/video/shapes',
    'src/analytics/shapes',
  ])
    cpSync(join(ROOT, dir), join(root, dir), { recursive: true });
  const check = () =>
    spawnSync(process.execPath, [join(root, 'scripts', 'generate-shapes.mjs'), '--check'], { encoding: 'utf8' });
  const first = check();
  if (first.status === EXIT_NO_BOTOCORE || first.status === EXIT_OTHER_BOTOCORE) {
    t.skip('botocore missing or another release (see the test above)');
    return;
  }
  assert.equal(first.status, 0, first.stderr);
  const types = join(root, 'src/streams/shapes/kinesis-types.generated.ts');
  const text = readFileSync(types, 'utf8');
  writeFileSync(types, text.replace('ShardId: string;', 'ShardId?: string;'));
  const edited = check();
  assert.equal(edited.status, 1);
  assert.match(edited.stderr, /kinesis-types\.generated\.ts is out of date/);
  unlinkSync(types);
  assert.equal(check().status, 1, 'a missing generated file is a difference too');
});

test('kinesis model carries constraints, required members and AWS orders', () => {
  assert.equal(kinesisModel.metadata.targetPrefix, 'Kinesis_20131202');
  assert.deepEqual(kinesisModel.shapes['StreamName'], { type: 'string', pattern: '[a-zA-Z0-9_.-]+', min: 1, max: 128 });
  const entry = kinesisModel.shapes['PutRecordsRequestEntry'];
  assert.ok(entry?.type === 'structure');
  assert.deepEqual(Object.keys(entry.members), ['Data', 'ExplicitHashKey', 'PartitionKey']);
  assert.deepEqual(entry.validationOrder, ['PartitionKey', 'ExplicitHashKey', 'Data']);
  assert.deepEqual(entry.required, ['Data', 'PartitionKey']);
  const put = kinesisModel.operations['PutRecords'];
  assert.equal(put?.input, 'PutRecordsInput');
  assert.ok(put?.errors.includes('ProvisionedThroughputExceededException'));
});
