/**
 * Real clients other than the JS SDK against Firehose: the Debian aws CLI (v2) and python3-boto3, each running a
 * create / put / describe / list scenario; delivered bytes are checked in the embedded directory.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { UpdateDestinationCommand } from '@aws-sdk/client-firehose';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { awsCli, requireTool } from '../helpers/tools.js';
import { firehoseClient, listObjects, pythonSnappy, snappySkip, waitFor } from './helpers.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const botoScript = join(here, '..', '..', '..', 'test', 'firehose', 'fixtures', 'boto3_firehose.py');
const awsSkip = requireTool('aws CLI', { cmd: '/usr/bin/aws', args: ['--version'] });
const botoSkip = requireTool('python3-boto3', { cmd: '/usr/bin/python3', args: ['-c', 'import boto3'] });

describe('Firehose with real clients', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  it('aws CLI: create / put-record / put-record-batch / describe / list / delete', { skip: awsSkip }, async () => {
    const aws = awsCli(t.server.url, 'firehose');
    const created = await aws(
      'create-delivery-stream',
      '--delivery-stream-name',
      'cli',
      '--extended-s3-destination-configuration',
      'RoleARN=arn:aws:iam::000000000000:role/r,BucketARN=arn:aws:s3:::cli,BufferingHints={SizeInMBs=1,IntervalInSeconds=60}',
    );
    assert.equal(created.DeliveryStreamARN, 'arn:aws:firehose:us-east-1:000000000000:deliverystream/cli');
    const put = await aws(
      'put-record',
      '--delivery-stream-name',
      'cli',
      '--record',
      `Data=${Buffer.from('hello ').toString('base64')}`,
    );
    assert.equal(typeof put.RecordId, 'string');
    const batch = await aws(
      'put-record-batch',
      '--delivery-stream-name',
      'cli',
      '--records',
      JSON.stringify([{ Data: Buffer.from('cli').toString('base64') }, { Data: Buffer.from('\n').toString('base64') }]),
    );
    assert.equal(batch.FailedPutCount, 0);
    const described = await aws('describe-delivery-stream', '--delivery-stream-name', 'cli');
    assert.equal(described.DeliveryStreamDescription.DeliveryStreamStatus, 'ACTIVE');
    assert.ok((await aws('list-delivery-streams')).DeliveryStreamNames.includes('cli'));
    // This CLI's model requires IntervalInSeconds ≥ 60: switch to 0 with the SDK to see the delivery now.
    const fh = firehoseClient(t.server.url);
    await fh.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: 'cli',
        CurrentDeliveryStreamVersionId: '1',
        DestinationId: 'destinationId-000000000001',
        ExtendedS3DestinationUpdate: { BufferingHints: { IntervalInSeconds: 0 } },
      }),
    );
    fh.destroy();
    const body = await waitFor(async () => {
      const objs = await listObjects(join(t.dataDir, 's3', 'cli'));
      return objs.size > 0 ? Buffer.concat([...objs.values()]).toString() : undefined;
    });
    assert.equal(body, 'hello cli\n');
    await aws('delete-delivery-stream', '--delivery-stream-name', 'cli');
    await assert.rejects(aws('describe-delivery-stream', '--delivery-stream-name', 'cli'), /ResourceNotFoundException/);
  });

  it('aws CLI: Snappy objects, encryption start/stop, a type change without the required members', {
    skip: awsSkip || snappySkip(),
  }, async () => {
    const aws = awsCli(t.server.url, 'firehose');
    await aws(
      'create-delivery-stream',
      '--delivery-stream-name',
      'clisnappy',
      '--extended-s3-destination-configuration',
      'RoleARN=arn:aws:iam::000000000000:role/r,BucketARN=arn:aws:s3:::clisnappy,CompressionFormat=Snappy,BufferingHints={SizeInMBs=1,IntervalInSeconds=60}',
    );
    await aws(
      'start-delivery-stream-encryption',
      '--delivery-stream-name',
      'clisnappy',
      '--delivery-stream-encryption-configuration-input',
      'KeyType=AWS_OWNED_CMK',
    );
    const described = await aws('describe-delivery-stream', '--delivery-stream-name', 'clisnappy');
    assert.deepEqual(described.DeliveryStreamDescription.DeliveryStreamEncryptionConfiguration, {
      KeyType: 'AWS_OWNED_CMK',
      Status: 'ENABLED',
    });
    const put = await aws(
      'put-record',
      '--delivery-stream-name',
      'clisnappy',
      '--record',
      `Data=${Buffer.from('snappy from the cli\n').toString('base64')}`,
    );
    assert.equal(put.Encrypted, true);
    await aws('stop-delivery-stream-encryption', '--delivery-stream-name', 'clisnappy');
    await assert.rejects(
      aws(
        'update-destination',
        '--delivery-stream-name',
        'clisnappy',
        '--current-delivery-stream-version-id',
        '1',
        '--destination-id',
        'destinationId-000000000001',
        '--http-endpoint-destination-update',
        'EndpointConfiguration={Url=http://127.0.0.1:9/}',
      ),
      /InvalidArgumentException/,
    );
    const fh = firehoseClient(t.server.url);
    await fh.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: 'clisnappy',
        CurrentDeliveryStreamVersionId: '1',
        DestinationId: 'destinationId-000000000001',
        ExtendedS3DestinationUpdate: { BufferingHints: { IntervalInSeconds: 0 } },
      }),
    );
    fh.destroy();
    const objs = await waitFor(async () => {
      const o = await listObjects(join(t.dataDir, 's3', 'clisnappy'));
      return o.size > 0 ? o : undefined;
    });
    const [key, body] = [...objs][0]!;
    assert.match(key, /\.snappy$/);
    assert.equal((await pythonSnappy('framed', body)).toString(), 'snappy from the cli\n');
  });

  it('boto3: create / put_record_batch / describe / list / delivered bytes', { skip: botoSkip }, async () => {
    const { stdout } = await run('/usr/bin/python3', [botoScript, t.server.url, join(t.dataDir, 's3')]);
    assert.equal(stdout.trim(), String('hello boto3\n'.length));
  });
});
