/**
 * PutMedia (`POST /putMedia`, PutMedia API reference): a long-lived upload of one MKV segment whose response carries
 * the ack lines while the body still arrives (ingest-session.ts).
 *
 * Before the response starts (HTTP errors, PutMedia API reference "Errors"):
 * 1. `x-amzn-stream-name` or `x-amzn-stream-arn`, exactly one; `x-amzn-fragment-timecode-type` ABSOLUTE or
 *    RELATIVE; `x-amzn-producer-start-timestamp` epoch seconds (required for RELATIVE timecodes):
 *    InvalidArgumentException otherwise.
 * 2. The stream must exist and be ACTIVE or UPDATING: ResourceNotFoundException.
 * 3. At most `callsPerSecond` PutMedia calls per stream per second (quota: 5 TPS): ClientLimitExceededException.
 * 4. One upload per stream at a time (quota: 1 connection): a second one while the first runs gets
 *    ConnectionLimitExceededException, and the first goes on (media-store.ts, `claim`).
 * Then HTTP 200 and acks.
 */
import type { Clock } from '../../jobs/index.js';
import type { Logger, RequestContext, RestRequest, RestResponse, ServiceError } from '../../protocol/index.js';
import { streamNotFound, videoError } from '../errors.js';
import type { StreamState, VideoStreamsApi } from '../index.js';
import { type IngestLimits, IngestSession, type TimecodeType } from './ingest-session.js';
import type { MediaStore } from './media-store.js';
import type { MediaCounters, MediaMetrics } from './metrics.js';

export interface PutMediaDeps {
  readonly streams: VideoStreamsApi;
  readonly store: MediaStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limits: IngestLimits;
  readonly callsPerSecond: number;
  /** Sessions under way, so that the plane can wait for them on close. */
  readonly sessions: Set<Promise<void>>;
  /** The plane's AWS/KinesisVideo counters (./metrics.ts). */
  readonly metrics: MediaMetrics;
}

function header(req: RestRequest, name: string): string | undefined {
  const value = req.headers[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Resolves the stream a media request names (shared by every media operation). */
export function requireMediaStream(
  streams: VideoStreamsApi,
  name: string | undefined,
  arn: string | undefined,
  ctx: RequestContext,
): StreamState {
  if ((name === undefined) === (arn === undefined)) {
    // TODO(#video-texts): AWS's text for this case is not known.
    throw videoError('InvalidArgumentException', 'Specify either StreamName or StreamARN, but not both.');
  }
  const stream = streams.get((arn ?? name)!, ctx);
  if (stream === undefined || (stream.status !== 'ACTIVE' && stream.status !== 'UPDATING')) throw streamNotFound();
  return stream;
}

/**
 * A connection over the stream's limit (Kinesis Video Streams quotas: PutMedia 1, GetMedia 3). The text is the media
 * model's documentation of ConnectionLimitExceededException; TODO(#video-texts): that AWS sends exactly this text is not
 * confirmed.
 */
export function connectionLimitExceeded(): ServiceError {
  return videoError(
    'ConnectionLimitExceededException',
    'Kinesis Video Streams has throttled the request because you have exceeded the limit of allowed client connections.',
  );
}

export async function putMedia(deps: PutMediaDeps, req: RestRequest, ctx: RequestContext): Promise<RestResponse> {
  const stream = requireMediaStream(
    deps.streams,
    header(req, 'x-amzn-stream-name'),
    header(req, 'x-amzn-stream-arn'),
    ctx,
  );
  const counters = deps.metrics.of(stream.id);
  counters.putRequests++;
  try {
    return await startUpload(deps, req, ctx, stream, counters);
  } catch (e) {
    counters.putConnectionErrors++;
    throw e;
  }
}

/** Rules 1 (headers) and 3 (call rate) of the file header, then the upload; `stream` passed rule 2. */
async function startUpload(
  deps: PutMediaDeps,
  req: RestRequest,
  ctx: RequestContext,
  stream: StreamState,
  counters: MediaCounters,
): Promise<RestResponse> {
  const type = header(req, 'x-amzn-fragment-timecode-type');
  if (type !== 'ABSOLUTE' && type !== 'RELATIVE') {
    // TODO(#video-texts): AWS's text is not known.
    throw videoError('InvalidArgumentException', 'x-amzn-fragment-timecode-type must be ABSOLUTE or RELATIVE.');
  }
  const start = header(req, 'x-amzn-producer-start-timestamp');
  const startSeconds = start === undefined ? undefined : Number(start);
  if ((start !== undefined && !Number.isFinite(startSeconds)) || (type === 'RELATIVE' && startSeconds === undefined)) {
    // TODO(#video-texts): AWS's text is not known.
    throw videoError('InvalidArgumentException', 'x-amzn-producer-start-timestamp must be a timestamp in seconds.');
  }
  if (!deps.store.admitCall(stream.id, deps.clock.now(), deps.callsPerSecond)) {
    // TODO(#video-texts): AWS's text is not known.
    throw videoError('ClientLimitExceededException', 'PutMedia call rate limit exceeded for this stream.');
  }
  const archive = await deps.store.archive(stream.id);
  const session = new IngestSession({
    target: {
      streamCreationMs: stream.creationMs,
      persist: stream.dataRetentionInHours > 0,
      archive,
      publish: (make) => deps.store.publish(stream.id, make),
      pacer: deps.store.pacer(stream.id, deps.limits),
    },
    limits: deps.limits,
    clock: deps.clock,
    logger: deps.logger,
    timecodeType: type as TimecodeType,
    producerStartMs: (startSeconds ?? 0) * 1000,
    counters,
  });
  if (!deps.store.claim(stream.id, session)) throw connectionLimitExceeded();
  const body = Buffer.isBuffer(req.body) ? [req.body] : req.body;
  counters.activeConnections++;
  const running = session.run(body).finally(() => {
    counters.activeConnections--;
    deps.store.release(stream.id, session);
    deps.sessions.delete(running);
  });
  deps.sessions.add(running);
  // PutMedia.Latency: the request's arrival (the listener's wall clock) to the start of the response.
  const latencyMs = Math.max(0, Date.now() - ctx.receivedAt);
  if (latencyMs > counters.putLatencyMs) counters.putLatencyMs = latencyMs;
  return { status: 200, headers: { 'content-type': 'application/json' }, body: session.acks };
}
