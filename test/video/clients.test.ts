/**
 * Real clients other than the JS SDK against the Kinesis Video control plane: the Debian aws CLI (v2) and
 * python3-boto3, each running a create / describe / list / tag / endpoint / error / delete scenario.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { awsCli, requireTool } from '../helpers/tools.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const botoScript = join(here, '..', '..', '..', 'test', 'video', 'fixtures', 'boto3_kinesisvideo.py');
const awsSkip = requireTool('aws CLI', { cmd: '/usr/bin/aws', args: ['--version'] });
const botoSkip = requireTool('python3-boto3', { cmd: '/usr/bin/python3', args: ['-c', 'import boto3'] });

describe('Kinesis Video with real clients', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  it('aws CLI: create / describe / list / tag / get-data-endpoint / update / delete', { skip: awsSkip }, async () => {
    const aws = awsCli(t.server.url, 'kinesisvideo');
    const created = await aws('create-stream', '--stream-name', 'cli', '--data-retention-in-hours', '2');
    assert.match(created.StreamARN, /^arn:aws:kinesisvideo:us-east-1:000000000000:stream\/cli\/\d+$/);
    const described = await aws('describe-stream', '--stream-name', 'cli');
    assert.equal(described.StreamInfo.StreamARN, created.StreamARN);
    assert.equal(described.StreamInfo.DataRetentionInHours, 2);
    assert.deepEqual(
      (await aws('list-streams')).StreamInfoList.map((s: { StreamName: string }) => s.StreamName),
      ['cli'],
    );
    await aws('tag-stream', '--stream-name', 'cli', '--tags', 'team=video');
    assert.deepEqual((await aws('list-tags-for-stream', '--stream-arn', created.StreamARN)).Tags, { team: 'video' });
    const endpoint = await aws('get-data-endpoint', '--stream-name', 'cli', '--api-name', 'PUT_MEDIA');
    assert.equal(endpoint.DataEndpoint, t.server.url);
    await aws(
      'update-stream',
      '--stream-name',
      'cli',
      '--current-version',
      described.StreamInfo.Version,
      '--media-type',
      'video/h264',
    );
    await assert.rejects(
      aws('update-stream', '--stream-name', 'cli', '--current-version', 'stale', '--device-name', 'd'),
      /VersionMismatchException/,
    );
    await aws('delete-stream', '--stream-arn', created.StreamARN);
    await assert.rejects(
      aws('delete-stream', '--stream-arn', created.StreamARN),
      /ResourceNotFoundException.*The requested stream is not found or not active\./s,
    );
  });

  it('boto3: create / describe / list / tags / endpoint / 404 / channel / delete', { skip: botoSkip }, async () => {
    const { stdout } = await run('/usr/bin/python3', [botoScript, t.server.url]);
    assert.equal(stdout.trim(), `ok ${t.server.url}`);
  });
});
