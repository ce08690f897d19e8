/** The compiled `tributary` CLI, spawned as users run it. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONFIG_OPTIONS } from '../../src/server/index.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// Keep TRIBUTARY_* settings of the caller's shell out of the children.
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TRIBUTARY_')));

function cli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...ENV, ...env }, timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('tributary CLI', () => {
  it('--help prints usage to stdout and exits 0', () => {
    for (const flag of ['--help', '-h']) {
      const r = cli([flag]);
      assert.equal(r.status, 0);
      assert.match(r.stdout, /Usage: tributary <command>/);
      assert.match(r.stdout, /serve/);
    }
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = cli(['--version']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  it('serve --help lists every flag with its environment variable', () => {
    const r = cli(['serve', '--help']);
    assert.equal(r.status, 0);
    for (const option of CONFIG_OPTIONS) {
      assert.ok(r.stdout.includes(`--${option.flag} `), `missing --${option.flag}`);
      assert.ok(r.stdout.includes(option.env), `missing ${option.env}`);
    }
  });

  it('exits 2 with a message on stderr for bad usage', () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [[], {}, /Usage: tributary/],
      [['launch'], {}, /unknown command 'launch'/],
      [['serve', '--port', 'abc'], {}, /Invalid --port/],
      [['serve', '--bogus'], {}, /Unknown option '--bogus'/],
      [['serve'], { TRIBUTARY_DURABILITY: 'maybe' }, /Invalid TRIBUTARY_DURABILITY/],
    ];
    for (const [args, env, message] of cases) {
      const r = cli(args, env);
      assert.equal(r.status, 2, `${args.join(' ')} exited ${r.status}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  });

  it('serve starts, answers requests, and stops gracefully on SIGTERM with exit 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-cli-'));
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dir, '--create-stream-ms', '0'], {
      env: ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let url: string | undefined;
      for await (const line of createInterface({ input: child.stdout })) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (typeof entry['url'] === 'string') {
          url = entry['url'];
          break;
        }
      }
      assert.ok(url, 'no start-up line');
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': 'Kinesis_20131202.ListStreams',
          Authorization:
            'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=x',
          'X-Amz-Date': '20261125T120000Z',
        },
        body: '{}',
      });
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as { StreamNames: unknown }).StreamNames, []);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
