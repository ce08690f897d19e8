/**
 * `/metrics`, `/health` and `/ready` (src/server/metrics.ts, docs/adr/0031): scraped over HTTP with fetch and parsed
 * with the Prometheus project's own text parser (Debian python3-prometheus-client), counters checked against what
 * the test wrote through the AWS SDK.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  EnableEnhancedMonitoringCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { signRaw } from '../auth/sign.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { missingPrometheusParser, parseExposition, scrape, value } from '../helpers/prometheus.js';

const missingParser = missingPrometheusParser();

describe('/metrics, /health, /ready in open mode', { skip: missingParser }, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('/health and /ready answer unsigned requests with 200', async () => {
    const health = await fetch(`${t.server.url}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const ready = await fetch(`${t.server.url}/ready`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { status: string; services: string[] };
    assert.equal(body.status, 'ready');
    assert.ok(body.services.includes('kinesis'));
  });

  it('exposes the AWS/Kinesis counters of what was written and read, per stream and per enabled shard metric', async () => {
    const k = t.kinesis;
    await k.send(new CreateStreamCommand({ StreamName: 'm1', ShardCount: 1 }));
    await k.send(
      new PutRecordsCommand({
        StreamName: 'm1',
        Records: [
          { PartitionKey: 'a', Data: Buffer.from('12345') },
          { PartitionKey: 'b', Data: Buffer.from('123') },
          { PartitionKey: 'c', Data: Buffer.from('1') },
        ],
      }),
    );
    await k.send(new PutRecordCommand({ StreamName: 'm1', PartitionKey: 'dd', Data: Buffer.from('1234567') }));
    await k.send(new EnableEnhancedMonitoringCommand({ StreamName: 'm1', ShardLevelMetrics: ['OutgoingRecords'] }));
    const { ShardIterator } = await k.send(
      new GetShardIteratorCommand({
        StreamName: 'm1',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const read = await k.send(new GetRecordsCommand({ ShardIterator }));
    assert.equal(read.Records?.length, 4);
    await assert.rejects(k.send(new DescribeStreamCommand({ StreamName: 'absent' })));

    const response = await fetch(`${t.server.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const series = await parseExposition(await response.text());
    const stream = { account_id: '000000000000', region: 'us-east-1', stream_name: 'm1' };

    // Data + partition key bytes: (5+1) + (3+1) + (1+1) + (7+2) = 21.
    assert.equal(value(series, 'aws_kinesis_incoming_records_total', stream), 4);
    assert.equal(value(series, 'aws_kinesis_incoming_bytes_total', stream), 21);
    assert.equal(value(series, 'aws_kinesis_put_records_total_records_total', stream), 3);
    assert.equal(value(series, 'aws_kinesis_put_records_successful_records_total', stream), 3);
    assert.equal(value(series, 'aws_kinesis_put_records_bytes_total', stream), 12);
    assert.equal(value(series, 'aws_kinesis_put_records_success_total', stream), 1);
    assert.equal(value(series, 'aws_kinesis_put_record_success_total', stream), 1);
    assert.equal(value(series, 'aws_kinesis_put_record_bytes_total', stream), 9);
    assert.equal(value(series, 'aws_kinesis_get_records_records_total', stream), 4);
    assert.equal(value(series, 'aws_kinesis_get_records_success_total', stream), 1);
    assert.equal(value(series, 'aws_kinesis_write_provisioned_throughput_exceeded_total', stream), 0);
    assert.equal(series.find((s) => s.name === 'aws_kinesis_get_records_iterator_age_milliseconds')?.type, 'gauge');
    // Only the shard-level metric EnableEnhancedMonitoring asked for.
    const shard = { ...stream, shard_id: 'shardId-000000000000' };
    assert.equal(value(series, 'aws_kinesis_shard_outgoing_records_total', shard), 4);
    assert.equal(value(series, 'aws_kinesis_shard_incoming_records_total', shard), undefined);

    // Requests per operation (the histogram's count) and errors by AWS error type.
    const op = (operation: string) => ({ service: 'kinesis', operation });
    assert.equal(value(series, 'tributary_request_duration_seconds_count', op('PutRecords')), 1);
    assert.equal(value(series, 'tributary_request_duration_seconds_count', op('GetRecords')), 1);
    assert.equal(value(series, 'tributary_request_duration_seconds_bucket', { ...op('PutRecords'), le: '+Inf' }), 1);
    const buckets = series.filter(
      (s) => s.name === 'tributary_request_duration_seconds_bucket' && s.labels['operation'] === 'PutRecords',
    );
    assert.ok(buckets.length > 2);
    for (let i = 1; i < buckets.length; i++) assert.ok(Number(buckets[i]!.value) >= Number(buckets[i - 1]!.value));
    assert.equal(series.find((s) => s.name === 'tributary_request_duration_seconds_count')?.type, 'histogram');
    assert.equal(
      value(series, 'tributary_request_errors_total', {
        ...op('DescribeStream'),
        error_type: 'ResourceNotFoundException',
      }),
      1,
    );
    assert.equal(value(series, 'tributary_request_errors_total', op('PutRecords')), undefined);
    // The side channels and the process.
    assert.equal(value(series, 'tributary_side_channel_lines_dropped_total', { channel: 'audit' }), 0);
    assert.ok(Number(value(series, 'process_cpu_seconds_total')) > 0);
  });

  it("exposes Firehose's AWS/Firehose registry per delivery stream", async () => {
    const { FirehoseClient, CreateDeliveryStreamCommand, PutRecordBatchCommand } = await import(
      '@aws-sdk/client-firehose'
    );
    const firehose = new FirehoseClient({
      endpoint: t.server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    try {
      await firehose.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'f1',
          ExtendedS3DestinationConfiguration: {
            RoleARN: 'arn:aws:iam::000000000000:role/firehose',
            BucketARN: 'arn:aws:s3:::metrics',
            BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 },
          },
        }),
      );
      await firehose.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: 'f1',
          Records: [{ Data: Buffer.from('abc') }, { Data: Buffer.from('de') }],
        }),
      );
    } finally {
      firehose.destroy();
    }
    const series = await parseExposition(await (await fetch(`${t.server.url}/metrics`)).text());
    const labels = { account_id: '000000000000', region: 'us-east-1', delivery_stream_name: 'f1' };
    assert.equal(value(series, 'aws_firehose_incoming_records_total', labels), 2);
    assert.equal(value(series, 'aws_firehose_incoming_bytes_total', labels), 5);
    assert.equal(value(series, 'aws_firehose_put_record_batch_requests_total', labels), 1);
    assert.equal(series.find((s) => s.name === 'aws_firehose_put_record_batch_latency')?.type, 'gauge');
  });

  it('forgets a deleted stream and counts a re-created one from zero', async () => {
    const k = t.kinesis;
    await k.send(new CreateStreamCommand({ StreamName: 'm2', ShardCount: 1 }));
    await k.send(new PutRecordCommand({ StreamName: 'm2', PartitionKey: 'a', Data: Buffer.from('x') }));
    const { DeleteStreamCommand } = await import('@aws-sdk/client-kinesis');
    await k.send(new DeleteStreamCommand({ StreamName: 'm2' }));
    // DeleteStream takes deleteStreamMs = 0: the stream is gone once DescribeStream says so.
    for (;;) {
      try {
        await k.send(new DescribeStreamCommand({ StreamName: 'm2' }));
        await new Promise((r) => setImmediate(r));
      } catch {
        break;
      }
    }
    await k.send(new CreateStreamCommand({ StreamName: 'm2', ShardCount: 1 }));
    await k.send(new PutRecordCommand({ StreamName: 'm2', PartitionKey: 'a', Data: Buffer.from('yy') }));
    const series = await parseExposition(await (await fetch(`${t.server.url}/metrics`)).text());
    const stream = { account_id: '000000000000', region: 'us-east-1', stream_name: 'm2' };
    assert.equal(value(series, 'aws_kinesis_incoming_bytes_total', stream), 3);
  });
});

describe('/metrics when security is enforced', { skip: missingParser }, () => {
  const ACCOUNT = '111111111111';
  const SCRAPER = { accessKeyId: 'AKIASCRAPER00001', secretAccessKey: 'scraper-secret' };
  const WRITER = { accessKeyId: 'AKIAWRITER000001', secretAccessKey: 'writer-secret' };
  let t: TestServer;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-metrics-'));
    const file = join(dir, 'credentials.json');
    await writeFile(
      file,
      JSON.stringify({
        principals: [
          {
            name: 'prometheus',
            accountId: ACCOUNT,
            accessKeys: [SCRAPER],
            policies: [{ Statement: [{ Effect: 'Allow', Action: 'tributary:GetMetrics', Resource: '*' }] }],
          },
          {
            name: 'writer',
            accountId: ACCOUNT,
            accessKeys: [WRITER],
            policies: [{ Statement: [{ Effect: 'Allow', Action: 'kinesis:*', Resource: '*' }] }],
          },
        ],
      }),
    );
    t = await startTestServer({ authConfig: file, logLevel: 'silent' }, join(dir, 'data'));
  });
  after(async () => {
    await t.close(false);
    await rm(dir, { recursive: true, force: true });
  });

  async function get(path: string, creds?: typeof SCRAPER): Promise<Response> {
    const host = new URL(t.server.url).host;
    if (creds === undefined) return fetch(`${t.server.url}${path}`);
    const signed = await signRaw(creds, { host, method: 'GET', path, headers: {}, body: '', service: 'tributary' });
    return fetch(`${t.server.url}${signed.path}`, { headers: signed.headers });
  }

  it('refuses unsigned scrapes and health checks', async () => {
    for (const path of ['/metrics', '/health', '/ready']) {
      const r = await get(path);
      assert.equal(r.status, 400, path);
      assert.equal(r.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    }
  });

  it('answers a principal allowed tributary:GetMetrics and refuses one that is not', async () => {
    const ok = await get('/metrics', SCRAPER);
    assert.equal(ok.status, 200);
    const series = await parseExposition(await ok.text());
    assert.ok(series.some((s) => s.family === 'tributary_request_duration_seconds'));
    const denied = await get('/metrics', WRITER);
    assert.equal(denied.status, 400);
    assert.equal(denied.headers.get('x-amzn-errortype'), 'AccessDeniedException');
    const health = await get('/health', SCRAPER);
    assert.equal(health.headers.get('x-amzn-errortype'), 'AccessDeniedException');
  });
});

describe('--metrics off', () => {
  it('has no /metrics route; /health still answers', async () => {
    const t = await startTestServer({ metrics: 'off' });
    try {
      assert.notEqual((await fetch(`${t.server.url}/metrics`)).status, 200);
      assert.equal((await fetch(`${t.server.url}/health`)).status, 200);
    } finally {
      await t.close();
    }
  });
});

describe('/metrics: storage, enhanced fan-out and per-shard throttling', { skip: missingParser }, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ enforceLimits: true });
  });
  after(() => t.close());
  const stream = { account_id: '000000000000', region: 'us-east-1', stream_name: 'q1' };
  const shard = { ...stream, shard_id: 'shardId-000000000000' };

  it("counts the records the write limit refused per shard, and the reads it refused, as EnableEnhancedMonitoring's ALL asks", async () => {
    const k = t.kinesis;
    await k.send(new CreateStreamCommand({ StreamName: 'q1', ShardCount: 1 }));
    await k.send(new EnableEnhancedMonitoringCommand({ StreamName: 'q1', ShardLevelMetrics: ['ALL'] }));
    // 500 records of 2,300 bytes: 1.1 MB in one call, above the shard's 1 MiB/s, so the last ones are refused.
    const data = Buffer.alloc(2299, 7);
    const put = await k.send(
      new PutRecordsCommand({
        StreamName: 'q1',
        Records: Array.from({ length: 500 }, () => ({ PartitionKey: 'k', Data: data })),
      }),
    );
    const refused = put.FailedRecordCount ?? 0;
    assert.ok(refused > 0, 'the write limit refused some records');
    // GetRecords until the 5-calls-a-second limit refuses one; the client counts the refusals it saw.
    const { ShardIterator } = await k.send(
      new GetShardIteratorCommand({ StreamName: 'q1', ShardId: shard.shard_id, ShardIteratorType: 'LATEST' }),
    );
    let readRefusals = 0;
    for (let i = 0; i < 50 && readRefusals === 0; i++) {
      try {
        await k.send(new GetRecordsCommand({ ShardIterator }));
      } catch (e) {
        assert.equal((e as Error).name, 'ProvisionedThroughputExceededException');
        readRefusals++;
      }
    }
    assert.equal(readRefusals, 1);

    const series = await scrape(t.server.url);
    assert.equal(value(series, 'aws_kinesis_write_provisioned_throughput_exceeded_total', stream), refused);
    assert.equal(value(series, 'aws_kinesis_shard_write_provisioned_throughput_exceeded_total', shard), refused);
    assert.equal(value(series, 'aws_kinesis_shard_incoming_records_total', shard), 500 - refused);
    assert.equal(value(series, 'aws_kinesis_read_provisioned_throughput_exceeded_total', stream), 1);
    assert.equal(value(series, 'aws_kinesis_shard_read_provisioned_throughput_exceeded_total', shard), 1);
    assert.equal(series.find((s) => s.name === 'aws_kinesis_shard_iterator_age_milliseconds')?.type, 'gauge');
    assert.equal(value(series, 'aws_kinesis_put_records_throttled_records_total', stream), refused);
  });

  it('exposes the storage backend: fsync latency, records per group commit, logs, segment files and bytes on disk', async () => {
    const series = await scrape(t.server.url);
    const local = { backend: 'local' };
    // Only the stream q1 wrote (one shard): every stored record went through one group commit histogram.
    const stored = Number(value(series, 'aws_kinesis_incoming_records_total', stream));
    assert.equal(value(series, 'tributary_storage_commit_batch_records_sum', local), stored);
    const groups = Number(value(series, 'tributary_storage_commit_batch_records_count', local));
    assert.ok(groups >= 1 && groups <= stored);
    assert.equal(value(series, 'tributary_storage_commit_batch_records_bucket', { ...local, le: '+Inf' }), groups);
    // --durability always (the default): each group with records was fdatasynced.
    assert.ok(Number(value(series, 'tributary_storage_sync_seconds_count', local)) >= 1);
    assert.equal(series.find((s) => s.name === 'tributary_storage_sync_seconds_count')?.type, 'histogram');
    // The figures of the files themselves, walked here.
    const logsDir = join(t.dataDir, 'storage', 'logs');
    let files = 0;
    let segments = 0;
    let bytes = 0;
    const logs = await readdir(logsDir);
    for (const log of logs) {
      for (const name of await readdir(join(logsDir, log))) {
        files++;
        if (name.endsWith('.log')) segments++;
        bytes += (await stat(join(logsDir, log, name))).size;
      }
    }
    assert.ok(files > 0);
    assert.equal(value(series, 'tributary_storage_logs', local), logs.length);
    assert.equal(value(series, 'tributary_storage_segments', local), segments);
    assert.equal(value(series, 'tributary_storage_bytes', local), bytes);
  });

  it('exposes SubscribeToShard and SubscribeToShardEvent per consumer', async () => {
    const k = t.kinesis;
    await k.send(new CreateStreamCommand({ StreamName: 'q2', ShardCount: 1 }));
    const payloads = ['a', 'bb', 'ccc'];
    for (const p of payloads)
      await k.send(new PutRecordCommand({ StreamName: 'q2', PartitionKey: 'pk', Data: Buffer.from(p) }));
    const consumer = (
      await k.send(
        new RegisterStreamConsumerCommand({
          StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/q2',
          ConsumerName: 'reader',
        }),
      )
    ).Consumer!;
    const subscribe = () =>
      k.send(
        new SubscribeToShardCommand({
          ConsumerARN: consumer.ConsumerARN,
          ShardId: 'shardId-000000000000',
          StartingPosition: { Type: 'TRIM_HORIZON' },
        }),
      );
    const first = await subscribe();
    const events = first.EventStream![Symbol.asyncIterator]();
    let received = 0;
    while (received < payloads.length) {
      const { value: event, done } = await events.next();
      assert.ok(!done);
      received += event.SubscribeToShardEvent?.Records?.length ?? 0;
    }
    // A second subscription of the same consumer to the shard within 5 s is refused.
    await assert.rejects(subscribe(), (e: Error) => e.name === 'ResourceInUseException');
    await events.return?.();

    const series = await scrape(t.server.url);
    const labels = { account_id: '000000000000', region: 'us-east-1', stream_name: 'q2', consumer_name: 'reader' };
    assert.equal(value(series, 'aws_kinesis_subscribe_to_shard_success_total', labels), 1);
    assert.equal(value(series, 'aws_kinesis_subscribe_to_shard_rate_exceeded_total', labels), 1);
    assert.equal(value(series, 'aws_kinesis_subscribe_to_shard_event_records_total', labels), 3);
    // Data plus partition key: (1+2) + (2+2) + (3+2).
    assert.equal(value(series, 'aws_kinesis_subscribe_to_shard_event_bytes_total', labels), 12);
    assert.ok(Number(value(series, 'aws_kinesis_subscribe_to_shard_event_success_total', labels)) >= 1);
    assert.equal(
      series.find((s) => s.name === 'aws_kinesis_subscribe_to_shard_event_millis_behind_latest')?.type,
      'gauge',
    );
  });
});
