/**
 * Issue 12 asks every Data Streams operation to work on the NATS backend. The SDK suites that test them run once more
 * here, on a real 3-node JetStream cluster: a child `node --test` of those files with `TRIBUTARY_TEST_STORAGE` set,
 * so each of their servers keeps its data in the cluster (test/helpers/server.ts). Left out: the suites that read the
 * embedded log's files (encryption) or depend on the local rate bucket's timing (limits).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type NatsCluster, natsServerMissing, startNatsCluster } from '../storage/nats-harness.js';

const SUITES = ['sdk', 'resharding', 'fan-out', 'fan-out-cbor', 'clients', 'kpl', 'kinesalite-parity'].map((name) =>
  fileURLToPath(new URL(`./${name}.test.js`, import.meta.url)),
);

const skip = natsServerMissing();

/** Runs `node --test` on `files` with `env` added; resolves with its exit code and output. */
function runSuites(files: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // The runner marks the processes it starts for test files (NODE_TEST_CONTEXT); a nested runner that inherits the
    // mark reports to its parent's protocol instead of running as a runner of its own.
    const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
    const child = spawn(process.execPath, ['--test', '--test-reporter=tap', ...files], {
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('Data Streams SDK suites on the NATS backend', { skip }, () => {
  let cluster: NatsCluster;
  before(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('pass with every server keeping its data in a 3-node JetStream cluster', async () => {
    const { code, output } = await runSuites(SUITES, { TRIBUTARY_TEST_STORAGE: cluster.storageUrl });
    const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(output)?.[1] ?? Number.NaN);
    const failures = output.split('\n').filter((l) => /^\s*not ok /.test(l));
    assert.equal(code, 0, `${failures.join('\n')}\n${output.slice(-4000)}`);
    assert.equal(count('fail'), 0);
    assert.ok(count('pass') > 0, 'the suites ran');
    // And their servers kept their data in the cluster: JetStream streams of theirs exist in a node's store
    // (`<store_dir>/jetstream/<account>/streams/<stream>`, nats-server's file store).
    const streams = ['n1', 'n2', 'n3'].flatMap((node) => {
      try {
        return readdirSync(join(cluster.dataDir, node, 'jetstream', '$G', 'streams'));
      } catch {
        return [];
      }
    });
    assert.ok(
      streams.some((name) => name.startsWith('KV_') && name.endsWith('_meta')),
      streams.join(', '),
    );
  });
});
