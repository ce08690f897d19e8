/**
 * The Kinesis Video media plane (docs/adr/0023-video-media-plane.md): PutMedia ingest with streaming acks, the
 * fragment archive and its retention, GetMedia, and the archived-media API's ListFragments and
 * GetMediaForFragmentList. Mounted by the video service as a {@link VideoPlaneFactory}.
 */
import type { RequestContext, RestRoute, ServiceError } from '../../protocol/index.js';
import { restJsonRoutes } from '../../protocol/index.js';
import { fragmentNumber } from '../archive/index.js';
import { videoError } from '../errors.js';
import type { VideoPlane, VideoPlaneContext, VideoPlaneFactory } from '../index.js';
import { kinesisVideoArchivedMediaModel, kinesisVideoMediaModel } from '../shapes/index.js';
import type {
  GetMediaForFragmentListInput,
  GetMediaForFragmentListOutput,
  ListFragmentsInput,
  ListFragmentsOutput,
} from '../shapes/kinesis-video-archived-media-types.generated.js';
import type { GetMediaInput, GetMediaOutput } from '../shapes/kinesis-video-media-types.generated.js';
import { MEDIA_CONTENT_TYPE } from './chunks.js';
import { followStream, foreignFragmentNumbers, fragmentList, startPoint, type StartSelectorType } from './get-media.js';
import type { IngestLimits } from './ingest-session.js';
import { MediaStore } from './media-store.js';
import { MediaMetrics } from './metrics.js';
import { connectionLimitExceeded, putMedia, requireMediaStream } from './put-media.js';

export { AckError, type AckErrorCode, ackLine } from './acks.js';

/** Options of the media plane. */
export interface MediaPlaneOptions {
  /** Kinesis Video Streams quotas: 50 MB per fragment. */
  readonly maxFragmentBytes?: number;
  /** Longest fragment; default 20 s (Kinesis Video Streams quotas; older documents say 10 s). */
  readonly maxFragmentMs?: number;
  /** Tracks per stream; quota 3. */
  readonly maxTracks?: number;
  /** IDLE ack interval while no data arrives; default 2 s. */
  readonly idleAckMs?: number;
  /** An upload without data this long ends; default 30 s (PutMedia API reference). */
  readonly idleTimeoutMs?: number;
  /** Bytes per second read from a stream's uploads; quota 12.5 MB/s (faster producers are read more slowly). */
  readonly maxBytesPerSecond?: number;
  /** Fragments per second read from a stream's uploads; quota 5 (faster producers are read more slowly). */
  readonly maxFragmentsPerSecond?: number;
  /** Longest PutMedia upload; default 45 minutes, then MAX_CONNECTION_DURATION_REACHED (4003). */
  readonly maxConnectionMs?: number;
  /** PutMedia calls per stream per second; quota 5. */
  readonly putMediaCallsPerSecond?: number;
  /** Optional per-stream byte cap of the archive: the oldest fragments go first. Default: none. */
  readonly maxStreamBytes?: number;
  /** How often retention runs; default 60 s. */
  readonly retentionIntervalMs?: number;
  /** Concurrent GetMedia connections per stream; quota 3 (the latest is refused). */
  readonly getMediaConnections?: number;
  /** Concurrent GetMediaForFragmentList connections per stream; quota 5 (further ones are refused). */
  readonly fragmentListConnections?: number;
}

/**
 * Every media operation is authorized as `kinesisvideo:<Operation>` on the stream's ARN (with its creation time),
 * named by StreamName or StreamARN: the service's resolver (src/video/index.ts, `resourceArns`) finds it.
 */
const STREAM_RESOURCE = { kind: 'service' } as const;

/** A media output whose payload is streamed (the REST-JSON encoder writes an async iterable as it is produced). */
type Streamed<T> = Omit<T, 'Payload'> & { Payload: AsyncIterable<Uint8Array> };
const RETENTION_JOB = 'kinesisvideo.retention';

/** The media plane factory with its options. */
export function mediaPlane(options: MediaPlaneOptions = {}): VideoPlaneFactory {
  return (ctx) => createMediaPlane(ctx, options);
}

function invalidArgument(err: ServiceError): ServiceError {
  return videoError('InvalidArgumentException', err.message);
}

async function createMediaPlane(ctx: VideoPlaneContext, options: MediaPlaneOptions): Promise<VideoPlane> {
  const logger = ctx.logger.child({ plane: 'media' });
  const store = new MediaStore(ctx.backend.logs, logger);
  const limits: IngestLimits = {
    maxFragmentBytes: options.maxFragmentBytes ?? 50 * 1024 * 1024,
    maxFragmentMs: options.maxFragmentMs ?? 20_000,
    maxTracks: options.maxTracks ?? 3,
    idleAckMs: options.idleAckMs ?? 2_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
    // Kinesis Video Streams quotas: PutMedia bandwidth 12.5 MB/s (100 Mbps) per stream, 5 fragments per second;
    // "Producer SDK quotas": max connection duration 45 minutes.
    maxBytesPerSecond: options.maxBytesPerSecond ?? 12_500_000,
    maxFragmentsPerSecond: options.maxFragmentsPerSecond ?? 5,
    maxConnectionMs: options.maxConnectionMs ?? 45 * 60_000,
  };
  const sessions = new Set<Promise<void>>();
  const metrics = new MediaMetrics();
  let closed = false;
  const controller = new AbortController();
  const now = (): number => ctx.clock.now();

  // A stream that is gone takes its media with it; a stream being deleted takes no more media.
  const stopWatching = ctx.streams.onChange((next, previous) => {
    if (next === undefined && previous !== undefined) {
      store.drop(previous.id).catch((e: unknown) => logger.warn({ err: String(e) }, 'video media drop failed'));
    }
  });
  const retention = ctx.scheduler.every(RETENTION_JOB, options.retentionIntervalMs ?? 60_000, () =>
    store.enforceRetention(ctx.streams.all(), now(), options.maxStreamBytes, () => ctx.streams.storedIds()),
  );

  const putMediaRoute: RestRoute = {
    method: 'POST',
    path: '/putMedia',
    service: 'kinesisvideo',
    operation: 'PutMedia',
    traits: {
      streamingRequest: true,
      uncappedStream: true,
      largeBody: true,
      resource: STREAM_RESOURCE,
      // PutMedia API reference: the stream is named in headers (the body is media).
      headerMembers: { 'x-amzn-stream-name': 'StreamName', 'x-amzn-stream-arn': 'StreamARN' },
    },
    handle: (req, rctx) =>
      putMedia(
        {
          streams: ctx.streams,
          store,
          clock: ctx.clock,
          logger,
          limits,
          callsPerSecond: options.putMediaCallsPerSecond ?? 5,
          sessions,
          metrics,
        },
        req,
        rctx,
      ),
  };

  const getMedia = async (input: GetMediaInput, rctx: RequestContext): Promise<Streamed<GetMediaOutput>> => {
    const stream = requireMediaStream(ctx.streams, input.StreamName, input.StreamARN, rctx);
    const selector = input.StartSelector;
    const type = selector.StartSelectorType as StartSelectorType;
    const needs =
      type === 'FRAGMENT_NUMBER'
        ? selector.AfterFragmentNumber
        : type === 'CONTINUATION_TOKEN'
          ? selector.ContinuationToken
          : type === 'SERVER_TIMESTAMP' || type === 'PRODUCER_TIMESTAMP'
            ? selector.StartTimestamp
            : true;
    if (needs === undefined) {
      // TODO(#video-texts): AWS's text is not known.
      throw videoError('InvalidArgumentException', `StartSelector of type ${type} is missing its value.`);
    }
    const archive = await store.archive(stream.id);
    const counters = metrics.of(stream.id);
    counters.getRequests++;
    const release = store.holdReader(stream.id, 'GetMedia', options.getMediaConnections ?? 3);
    if (release === undefined) throw connectionLimitExceeded();
    const start = startPoint(
      archive,
      stream.creationMs,
      type,
      type === 'FRAGMENT_NUMBER' ? selector.AfterFragmentNumber : selector.ContinuationToken,
      selector.StartTimestamp?.getTime(),
    );
    const signal = AbortSignal.any([rctx.signal, controller.signal]);
    return {
      ContentType: MEDIA_CONTENT_TYPE,
      Payload: holding(
        followStream({
          store,
          archive,
          streamId: stream.id,
          streamCreationMs: stream.creationMs,
          start,
          now,
          signal,
          closed: () => closed || ctx.streams.byId(stream.id) === undefined,
          counters,
        }),
        release,
        signal,
      ),
    };
  };

  const listFragments = async (input: ListFragmentsInput, rctx: RequestContext): Promise<ListFragmentsOutput> => {
    const stream = requireMediaStream(ctx.streams, input.StreamName, input.StreamARN, rctx);
    const archive = await store.archive(stream.id);
    const max = input.MaxResults ?? 1000;
    let from = 0;
    if (input.NextToken !== undefined) {
      const parsed = /^f([0-9]{1,15})$/.exec(input.NextToken);
      // TODO(#video-texts): AWS's text is not known.
      if (parsed === null) throw videoError('InvalidArgumentException', 'NextToken is not valid.');
      from = Number(parsed[1]);
    }
    const selector = input.FragmentSelector;
    const startMs = selector?.TimestampRange.StartTimestamp.getTime();
    const endMs = selector?.TimestampRange.EndTimestamp.getTime();
    const fragments: NonNullable<ListFragmentsOutput['Fragments']> = [];
    let nextToken: string | undefined;
    const entries = archive.entries;
    for (let i = archive.indexAtOrAfter(from); i < entries.length; i++) {
      const e = entries[i]!;
      if (selector !== undefined) {
        // FragmentSelector: start timestamps within [StartTimestamp, EndTimestamp], both ends included.
        const at = selector.FragmentSelectorType === 'SERVER_TIMESTAMP' ? e.serverMs : e.producerMs;
        if (at < startMs! || at > endMs!) continue;
      }
      if (fragments.length === max) {
        nextToken = `f${e.seq}`;
        break;
      }
      fragments.push({
        FragmentNumber: fragmentNumber(stream.creationMs, e.seq),
        FragmentSizeInBytes: e.sizeBytes,
        ProducerTimestamp: new Date(e.producerMs),
        ServerTimestamp: new Date(e.serverMs),
        FragmentLengthInMilliseconds: e.durationMs,
      });
    }
    return nextToken === undefined ? { Fragments: fragments } : { Fragments: fragments, NextToken: nextToken };
  };

  const getMediaForFragmentList = async (
    input: GetMediaForFragmentListInput,
    rctx: RequestContext,
  ): Promise<Streamed<GetMediaForFragmentListOutput>> => {
    const stream = requireMediaStream(ctx.streams, input.StreamName, input.StreamARN, rctx);
    const foreign = foreignFragmentNumbers(stream.creationMs, input.Fragments);
    if (foreign.length > 0) {
      // AWS refuses fragment numbers that are not the stream's with InvalidArgumentException "Fragment numbers are
      // invalid :" (awslabs' parser library issue 50: another stream's numbers, as logged by the Java SDK).
      // TODO(#video-texts): what AWS writes after the colon is not known; we list the numbers.
      throw videoError('InvalidArgumentException', `Fragment numbers are invalid : ${foreign.join(', ')}`);
    }
    const archive = await store.archive(stream.id);
    const release = store.holdReader(stream.id, 'GetMediaForFragmentList', options.fragmentListConnections ?? 5);
    if (release === undefined) {
      // Kinesis Video Streams quotas: five concurrent GetMediaForFragmentList connections, "further connections are
      // rejected"; ClientLimitExceededException is the archived-media model's one throttling error. The text is its
      // documentation; TODO(#video-texts): that AWS sends exactly this text is not confirmed.
      throw videoError(
        'ClientLimitExceededException',
        'Kinesis Video Streams has throttled the request because you have exceeded a limit. Try making the call later.',
      );
    }
    return {
      ContentType: MEDIA_CONTENT_TYPE,
      Payload: holding(fragmentList(archive, stream.creationMs, input.Fragments, now), release, rctx.signal),
    };
  };

  const routes: RestRoute[] = [
    putMediaRoute,
    ...restJsonRoutes({
      service: 'kinesisvideo',
      model: kinesisVideoMediaModel,
      operations: {
        GetMedia: {
          traits: { resource: STREAM_RESOURCE, streamingResponse: true },
          handle: (input, rctx) => getMedia(input as unknown as GetMediaInput, rctx),
        },
      },
      validationError: invalidArgument,
    }),
    ...restJsonRoutes({
      service: 'kinesisvideo',
      model: kinesisVideoArchivedMediaModel,
      operations: {
        ListFragments: {
          traits: { resource: STREAM_RESOURCE },
          handle: (input, rctx) => listFragments(input as ListFragmentsInput, rctx),
        },
        GetMediaForFragmentList: {
          traits: { resource: STREAM_RESOURCE, streamingResponse: true },
          handle: (input, rctx) => getMediaForFragmentList(input as unknown as GetMediaForFragmentListInput, rctx),
        },
      },
      validationError: invalidArgument,
    }),
  ];

  return {
    routes,
    metricSamples: () => metrics.samples(ctx.streams.all()),
    async close() {
      closed = true;
      controller.abort();
      stopWatching();
      retention.cancel?.();
      store.close();
      await Promise.allSettled([...sessions]);
    },
  };
}

/**
 * `body` holding a reader connection: released when the body ends, fails or is abandoned, or when the request's
 * signal aborts (the client went away: a response that is never read must not hold the connection for ever).
 */
function holding(body: AsyncIterable<Uint8Array>, release: () => void, signal: AbortSignal): AsyncIterable<Uint8Array> {
  signal.addEventListener('abort', release, { once: true });
  return (async function* () {
    try {
      yield* body;
    } finally {
      signal.removeEventListener('abort', release);
      release();
    }
  })();
}
