/**
 * Failed deliveries into a real S3-compatible server (s3rver, in-process): the Firehose module runs on the local
 * backend with a manual clock and writes to s3rver, which is missing the bucket or stopped. Delivery is retried
 * every 5 seconds ("Handle data delivery failure"), reports AWS's `S3.<code>` error code when S3 answered, writes
 * nothing to the error output (AWS writes none for a failed S3 delivery), and delivers every acknowledged record
 * once S3 is back. Past the retention window the data is discarded, as AWS discards it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { type DeliveryEvent, type FirehoseService, createFirehoseService } from '../../src/firehose/index.js';
import { silentLogger, type RequestContext } from '../../src/protocol/index.js';
import type { StorageBackend } from '../../src/storage/index.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import { ManualTimerClock } from '../helpers/timers.js';
import { ROLE, waitFor } from './helpers.js';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let dir: string;
let s3rver: S3rverInstance;
let port: number;
let s3: S3Client;
let backend: StorageBackend;
let clock: ManualTimerClock;
let events: DeliveryEvent[];
let svc: FirehoseService;

function startS3rver(onPort = 0): Promise<{ port: number }> {
  s3rver = new S3rver({
    port: onPort,
    address: '127.0.0.1',
    directory: join(dir, 's3rver'),
    silent: true,
    configureBuckets: [{ name: 'lake' }],
  });
  return s3rver.run();
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trib-fh-s3fail-'));
  ({ port } = await startS3rver());
  s3 = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: REGION,
    forcePathStyle: true,
    credentials: CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  backend = await openLocalBackend(join(dir, 'storage'));
  clock = new ManualTimerClock();
  events = [];
  svc = await createFirehoseService(backend, {
    region: REGION,
    accountId: ACCOUNT,
    logger: silentLogger,
    clock,
    objectDir: join(dir, 'unused'),
    s3: { endpoint: `http://127.0.0.1:${port}`, ...CREDENTIALS },
    createMs: 0,
    deleteMs: 0,
    retryWindowMs: 60_000,
    onEvent: (e) => events.push(e),
  });
});
afterEach(async () => {
  await svc.close();
  await backend.close();
  s3.destroy();
  await s3rver.close();
  await rm(dir, { recursive: true, force: true });
});

function call(operation: string, input: Record<string, unknown>): Promise<any> {
  const ctx: RequestContext = {
    requestId: 'r',
    region: REGION,
    accountId: ACCOUNT,
    receivedAt: clock.t,
    signal: new AbortController().signal,
  };
  return svc.definition.operations[operation]!.handle(input, ctx) as Promise<any>;
}

async function createStream(name: string, bucket: string): Promise<void> {
  await call('CreateDeliveryStream', {
    DeliveryStreamName: name,
    ExtendedS3DestinationConfiguration: {
      RoleARN: ROLE,
      BucketARN: `arn:aws:s3:::${bucket}`,
      Prefix: 'data/',
      ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
    },
  });
}

async function bodies(bucket: string, prefix = ''): Promise<string[]> {
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const out: string[] = [];
  for (const o of list.Contents ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
    out.push(await got.Body!.transformToString());
  }
  return out;
}

const retries = () => events.filter((e): e is Extract<DeliveryEvent, { type: 'retry' }> => e.type === 'retry');
const retried = (n: number) => () => (retries().length >= n ? true : undefined);

describe('Firehose S3 delivery failures against s3rver', () => {
  it('retries a missing bucket every 5 seconds with S3.NoSuchBucket, then delivers once the bucket exists', async () => {
    await createStream('nb', 'late');
    await call('PutRecordBatch', {
      DeliveryStreamName: 'nb',
      Records: [{ Data: Buffer.from('one\n') }, { Data: Buffer.from('two\n') }],
    });
    const flushed = svc.flush(ACCOUNT, REGION, 'nb');
    await waitFor(retried(1));
    assert.equal(retries()[0]!.errorCode, 'S3.NoSuchBucket');
    await clock.advance(4_999);
    assert.equal(retries().length, 1, 'no attempt before 5 seconds');
    await clock.advance(1);
    await waitFor(retried(2));
    await s3.send(new CreateBucketCommand({ Bucket: 'late' }));
    await clock.advance(5_000);
    await flushed;
    assert.deepEqual(await bodies('late', 'data/'), ['one\ntwo\n']);
    assert.deepEqual(await bodies('late', 'errors/'), [], 'no error output for an S3 delivery failure');
    assert.ok(!events.some((e) => e.type === 'discarded'));
  });

  it('keeps the records while S3 is down and delivers them when it is back on the same endpoint', async () => {
    await createStream('down', 'lake');
    await s3rver.close();
    await call('PutRecord', { DeliveryStreamName: 'down', Record: { Data: Buffer.from('kept\n') } });
    const flushed = svc.flush(ACCOUNT, REGION, 'down');
    await waitFor(retried(1));
    assert.equal(retries()[0]!.errorCode, undefined, 'no S3 error code without an answer');
    await clock.advance(5_000);
    await waitFor(retried(2));
    await startS3rver(port);
    await clock.advance(5_000);
    await flushed;
    assert.deepEqual(await bodies('lake', 'data/'), ['kept\n']);
  });

  it('discards the data once the retention window since its arrival has passed, then delivers new records', async () => {
    await createStream('gone', 'missing');
    await call('PutRecord', { DeliveryStreamName: 'gone', Record: { Data: Buffer.from('lost\n') } });
    const flushed = svc.flush(ACCOUNT, REGION, 'gone');
    for (let i = 1; !events.some((e) => e.type === 'discarded'); i++) {
      await waitFor(() => (retries().length >= i || events.some((e) => e.type === 'discarded') ? true : undefined));
      await clock.advance(5_000);
    }
    await flushed;
    const discarded = events.find((e) => e.type === 'discarded') as Extract<DeliveryEvent, { type: 'discarded' }>;
    assert.equal(discarded.errorCode, 'S3.NoSuchBucket');
    assert.equal(retries().length, 60_000 / 5_000, 'one attempt every 5 s until the window ends');
    await s3.send(new CreateBucketCommand({ Bucket: 'missing' }));
    await call('PutRecord', { DeliveryStreamName: 'gone', Record: { Data: Buffer.from('next\n') } });
    await svc.flush(ACCOUNT, REGION, 'gone');
    assert.deepEqual(await bodies('missing', 'data/'), ['next\n']);
  });
});
