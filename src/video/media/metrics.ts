/**
 * The media plane's CloudWatch metrics (namespace `AWS/KinesisVideo`, dimension `StreamName`; "Monitoring Kinesis
 * Video Streams metrics with CloudWatch"), counted in the process for the server's `/metrics` (docs/adr/0031,
 * docs/adr/0038). Counters are sums since start-up; latencies and ages are gauges holding the largest value since
 * the previous scrape (CloudWatch's Maximum over the period).
 *
 * - PutMedia.Requests: calls that named an existing stream; PutMedia.ConnectionErrors: those refused before the
 *   response started (bad headers, the call rate); PutMedia.ActiveConnections: uploads under way (gauge).
 * - PutMedia.IncomingBytes: body bytes read; PutMedia.IncomingFragments / IncomingFrames: complete fragments
 *   accepted (RECEIVED ack) and their frames; PutMedia.Success: fragments stored (PERSISTED ack, or handed to live
 *   readers on a stream without retention); PutMedia.ErrorAckCount: ERROR acks sent.
 * - PutMedia.Latency: from the request to the response's start (ms); PutMedia.FragmentPersistLatency: from a
 *   fragment's last byte to its durable append (ms).
 * - GetMedia.Requests, GetMedia.OutgoingBytes, GetMedia.OutgoingFragments, GetMedia.OutgoingFrames is not counted
 *   (stored fragments keep no frame count); GetMedia.MillisBehindNow: now − server timestamp of a fragment sent.
 */
import type { MetricSample } from '../../protocol/index.js';
import type { StreamState } from '../index.js';

/** Counters of one stream incarnation (the ingest session and the readers write the fields directly). */
export class MediaCounters {
  putRequests = 0;
  putConnectionErrors = 0;
  activeConnections = 0;
  incomingBytes = 0;
  incomingFragments = 0;
  incomingFrames = 0;
  putSuccess = 0;
  errorAcks = 0;
  putLatencyMs = 0;
  persistLatencyMs = 0;
  getRequests = 0;
  outgoingBytes = 0;
  outgoingFragments = 0;
  millisBehindNow = 0;
}

const NAMESPACE = 'AWS/KinesisVideo';

/** The media plane's counters per stream id; streams the catalogue no longer has are forgotten at the scrape. */
export class MediaMetrics {
  readonly #streams = new Map<string, MediaCounters>();

  of(streamId: string): MediaCounters {
    let c = this.#streams.get(streamId);
    if (c === undefined) {
      c = new MediaCounters();
      this.#streams.set(streamId, c);
    }
    return c;
  }

  /** The samples of every stream still in `live` (by id); the period maxima restart at zero. */
  samples(live: Iterable<StreamState>): MetricSample[] {
    const byId = new Map<string, StreamState>();
    for (const s of live) byId.set(s.id, s);
    const out: MetricSample[] = [];
    for (const [id, c] of this.#streams) {
      const stream = byId.get(id);
      if (stream === undefined) {
        this.#streams.delete(id);
        continue;
      }
      const base = { namespace: NAMESPACE, accountId: stream.accountId, region: stream.region };
      const dimensions = { StreamName: stream.name };
      const add = (metric: string, kind: 'counter' | 'gauge', value: number): void => {
        out.push({ ...base, metric, kind, dimensions, value });
      };
      add('PutMedia.Requests', 'counter', c.putRequests);
      add('PutMedia.ConnectionErrors', 'counter', c.putConnectionErrors);
      add('PutMedia.ActiveConnections', 'gauge', c.activeConnections);
      add('PutMedia.IncomingBytes', 'counter', c.incomingBytes);
      add('PutMedia.IncomingFragments', 'counter', c.incomingFragments);
      add('PutMedia.IncomingFrames', 'counter', c.incomingFrames);
      add('PutMedia.Success', 'counter', c.putSuccess);
      add('PutMedia.ErrorAckCount', 'counter', c.errorAcks);
      add('PutMedia.Latency', 'gauge', c.putLatencyMs);
      add('PutMedia.FragmentPersistLatency', 'gauge', c.persistLatencyMs);
      add('GetMedia.Requests', 'counter', c.getRequests);
      add('GetMedia.OutgoingBytes', 'counter', c.outgoingBytes);
      add('GetMedia.OutgoingFragments', 'counter', c.outgoingFragments);
      add('GetMedia.MillisBehindNow', 'gauge', c.millisBehindNow);
      c.putLatencyMs = 0;
      c.persistLatencyMs = 0;
      c.millisBehindNow = 0;
    }
    return out;
  }
}
