/**
 * The media plane's AWS/KinesisVideo metrics (src/video/media/metrics.ts, docs/adr/0038) scraped from `/metrics` and
 * parsed with the Prometheus text parser: counters equal what the test uploaded and read back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetMediaCommand } from '@aws-sdk/client-kinesis-video-media';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis-video';
import { missingPrometheusParser, scrape, value } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { videoClient } from './helpers.js';
import { type SynthCluster, synthMkv } from './fixtures.js';
import { countCompleteChunks, mediaClient, putMedia, readUntil } from './media-helpers.js';

/** `count` one-second clusters: 25 video frames and one audio frame each. */
function clusters(count: number, from = 0): SynthCluster[] {
  return Array.from({ length: count }, (_, i) => ({
    timecode: from + i * 1000,
    unknownWidth: 8,
    blocks: [
      ...Array.from({ length: 25 }, (_, f) => ({ track: 1, rel: f * 40, key: f === 0, size: 200 })),
      { track: 2, rel: 3, key: true, size: 50 },
    ],
  }));
}

describe('/metrics: Kinesis Video media plane', { skip: missingPrometheusParser() }, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('counts PutMedia requests, bytes, fragments, frames, stored fragments and error acks, and GetMedia output', async () => {
    const url = t.server.url;
    await videoClient(url).send(new CreateStreamCommand({ StreamName: 'mcam', DataRetentionInHours: 1 }));
    const body = synthMkv({ clusters: clusters(3) });
    const ok = await putMedia(url, body, { stream: 'mcam' });
    assert.equal(ok.status, 200);
    assert.equal(ok.acks.filter((a) => a.EventType === 'PERSISTED').length, 3);
    // A fragment older than the one before it: one ERROR ack (FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS), one stored.
    const second = synthMkv({ clusters: [...clusters(1, 5000), ...clusters(1, 4000)] });
    const late = await putMedia(url, second, { stream: 'mcam' });
    assert.equal(late.acks.filter((a) => a.EventType === 'ERROR').length, 1);
    // Refused before the upload starts: a bad timecode type.
    const refused = await putMedia(url, body, { stream: 'mcam', timecodeType: 'SOMETIMES' });
    assert.equal(refused.status, 400);

    const controller = new AbortController();
    const out = await mediaClient(url).send(
      new GetMediaCommand({ StreamName: 'mcam', StartSelector: { StartSelectorType: 'EARLIEST' } }),
      { abortSignal: controller.signal },
    );
    const read = await readUntil(
      out.Payload as AsyncIterable<Uint8Array>,
      (b) => countCompleteChunks(b) >= 4,
      () => controller.abort(),
    );
    assert.ok(read.length > 0);

    const series = await scrape(url);
    const labels = { account_id: '000000000000', region: 'us-east-1', stream_name: 'mcam' };
    const v = (name: string) => value(series, `aws_kinesis_video_${name}`, labels);
    assert.equal(v('put_media_requests_total'), 3);
    assert.equal(v('put_media_connection_errors_total'), 1);
    assert.equal(v('put_media_incoming_bytes_total'), body.length + second.length);
    assert.equal(v('put_media_incoming_fragments_total'), 4);
    assert.equal(v('put_media_incoming_frames_total'), 4 * 26);
    assert.equal(v('put_media_success_total'), 4);
    assert.equal(v('put_media_error_ack_count_total'), 1);
    assert.equal(v('put_media_active_connections'), 0);
    assert.equal(series.find((s) => s.name === 'aws_kinesis_video_put_media_latency')?.type, 'gauge');
    assert.equal(series.find((s) => s.name === 'aws_kinesis_video_put_media_fragment_persist_latency')?.type, 'gauge');
    assert.equal(v('get_media_requests_total'), 1);
    // Every stored fragment was sent (the reader then waited live until the test left).
    assert.equal(v('get_media_outgoing_fragments_total'), 4);
    assert.ok(Number(v('get_media_outgoing_bytes_total')) >= read.length);
    assert.equal(series.find((s) => s.name === 'aws_kinesis_video_get_media_millis_behind_now')?.type, 'gauge');
  });
});
