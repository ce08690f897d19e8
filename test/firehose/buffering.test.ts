/**
 * Buffering and delivery rules in-process, on the real local backend with a manual clock (nothing sleeps
 * through an interval): the interval and size triggers, the flush hook, retries of a failing destination,
 * back-pressure at the buffer cap, and the status timers.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type DeliveryEvent, type FirehoseService, createFirehoseService } from '../../src/firehose/index.js';
import { silentLogger, type RequestContext } from '../../src/protocol/index.js';
import { type StorageBackend, scopeMeta } from '../../src/storage/index.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import { createStreamsService, type StreamsService } from '../../src/streams/index.js';
import { ManualTimerClock } from '../helpers/timers.js';
import { ROLE, waitFor } from './helpers.js';

const ACCOUNT = '123456789012';

interface Harness {
  readonly svc: FirehoseService;
  readonly clock: ManualTimerClock;
  readonly events: DeliveryEvent[];
  readonly puts: Array<{ bucket: string; key: string; body: Buffer }>;
  /** Makes the object store fail while true. */
  failing: boolean;
  call(operation: string, input: Record<string, unknown>): Promise<any>;
}

let dir: string;
let backend: StorageBackend;
let h: Harness;

interface OpenOptions {
  readonly bufferCapBytes?: number;
  readonly createMs?: number;
  readonly deleteMs?: number;
  readonly sseMs?: number;
  readonly sseCallsPerDay?: number;
  readonly putLimits?: { requestsPerSecond?: number; recordsPerSecond?: number; bytesPerSecond?: number };
  /** Reads Kinesis streams of this Data Streams service (KinesisStreamAsSource). */
  readonly streams?: StreamsService;
}

async function open(options: OpenOptions = {}): Promise<Harness> {
  const clock = new ManualTimerClock();
  const events: DeliveryEvent[] = [];
  const puts: Harness['puts'] = [];
  const harness = {
    clock,
    events,
    puts,
    failing: false,
  } as { -readonly [K in keyof Harness]: Harness[K] };
  harness.svc = await createFirehoseService(backend, {
    region: 'us-east-1',
    accountId: ACCOUNT,
    logger: silentLogger,
    clock,
    objectDir: join(dir, 's3'),
    objects: {
      async put(bucket, key, body) {
        if (harness.failing) throw new Error('destination down');
        puts.push({ bucket, key, body });
      },
      close() {},
    },
    createMs: options.createMs ?? 0,
    deleteMs: options.deleteMs ?? 0,
    sseMs: options.sseMs ?? 0,
    ...(options.sseCallsPerDay !== undefined ? { sseCallsPerDay: options.sseCallsPerDay } : {}),
    ...(options.putLimits !== undefined ? { putLimits: options.putLimits } : {}),
    retry: { initialMs: 5_000, factor: 1, jitter: 0 },
    retryWindowMs: 60_000,
    ...(options.bufferCapBytes !== undefined ? { bufferCapBytes: options.bufferCapBytes } : {}),
    onEvent: (e) => events.push(e),
    ...(options.streams ? { streams: options.streams.api } : {}),
  });
  const ctx = (): RequestContext => ({
    requestId: 'r',
    region: 'us-east-1',
    accountId: ACCOUNT,
    receivedAt: clock.t,
    signal: new AbortController().signal,
  });
  harness.call = async (operation, input) => harness.svc.definition.operations[operation]!.handle(input, ctx());
  return harness;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trib-fh-buf-'));
  backend = await openLocalBackend(join(dir, 'storage'));
  h = await open();
});
afterEach(async () => {
  await h.svc.close();
  await backend.close();
  await rm(dir, { recursive: true, force: true });
});

async function create(name: string, size: number, interval: number, extra: Record<string, unknown> = {}) {
  await h.call('CreateDeliveryStream', {
    DeliveryStreamName: name,
    ExtendedS3DestinationConfiguration: {
      RoleARN: ROLE,
      BucketARN: 'arn:aws:s3:::b',
      BufferingHints: { SizeInMBs: size, IntervalInSeconds: interval },
      ...extra,
    },
  });
}

const buffered = (n: number) => () => {
  const got = h.events.filter((e) => e.type === 'buffered').reduce((a, e) => a + (e as { records: number }).records, 0);
  return got >= n ? true : undefined;
};

describe('buffering', () => {
  it('delivers when IntervalInSeconds has passed since the first buffered record, not before', async () => {
    await create('iv', 128, 60);
    await h.call('PutRecordBatch', {
      DeliveryStreamName: 'iv',
      Records: [{ Data: Buffer.from('a') }, { Data: Buffer.from('b') }],
    });
    await waitFor(buffered(2));
    await h.clock.advance(59_999);
    assert.equal(h.puts.length, 0);
    await h.clock.advance(1);
    await waitFor(() => (h.puts.length === 1 ? true : undefined));
    assert.equal(h.puts[0]!.body.toString(), 'ab');
    assert.match(h.puts[0]!.key, /^2026\/11\/25\/12\/iv-1-2026-11-25-12-00-00-/);
  });

  it('delivers at SizeInMBs before the interval, objects at most SizeInMBs each', async () => {
    await create('sz', 1, 900);
    const record = Buffer.alloc(300 * 1024, 7);
    for (let i = 0; i < 4; i++) await h.call('PutRecord', { DeliveryStreamName: 'sz', Record: { Data: record } });
    await waitFor(() => (h.puts.length >= 1 ? true : undefined));
    // 4 × 300 KiB = 1.17 MiB ≥ 1 MiB: one object of 3 records (900 KiB) and one of 1.
    await waitFor(() => (h.puts.length === 2 ? true : undefined));
    assert.deepEqual(
      h.puts.map((p) => p.body.length),
      [3 * record.length, record.length],
    );
  });

  it('flush() delivers everything acknowledged, whatever the hints', async () => {
    await create('fl', 128, 900, { CompressionFormat: 'GZIP' });
    await h.call('PutRecord', { DeliveryStreamName: 'fl', Record: { Data: Buffer.from('x\n') } });
    await h.svc.flush(ACCOUNT, 'us-east-1', 'fl');
    assert.equal(h.puts.length, 1);
    assert.match(h.puts[0]!.key, /\.gz$/);
    await h.svc.flush(ACCOUNT, 'us-east-1', 'fl');
    assert.equal(h.puts.length, 1, 'nothing new to deliver');
  });

  it('retries a failing destination every retry delay, then delivers (at-least-once)', async () => {
    await create('rt', 128, 0);
    h.failing = true;
    await h.call('PutRecord', { DeliveryStreamName: 'rt', Record: { Data: Buffer.from('r') } });
    await waitFor(() => (h.events.some((e) => e.type === 'retry') ? true : undefined));
    await h.clock.advance(5_000);
    await waitFor(() => (h.events.filter((e) => e.type === 'retry').length >= 2 ? true : undefined));
    h.failing = false;
    await h.clock.advance(5_000);
    await waitFor(() => (h.puts.length === 1 ? true : undefined));
    assert.equal(h.puts[0]!.body.toString(), 'r');
  });

  it('discards an object once the retry window ran out, and goes on', async () => {
    await create('dc', 128, 0);
    h.failing = true;
    await h.call('PutRecord', { DeliveryStreamName: 'dc', Record: { Data: Buffer.from('lost') } });
    for (let i = 0; i < 13 && !h.events.some((e) => e.type === 'discarded'); i++) {
      await waitFor(() => (h.events.filter((e) => e.type === 'retry').length > i ? true : undefined));
      await h.clock.advance(5_000);
    }
    await waitFor(() => (h.events.some((e) => e.type === 'discarded') ? true : undefined));
    h.failing = false;
    await h.call('PutRecord', { DeliveryStreamName: 'dc', Record: { Data: Buffer.from('next') } });
    await waitFor(() => (h.puts.length === 1 ? true : undefined));
    assert.equal(h.puts[0]!.body.toString(), 'next');
  });
});

describe('back-pressure and lifecycle', () => {
  it('answers ServiceUnavailableException "Slow down." above the buffer cap, per record in a batch', async () => {
    await h.svc.close();
    h = await open({ bufferCapBytes: 10 });
    await create('bp', 128, 900);
    h.failing = true;
    await h.call('PutRecord', { DeliveryStreamName: 'bp', Record: { Data: Buffer.from('12345678') } });
    await assert.rejects(
      h.call('PutRecord', { DeliveryStreamName: 'bp', Record: { Data: Buffer.from('123') } }),
      (e: Error & { code?: string }) => e.code === 'ServiceUnavailableException' && e.message === 'Slow down.',
    );
    const batch = await h.call('PutRecordBatch', {
      DeliveryStreamName: 'bp',
      Records: [{ Data: Buffer.from('123') }, { Data: Buffer.from('4') }],
    });
    assert.equal(batch.FailedPutCount, 2);
    assert.deepEqual(batch.RequestResponses[1], {
      ErrorCode: 'ServiceUnavailableException',
      ErrorMessage: 'Slow down.',
    });
    h.failing = false;
    await h.svc.flush(ACCOUNT, 'us-east-1', 'bp');
    await h.call('PutRecord', { DeliveryStreamName: 'bp', Record: { Data: Buffer.from('123') } });
  });

  it('is CREATING for the configured delay (puts refused), then ACTIVE; DELETING, then gone', async () => {
    await h.svc.close();
    h = await open({ createMs: 5_000, deleteMs: 5_000 });
    await create('lc', 1, 60);
    let d = await h.call('DescribeDeliveryStream', { DeliveryStreamName: 'lc' });
    assert.equal(d.DeliveryStreamDescription.DeliveryStreamStatus, 'CREATING');
    await assert.rejects(
      h.call('PutRecord', { DeliveryStreamName: 'lc', Record: { Data: Buffer.from('x') } }),
      (e: Error & { code?: string }) => e.code === 'ResourceInUseException',
    );
    await assert.rejects(
      h.call('DeleteDeliveryStream', { DeliveryStreamName: 'lc' }),
      (e: Error & { code?: string }) => e.code === 'ResourceInUseException',
    );
    await h.clock.advance(5_000);
    d = await waitFor(async () => {
      const x = await h.call('DescribeDeliveryStream', { DeliveryStreamName: 'lc' });
      return x.DeliveryStreamDescription.DeliveryStreamStatus === 'ACTIVE' ? x : undefined;
    });
    await h.call('DeleteDeliveryStream', { DeliveryStreamName: 'lc' });
    d = await h.call('DescribeDeliveryStream', { DeliveryStreamName: 'lc' });
    assert.equal(d.DeliveryStreamDescription.DeliveryStreamStatus, 'DELETING');
    await h.clock.advance(5_000);
    await waitFor(async () =>
      h.call('DescribeDeliveryStream', { DeliveryStreamName: 'lc' }).then(
        () => undefined,
        (e: { code?: string }) => (e.code === 'ResourceNotFoundException' ? true : undefined),
      ),
    );
  });

  it('moves encryption through ENABLING and DISABLING on the timer, refuses calls in transition and over the daily limit', async () => {
    await h.svc.close();
    h = await open({ sseMs: 5_000, sseCallsPerDay: 3 });
    await create('sse', 1, 60);
    const code = (c: string) => (e: Error & { code?: string }) => e.code === c;
    const sse = async () =>
      (await h.call('DescribeDeliveryStream', { DeliveryStreamName: 'sse' })).DeliveryStreamDescription
        .DeliveryStreamEncryptionConfiguration;
    const encrypted = async () =>
      (await h.call('PutRecord', { DeliveryStreamName: 'sse', Record: { Data: Buffer.from('x') } })).Encrypted;
    const settled = (status: string) => () => waitFor(async () => ((await sse()).Status === status ? true : undefined));

    const key = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    await h.call('StartDeliveryStreamEncryption', {
      DeliveryStreamName: 'sse',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: key },
    });
    assert.deepEqual(await sse(), { KeyARN: key, KeyType: 'CUSTOMER_MANAGED_CMK', Status: 'ENABLING' });
    assert.equal(await encrypted(), false, 'records are not encrypted while ENABLING');
    await assert.rejects(
      h.call('StopDeliveryStreamEncryption', { DeliveryStreamName: 'sse' }),
      code('ResourceInUseException'),
    );
    await assert.rejects(
      h.call('StartDeliveryStreamEncryption', { DeliveryStreamName: 'sse' }),
      code('ResourceInUseException'),
    );
    await h.clock.advance(5_000);
    await settled('ENABLED')();
    assert.equal(await encrypted(), true);

    await h.call('StopDeliveryStreamEncryption', { DeliveryStreamName: 'sse' });
    assert.deepEqual(await sse(), { KeyARN: key, KeyType: 'CUSTOMER_MANAGED_CMK', Status: 'DISABLING' });
    assert.equal(await encrypted(), true, 'still subject to encryption while DISABLING');
    await assert.rejects(
      h.call('StopDeliveryStreamEncryption', { DeliveryStreamName: 'sse' }),
      code('ResourceInUseException'),
    );
    // A restart keeps the transition and its timer (the new harness's clock starts over at the same base time).
    const due = h.clock.t + 5_000;
    await h.svc.close();
    h = await open({ sseMs: 5_000, sseCallsPerDay: 3 });
    assert.equal((await sse()).Status, 'DISABLING');
    await h.clock.advance(due - h.clock.t);
    await settled('DISABLED')();
    assert.deepEqual(await sse(), { Status: 'DISABLED' });
    assert.equal(await encrypted(), false);

    // Start + Stop share one limit per 24 hours: the third call passes, the fourth is refused, a day later it passes.
    await h.call('StartDeliveryStreamEncryption', { DeliveryStreamName: 'sse' });
    await h.clock.advance(5_000);
    await settled('ENABLED')();
    await assert.rejects(
      h.call('StopDeliveryStreamEncryption', { DeliveryStreamName: 'sse' }),
      code('LimitExceededException'),
    );
    await h.clock.advance(24 * 3600 * 1000);
    await h.call('StopDeliveryStreamEncryption', { DeliveryStreamName: 'sse' });
  });

  it('refuses puts over the per-stream quotas with "Slow down." until the next second, counting ThrottledRecords', async () => {
    await h.svc.close();
    h = await open({ putLimits: { requestsPerSecond: 3, recordsPerSecond: 5, bytesPerSecond: 20 } });
    await create('ql', 128, 900);
    const slowDown = (e: Error & { code?: string }) =>
      e.code === 'ServiceUnavailableException' && e.message === 'Slow down.';
    const put = (data: string) =>
      h.call('PutRecord', { DeliveryStreamName: 'ql', Record: { Data: Buffer.from(data) } });
    const batch = (n: number) =>
      h.call('PutRecordBatch', {
        DeliveryStreamName: 'ql',
        Records: Array.from({ length: n }, () => ({ Data: Buffer.from('b') })),
      });
    await put('a');
    await batch(4); // 5 records in this second
    await assert.rejects(put('c'), slowDown, 'records per second');
    await h.clock.advance(1_000);
    await assert.rejects(put('x'.repeat(21)), slowDown, 'bytes per second');
    await put('d');
    await put('e');
    await put('f');
    await assert.rejects(put('g'), slowDown, 'requests per second');
    await h.clock.advance(1_000);
    const partial = await batch(6);
    assert.equal(partial.FailedPutCount, 1, 'the records that fit are written, the rest fail');
    assert.equal(typeof partial.RequestResponses[4].RecordId, 'string');
    assert.deepEqual(partial.RequestResponses[5], {
      ErrorCode: 'ServiceUnavailableException',
      ErrorMessage: 'Slow down.',
    });
    await h.svc.flush(ACCOUNT, 'us-east-1', 'ql');
    assert.equal(h.puts.map((p) => p.body.toString()).join(''), 'abbbbdefbbbbb', 'nothing of a refused put is written');
    const m = h.svc.metrics().find((s) => s.deliveryStreamName === 'ql')!.metrics;
    assert.equal(m.ThrottledRecords, 1 + 1 + 1 + 1);
    assert.equal(m.IncomingRecords, 13);
    assert.equal(m.IncomingPutRequests, 6);
    assert.equal(m['PutRecord.Requests'], 4);
    assert.equal(m['PutRecordBatch.Records'], 9);
    assert.equal(m.PutRequestsPerSecondLimit, 3, 'the configured quotas, as AWS reports the current ones');
    assert.equal(m.RecordsPerSecondLimit, 5);
    assert.equal(m.BytesPerSecondLimit, 20);
    assert.equal(m['PutRecord.Latency'], 0, 'the manual clock stood still while the puts were acknowledged');
    assert.equal(m['PutRecordBatch.Latency'], 0);
  });

  it('reports no put limit gauges when no limits are configured', async () => {
    await create('nl', 128, 900);
    await h.call('PutRecord', { DeliveryStreamName: 'nl', Record: { Data: Buffer.from('x') } });
    const m = h.svc.metrics().find((s) => s.deliveryStreamName === 'nl')!.metrics;
    assert.equal(m.IncomingRecords, 1);
    assert.equal(m.RecordsPerSecondLimit, undefined);
    assert.equal(m.BytesPerSecondLimit, undefined);
    assert.equal(m.PutRequestsPerSecondLimit, undefined);
  });

  /** Reopens the harness with a Data Streams service on the same backend; `createStreamMs` keeps streams CREATING. */
  async function withStreams(createStreamMs: number) {
    await h.svc.close();
    const streams = await createStreamsService(backend, {
      meta: scopeMeta(backend.meta, 'kinesis/'), // its catalogue apart from Firehose's, as the server keeps them
      region: 'us-east-1',
      accountId: ACCOUNT,
      createStreamMs,
      deleteStreamMs: 0,
      updateStreamMs: 0,
      shardLimit: 10,
      logger: silentLogger,
      now: h.clock.now,
    });
    h = await open({ streams });
    const kinesis = (operation: string, input: Record<string, unknown>) =>
      streams.definition!.operations[operation]!.handle(input, {
        requestId: 'r',
        region: 'us-east-1',
        accountId: ACCOUNT,
        receivedAt: h.clock.t,
        signal: new AbortController().signal,
      });
    const close = async () => {
      await h.svc.close();
      await streams.close();
      h = await open();
    };
    return { kinesis, close };
  }

  const fromKinesis = (name: string) => ({
    DeliveryStreamName: name,
    DeliveryStreamType: 'KinesisStreamAsSource',
    KinesisStreamSourceConfiguration: {
      KinesisStreamARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/src`,
      RoleARN: ROLE,
    },
    ExtendedS3DestinationConfiguration: {
      RoleARN: ROLE,
      BucketARN: 'arn:aws:s3:::b',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
    },
  });

  it("refuses a Kinesis stream as source that is not ACTIVE or UPDATING, with AWS's text", async () => {
    const { kinesis, close } = await withStreams(3_600_000);
    try {
      await kinesis('CreateStream', { StreamName: 'src', ShardCount: 1 });
      await assert.rejects(h.call('CreateDeliveryStream', fromKinesis('early')), {
        code: 'InvalidArgumentException',
        message: 'Kinesis stream must be in ACTIVE or UPDATING state in order to create a delivery stream.',
      });
      await assert.rejects(h.call('DescribeDeliveryStream', { DeliveryStreamName: 'early' }), {
        code: 'ResourceNotFoundException',
      });
    } finally {
      await close();
    }
  });

  it('counts DataReadFromKinesisStream and KinesisMillisBehindLatest for a Kinesis stream as source', async () => {
    const { kinesis, close } = await withStreams(0);
    try {
      await kinesis('CreateStream', { StreamName: 'src', ShardCount: 1 });
      await kinesis('PutRecords', {
        StreamName: 'src',
        Records: ['abc', 'defgh', 'ij'].map((d) => ({ PartitionKey: 'p', Data: Buffer.from(d) })),
      });
      await h.call('CreateDeliveryStream', fromKinesis('ks'));
      await waitFor(() => (h.puts.length === 1 ? true : undefined));
      assert.equal(h.puts[0]!.body.toString(), 'abcdefghij');
      const m = h.svc.metrics().find((s) => s.deliveryStreamName === 'ks')!.metrics;
      assert.equal(m['DataReadFromKinesisStream.Records'], 3);
      assert.equal(m['DataReadFromKinesisStream.Bytes'], 10);
      assert.equal(m.KinesisMillisBehindLatest, 0, 'the read reached the newest record');
      assert.equal(m['DeliveryToS3.Records'], 3);
      assert.equal(m.IncomingRecords, undefined, 'nothing was put directly');
    } finally {
      await close();
    }
  });

  it('counts AWS/Firehose delivery metrics: records, bytes, objects, success ratio and freshness', async () => {
    await create('mt', 128, 10);
    await h.call('PutRecordBatch', {
      DeliveryStreamName: 'mt',
      Records: [{ Data: Buffer.from('12345') }, { Data: Buffer.from('678') }],
    });
    await waitFor(buffered(2));
    h.failing = true;
    await h.clock.advance(10_000);
    await waitFor(() => (h.events.some((e) => e.type === 'retry') ? true : undefined));
    h.failing = false;
    await h.clock.advance(5_000);
    await waitFor(() => (h.puts.length === 1 ? true : undefined));
    const m = h.svc.metrics().find((s) => s.deliveryStreamName === 'mt')!.metrics;
    assert.equal(m.IncomingBytes, 8);
    assert.equal(m['PutRecordBatch.Bytes'], 8);
    assert.equal(m['DeliveryToS3.Records'], 2);
    assert.equal(m['DeliveryToS3.Bytes'], 8);
    assert.equal(m['DeliveryToS3.ObjectCount'], 1);
    assert.equal(m['DeliveryToS3.Success'], 0.5, 'one failed and one successful attempt');
    assert.equal(m['DeliveryToS3.DataFreshness'], 15, 'seconds since the oldest record arrived');
  });

  it('reports the worker buffer as Tributary/Firehose gauges: records, bytes and age until delivered', async () => {
    await create('bf', 128, 30);
    const gauges = () =>
      Object.fromEntries(
        (h.svc.metricSamples?.() ?? [])
          .filter((s) => s.namespace === 'Tributary/Firehose' && s.dimensions['DeliveryStreamName'] === 'bf')
          .map((s) => {
            assert.equal(s.kind, 'gauge');
            assert.equal(s.accountId, ACCOUNT);
            return [s.metric, s.value];
          }),
      );
    await waitFor(() => (gauges().BufferedRecords !== undefined ? true : undefined));
    assert.deepEqual(gauges(), { BufferedRecords: 0, BufferedBytes: 0, BufferAgeSeconds: 0 });
    await h.call('PutRecordBatch', {
      DeliveryStreamName: 'bf',
      Records: [{ Data: Buffer.from('12345') }, { Data: Buffer.from('678') }],
    });
    await waitFor(buffered(2));
    assert.deepEqual(gauges(), { BufferedRecords: 2, BufferedBytes: 8, BufferAgeSeconds: 0 });
    await h.clock.advance(10_000);
    await h.call('PutRecord', { DeliveryStreamName: 'bf', Record: { Data: Buffer.from('9') } });
    await waitFor(buffered(3));
    // The age counts from the first record in the buffer, as the interval does.
    assert.deepEqual(gauges(), { BufferedRecords: 3, BufferedBytes: 9, BufferAgeSeconds: 10 });
    // While the destination fails (within the harness' 60 s retry window), the records are still not delivered:
    // they stay counted.
    h.failing = true;
    await h.clock.advance(20_000);
    await waitFor(() => (h.events.some((e) => e.type === 'retry') ? true : undefined));
    assert.equal(gauges().BufferedRecords, 3);
    h.failing = false;
    await h.clock.advance(5_000);
    await waitFor(() => (h.puts.length === 1 ? true : undefined));
    await waitFor(() => (gauges().BufferedRecords === 0 ? true : undefined));
    assert.deepEqual(gauges(), { BufferedRecords: 0, BufferedBytes: 0, BufferAgeSeconds: 0 });
  });

  it('resumes delivery after a restart from the durable checkpoint, without re-delivering', async () => {
    await create('rs', 128, 900);
    await h.call('PutRecord', { DeliveryStreamName: 'rs', Record: { Data: Buffer.from('first') } });
    await h.svc.flush(ACCOUNT, 'us-east-1', 'rs');
    await h.call('PutRecord', { DeliveryStreamName: 'rs', Record: { Data: Buffer.from('second') } });
    await h.svc.close();
    const before = h.puts.map((p) => p.body.toString());
    h = await open();
    await h.svc.flush(ACCOUNT, 'us-east-1', 'rs');
    assert.deepEqual(before, ['first']);
    assert.deepEqual(
      h.puts.map((p) => p.body.toString()),
      ['second'],
    );
  });
});
