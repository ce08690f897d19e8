/**
 * The server's Node flags are the same wherever users start it (docs/adr/0035-young-generation-size.md): `npm start`,
 * the `tributary` executable (its shebang), and the benchmark's server — so the benchmark measures what users run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SERVER_NODE_FLAGS } from '../../bench/streams/servers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXECUTABLE = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('server Node flags', () => {
  it('npm start, the executable and the benchmark pass the same flags', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> };
    assert.equal(pkg.scripts['start'], `node ${SERVER_NODE_FLAGS.join(' ')} dist/src/cli/main.js serve`);
    const shebang = readFileSync(EXECUTABLE, 'utf8').split('\n', 1)[0];
    assert.equal(shebang, `#!/usr/bin/env -S node ${SERVER_NODE_FLAGS.join(' ')}`);
  });

  it('the executable starts through its shebang (env -S passes the flags to node)', () => {
    chmodSync(EXECUTABLE, 0o755); // npm sets the bit on installed bins; the compiled file may lack it
    const r = spawnSync(EXECUTABLE, ['--version'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\d+\.\d+\.\d+/);
  });
});
