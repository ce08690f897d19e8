/** docs/errors.md must match the error tables it is generated from. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

it('docs/errors.md is generated from the current error tables', () => {
  const r = spawnSync(process.execPath, ['scripts/generate-errors-doc.mjs', '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
