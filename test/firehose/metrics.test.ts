/**
 * The AWS/Firehose metrics registry (src/firehose/metrics.ts) on its own: averages and ratios derived from the
 * counters, and HTTP endpoint attempts counted as processed whether they succeed or not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FirehoseMetrics } from '../../src/firehose/metrics.js';

const A = '123456789012';
const R = 'us-east-1';

describe('FirehoseMetrics', () => {
  it('reports PutRecord.Latency and PutRecordBatch.Latency as the average per call, in milliseconds', () => {
    const m = new FirehoseMetrics(() => 0);
    m.put(A, R, 's', 'PutRecord', 1, 10, 4);
    m.put(A, R, 's', 'PutRecord', 1, 10, 8);
    m.put(A, R, 's', 'PutRecordBatch', 3, 30, 9);
    const [s] = m.snapshot();
    assert.equal(s!.metrics['PutRecord.Latency'], 6);
    assert.equal(s!.metrics['PutRecordBatch.Latency'], 9);
    assert.equal(s!.metrics['PutRecord.LatencySum'], undefined, 'the running sum stays internal');
    assert.equal(s!.metrics.IncomingRecords, 5);
  });

  it('counts every HTTP endpoint attempt as processed and only the successful one as delivered', () => {
    let now = 10_000;
    const m = new FirehoseMetrics(() => now);
    const base = { stream: 's', destination: 'HttpEndpoint' as const, records: 4, bytes: 40, error: 'HTTP 500' };
    m.delivery(A, R, { type: 'retry', attempt: 1, ...base }, true);
    m.delivery(A, R, { type: 'retry', attempt: 2, ...base }, true);
    now = 12_500;
    m.delivery(
      A,
      R,
      {
        type: 'posted',
        stream: 's',
        url: 'u',
        requestId: 'r',
        records: 4,
        bytes: 40,
        attempts: 3,
        oldestArrivedAt: 10_000,
      },
      true,
    );
    m.delivery(A, R, { type: 'failed', ...base }, true);
    const metrics = m.snapshot()[0]!.metrics;
    assert.equal(metrics['DeliveryToHttpEndpoint.ProcessedRecords'], 16);
    assert.equal(metrics['DeliveryToHttpEndpoint.ProcessedBytes'], 160);
    assert.equal(metrics['DeliveryToHttpEndpoint.Records'], 4);
    assert.equal(metrics['DeliveryToHttpEndpoint.Bytes'], 40);
    assert.equal(metrics['DeliveryToHttpEndpoint.Success'], 0.25);
    assert.equal(metrics['DeliveryToHttpEndpoint.DataFreshness'], 2.5);
  });

  it('reports the put limits in force once a stream is put to', () => {
    const m = new FirehoseMetrics(() => 0, { requestsPerSecond: 2000, recordsPerSecond: 0, bytesPerSecond: 5_242_880 });
    m.put(A, R, 's', 'PutRecord', 1, 1, 0);
    const metrics = m.snapshot()[0]!.metrics;
    assert.equal(metrics.PutRequestsPerSecondLimit, 2000);
    assert.equal(metrics.BytesPerSecondLimit, 5_242_880);
    assert.equal(metrics.RecordsPerSecondLimit, undefined, 'a quota turned off has no limit to report');
  });

  it("counts an Extended S3 destination's backup copies as BackupToS3, not as delivered objects", () => {
    const m = new FirehoseMetrics(() => 5_000);
    const object = { stream: 's', bucket: 'b', key: 'k', records: 2, bytes: 8, oldestArrivedAt: 1_000 };
    m.delivery(A, R, { type: 'delivered', ...object }, false);
    m.delivery(A, R, { type: 'delivered', ...object, bucket: 'backup', backup: true }, false);
    const metrics = m.snapshot()[0]!.metrics;
    assert.equal(metrics['DeliveryToS3.Records'], 2);
    assert.equal(metrics['DeliveryToS3.ObjectCount'], 1);
    assert.equal(metrics['BackupToS3.Records'], 2);
    assert.equal(metrics['BackupToS3.Bytes'], 8);
    assert.equal(metrics['BackupToS3.Success'], 1);
    assert.equal(metrics['BackupToS3.DataFreshness'], 4);
  });
});
