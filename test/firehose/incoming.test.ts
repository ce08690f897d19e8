/**
 * The incoming-records seam (src/firehose/incoming.ts) in-process, on the real local backend with small segments
 * and a manual clock: NOW skips what arrived before, a position resumes after a batch, a hold keeps delivered
 * records from being trimmed until it is released, and an unknown delivery stream is ResourceNotFoundException.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFirehoseService, type FirehoseService, type IncomingReader } from '../../src/firehose/index.js';
import { type RequestContext, ServiceError, silentLogger } from '../../src/protocol/index.js';
import type { StorageBackend } from '../../src/storage/index.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import { ManualTimerClock } from '../helpers/timers.js';
import { ROLE } from './helpers.js';

const ACCOUNT = '123456789012';
const ARN = `arn:aws:firehose:us-east-1:${ACCOUNT}:deliverystream/in`;

let dir: string;
let backend: StorageBackend;
let svc: FirehoseService;
const clock = new ManualTimerClock();

function call(operation: string, input: Record<string, unknown>): Promise<any> {
  const ctx: RequestContext = {
    requestId: 'r',
    region: 'us-east-1',
    accountId: ACCOUNT,
    receivedAt: clock.t,
    signal: new AbortController().signal,
  };
  return svc.definition.operations[operation]!.handle(input, ctx) as Promise<any>;
}

/** Puts records `from`..`from + count - 1` (200 bytes each: several 1 KiB segments). */
async function put(from: number, count: number): Promise<void> {
  const Records = Array.from({ length: count }, (_, i) => ({
    Data: Buffer.from(`${String(from + i).padStart(6, '0')}`.padEnd(200, '.')),
  }));
  const out = await call('PutRecordBatch', { DeliveryStreamName: 'in', Records });
  assert.equal(out.FailedPutCount, 0);
}

/** The numbers of the next `count` records a reader returns. */
async function take(reader: IncomingReader, count: number): Promise<{ numbers: number[]; position: string }> {
  const numbers: number[] = [];
  let position = reader.position;
  for await (const batch of reader) {
    for (const r of batch.records) numbers.push(Number(Buffer.from(r.data).subarray(0, 6).toString()));
    position = batch.position;
    if (numbers.length >= count) break;
  }
  return { numbers, position };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trib-fh-incoming-'));
  backend = await openLocalBackend(join(dir, 'storage'), { segmentBytes: 1024 });
  clock.t = Date.UTC(2026, 0, 1);
  svc = await createFirehoseService(backend, {
    region: 'us-east-1',
    accountId: ACCOUNT,
    logger: silentLogger,
    clock,
    objectDir: join(dir, 's3'),
    objects: { async put() {}, close() {} },
    createMs: 0,
    deleteMs: 0,
  });
  await call('CreateDeliveryStream', {
    DeliveryStreamName: 'in',
    ExtendedS3DestinationConfiguration: {
      RoleARN: ROLE,
      BucketARN: 'arn:aws:s3:::b',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
    },
  });
});
after(async () => {
  await svc.close();
  await backend.close();
  await rm(dir, { recursive: true, force: true });
});

describe('reading what a delivery stream receives', () => {
  it('NOW skips earlier records; a position resumes; a hold keeps delivered records until released', async () => {
    await put(0, 5);
    clock.t += 1000;
    const now = await svc.readIncoming(ARN, { start: 'NOW', holder: 'test' });
    const start = now.position;
    await now.hold(start);
    clock.t += 1000;
    await put(5, 20);
    const first = await take(now, 10);
    now.close();
    assert.deepEqual(first.numbers.slice(0, 10), [5, 6, 7, 8, 9, 10, 11, 12, 13, 14], 'NOW starts after records 0–4');

    // Everything is delivered, and delivered segments are trimmed: the hold keeps what follows `start`.
    clock.t += 1000;
    await put(25, 20);
    await svc.flush(ACCOUNT, 'us-east-1', 'in');
    const again = await svc.readIncoming(ARN, { start: { position: start }, holder: 'test' });
    const all = await take(again, 40);
    again.close();
    assert.deepEqual(
      all.numbers,
      Array.from({ length: 40 }, (_, i) => i + 5),
      'held records are all still there',
    );

    const resumed = await svc.readIncoming(ARN, { start: { position: first.position }, holder: 'test' });
    const rest = await take(resumed, 45 - 5 - first.numbers.length);
    resumed.close();
    assert.equal(rest.numbers[0], 5 + first.numbers.length, 'a batch position resumes right after the batch');

    // Released: the next delivery trims the old segments, and the old position starts at a later record.
    await svc.releaseIncoming(ARN, 'test');
    clock.t += 1000;
    await put(45, 20);
    await svc.flush(ACCOUNT, 'us-east-1', 'in');
    const late = await svc.readIncoming(ARN, { start: { position: start }, holder: 'test' });
    const after = await take(late, 1);
    late.close();
    assert.ok(after.numbers[0]! > 5, `trimmed once released (first record now ${after.numbers[0]})`);
  });

  it('an unknown delivery stream is ResourceNotFoundException', async () => {
    await assert.rejects(
      svc.readIncoming(`arn:aws:firehose:us-east-1:${ACCOUNT}:deliverystream/none`, { start: 'NOW', holder: 'x' }),
      (err: unknown) => err instanceof ServiceError && err.code === 'ResourceNotFoundException',
    );
    assert.equal(svc.hasDeliveryStream(ARN), true);
    assert.equal(svc.hasDeliveryStream(`arn:aws:firehose:us-east-1:${ACCOUNT}:deliverystream/none`), false);
  });
});
