/**
 * Real clients other than the JS SDK: the Debian `aws` CLI (v2, HTTP/1.1) and `python3-boto3`, each running a
 * create / put / get / describe / delete scenario against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { awsCli, requireTool } from '../helpers/tools.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
// Fixtures are not compiled: read them from the source tree (dist/test/streams → test/streams/fixtures).
const boto3Script = join(here, '..', '..', '..', 'test', 'streams', 'fixtures', 'boto3_scenario.py');

const awsSkip = requireTool('aws CLI', { cmd: '/usr/bin/aws', args: ['--version'] });
const botoSkip = requireTool('python3-boto3', { cmd: '/usr/bin/python3', args: ['-c', 'import boto3'] });

describe('real clients', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  it('aws CLI: create / put / get / describe / delete', { skip: awsSkip }, async () => {
    const aws = awsCli(t.server.url, 'kinesis');
    await aws('create-stream', '--stream-name', 'cli', '--shard-count', '1');
    await aws('wait', 'stream-exists', '--stream-name', 'cli');
    const put = await aws(
      'put-record',
      '--stream-name',
      'cli',
      '--partition-key',
      'k',
      '--data',
      Buffer.from('hello cli').toString('base64'),
    );
    assert.match(put.SequenceNumber, /^\d{56}$/);
    assert.equal(put.ShardId, 'shardId-000000000000');
    const { ShardIterator } = await aws(
      'get-shard-iterator',
      '--stream-name',
      'cli',
      '--shard-id',
      'shardId-000000000000',
      '--shard-iterator-type',
      'TRIM_HORIZON',
    );
    const got = await aws('get-records', '--shard-iterator', ShardIterator);
    assert.equal(got.Records.length, 1);
    assert.equal(Buffer.from(got.Records[0].Data, 'base64').toString(), 'hello cli');
    assert.equal(got.Records[0].SequenceNumber, put.SequenceNumber);
    const d = await aws('describe-stream-summary', '--stream-name', 'cli');
    assert.equal(d.StreamDescriptionSummary.StreamStatus, 'ACTIVE');
    const listed = await aws('list-streams');
    assert.ok(listed.StreamNames.includes('cli'));
    await aws('delete-stream', '--stream-name', 'cli');
    await assert.rejects(aws('describe-stream', '--stream-name', 'cli'), (err: Error & { stderr?: string }) => {
      assert.match(err.stderr ?? '', /ResourceNotFoundException.*Stream cli under account 000000000000 not found\./);
      return true;
    });
  });

  it('boto3: create / put / get / describe / delete', { skip: botoSkip }, async () => {
    const { stdout } = await run('/usr/bin/python3', [boto3Script, t.server.url]);
    assert.match(stdout, /boto3 scenario ok/);
  });
});
