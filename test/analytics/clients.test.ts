/**
 * Real clients other than the JS SDK against Analytics: python3-boto3's `kinesisanalytics` and
 * `kinesisanalyticsv2` clients run a create / describe / update / list / tags / delete scenario.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const botoScript = join(here, '..', '..', '..', 'test', 'analytics', 'fixtures', 'boto3_kinesisanalytics.py');
const botoSkip = requireTool('python3-boto3', { cmd: '/usr/bin/python3', args: ['-c', 'import boto3'] });

describe('Analytics with real clients', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ analyticsTransitionMs: 0 });
  });
  after(async () => {
    await t.close();
  });

  it('boto3: v1 and v2 clients over the same application', { skip: botoSkip }, async () => {
    const { stdout } = await run('/usr/bin/python3', [botoScript, t.server.url]);
    assert.equal(stdout.trim(), 'ok');
  });
});
