import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
