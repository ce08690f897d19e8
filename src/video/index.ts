/**
 * Amazon Kinesis Video Streams: `createVideoService` builds the module the server mounts. Everything is
 * path-routed REST-JSON on the server's one port (`POST /createStream`, …), signed with the service name
 * `kinesisvideo`, authorized as `kinesisvideo:<Operation>` on stream ARNs
 * `arn:aws:kinesisvideo:<region>:<account>:stream/<name>/<creation-ms>` and channel ARNs `…:channel/<name>/<ms>`
 * (docs/adr/0022-video-control-plane.md).
 *
 * Shape of the service:
 * - the control plane (operations/) works on the catalogue (catalog.ts), the sole writer of stream and channel
 *   metadata, kept in the service's metadata scope; CREATING → ACTIVE, UPDATING → ACTIVE and DELETING → gone run
 *   on the scheduler's persisted timers;
 * - the media planes (PutMedia, GetMedia, archived media) are {@link VideoPlane}s listed in {@link PLANES}: each
 *   gets the in-process {@link VideoStreamsApi} and adds its own routes, workers and shutdown.
 */
import { Scheduler, realClock, type Clock } from '../jobs/index.js';
import {
  type Logger,
  type MetricSample,
  type OperationDefinition,
  type ResourceRule,
  type ResourceScope,
  type RestRoute,
  type ServiceError,
  type ServiceModule,
  type Worker,
  opWith,
  restJsonRoutes,
  statusCountSamples,
} from '../protocol/index.js';
import type { MetaStore, StorageBackend } from '../storage/index.js';
import { type ResourceState, type StreamState, VideoCatalog } from './catalog.js';
import { VideoErrors, videoError } from './errors.js';
import { deleteEdgeConfiguration } from './operations/delete-edge-configuration.js';
import { describeEdgeConfiguration } from './operations/describe-edge-configuration.js';
import { describeMappedResourceConfiguration } from './operations/describe-mapped-resource-configuration.js';
import { listEdgeAgentConfigurations } from './operations/list-edge-agent-configurations.js';
import { startEdgeConfigurationUpdate } from './operations/start-edge-configuration-update.js';
import { describeImageGenerationConfiguration } from './operations/describe-image-generation-configuration.js';
import { updateImageGenerationConfiguration } from './operations/update-image-generation-configuration.js';
import { describeNotificationConfiguration } from './operations/describe-notification-configuration.js';
import { updateNotificationConfiguration } from './operations/update-notification-configuration.js';
import { describeMediaStorageConfiguration } from './operations/describe-media-storage-configuration.js';
import { describeStreamStorageConfiguration } from './operations/describe-stream-storage-configuration.js';
import { updateMediaStorageConfiguration } from './operations/update-media-storage-configuration.js';
import { updateStreamStorageConfiguration } from './operations/update-stream-storage-configuration.js';
import { createSignalingChannel } from './operations/create-signaling-channel.js';
import { createStream } from './operations/create-stream.js';
import { deleteSignalingChannel } from './operations/delete-signaling-channel.js';
import { deleteStream } from './operations/delete-stream.js';
import { describeSignalingChannel } from './operations/describe-signaling-channel.js';
import { describeStream } from './operations/describe-stream.js';
import { getDataEndpoint } from './operations/get-data-endpoint.js';
import { getSignalingChannelEndpoint } from './operations/get-signaling-channel-endpoint.js';
import { listSignalingChannels } from './operations/list-signaling-channels.js';
import { listStreams } from './operations/list-streams.js';
import { listTagsForResource } from './operations/list-tags-for-resource.js';
import { listTagsForStream } from './operations/list-tags-for-stream.js';
import { mediaPlane } from './media/index.js';
import { tagResource } from './operations/tag-resource.js';
import { tagStream } from './operations/tag-stream.js';
import { untagResource } from './operations/untag-resource.js';
import { untagStream } from './operations/untag-stream.js';
import { updateDataRetention } from './operations/update-data-retention.js';
import { updateSignalingChannel } from './operations/update-signaling-channel.js';
import { updateStream } from './operations/update-stream.js';
import { STATUS_TIMER, type StreamRef, VideoRuntime, type VideoSettings } from './runtime.js';
import { kinesisVideoModel } from './shapes/index.js';

export { mediaPlane, type MediaPlaneOptions } from './media/index.js';
export { VideoErrors, channelNotFound, streamNotFound, videoError } from './errors.js';
export type { StreamState, ChannelState, ResourceStatus } from './catalog.js';
export type { StreamRef } from './runtime.js';
export { kinesisVideoModel, kinesisVideoMediaModel, kinesisVideoArchivedMediaModel } from './shapes/index.js';
export type { KinesisVideoOperations } from './shapes/index.js';

/** IAM action prefix, signing name and ARN service of every Kinesis Video API. */
export const VIDEO_SERVICE = 'kinesisvideo';

/**
 * What the media planes know of streams: the catalogue's records, read-only. A stream's `id` is unique per
 * incarnation (a stream deleted and created again under the same name has a new one), so media is stored under
 * it; `status` other than ACTIVE (and UPDATING) means the stream does not take media.
 */
export interface VideoStreamsApi {
  /** The stream a request names by `StreamName` / `StreamARN` in the caller's scope; ResourceNotFoundException if none. */
  require(ref: StreamRef, scope: ResourceScope): StreamState;
  /** The stream by ARN, or by name in the scope; undefined if none. */
  get(nameOrArn: string, scope: ResourceScope): StreamState | undefined;
  /** The stream of an incarnation id, if it still exists. */
  byId(id: string): StreamState | undefined;
  /** Every stream of every account. */
  all(): StreamState[];
  /**
   * Calls `f` after each change of a stream: the new state, or undefined once it is gone (the end of DELETING,
   * when its media must go too). Returns the function that stops the calls.
   */
  onChange(f: (next: StreamState | undefined, previous: StreamState | undefined) => void): () => void;
  /**
   * Incarnation ids of every stream the metadata store holds now. On a cluster this node's cache may not know
   * another node's newest stream yet (ADR 0036): deleting what "no stream owns" must ask the store.
   */
  storedIds(): Promise<ReadonlySet<string>>;
}

/** What a media plane gets from the service. */
export interface VideoPlaneContext {
  readonly streams: VideoStreamsApi;
  readonly backend: StorageBackend;
  /** The service's metadata scope. */
  readonly meta: MetaStore;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly region: string;
  readonly accountId: string;
}

/** A media plane: path-routed operations plus its background work. */
export interface VideoPlane {
  readonly routes: readonly RestRoute[];
  readonly workers?: readonly Worker[];
  /** The plane's CloudWatch samples (AWS/KinesisVideo), read once per `/metrics` scrape. */
  metricSamples?(): readonly MetricSample[];
  close(): Promise<void>;
}

/** Builds a media plane (called once, after the catalogue is open). */
export type VideoPlaneFactory = (ctx: VideoPlaneContext) => Promise<VideoPlane>;

/** The media planes mounted with the control plane. */
const PLANES: readonly VideoPlaneFactory[] = [mediaPlane()];

/** Options of {@link createVideoService}. */
export interface VideoServiceOptions {
  readonly region: string;
  readonly accountId: string;
  readonly logger: Logger;
  /** The service's metadata scope (the server passes `scopeMeta(backend.meta, 'kinesisvideo/')`). Default `backend.meta`. */
  readonly meta?: MetaStore;
  /** Shared scheduler (started by the caller). Default: the service's own, on `clock`. */
  readonly scheduler?: Scheduler;
  /** Time source of creation times and transitions. Default: the system clock. */
  readonly clock?: Clock;
  /** Default 500 ms. */
  readonly createMs?: number;
  /** Default 500 ms. */
  readonly updateMs?: number;
  /** Default 500 ms. */
  readonly deleteMs?: number;
  /** Default 10,000 (Kinesis Video Streams quotas: streams per account). */
  readonly streamLimit?: number;
  /** Default 10,000. */
  readonly channelLimit?: number;
  /** URL the data-endpoint operations answer; default the URL each request was addressed to. */
  readonly publicUrl?: string;
  /** Media planes to mount; default {@link PLANES}. */
  readonly planes?: readonly VideoPlaneFactory[];
}

/** The Video module plus its in-process API. */
export interface VideoService extends ServiceModule {
  readonly routes: readonly RestRoute[];
  readonly api: VideoStreamsApi;
}

const RESOURCE: ResourceRule = { kind: 'service' };
const ACCOUNT: ResourceRule = { kind: 'account' };

export async function createVideoService(backend: StorageBackend, options: VideoServiceOptions): Promise<VideoService> {
  const logger = options.logger.child({ service: VIDEO_SERVICE });
  const meta = options.meta ?? backend.meta;
  const clock = options.clock ?? realClock();
  const ownScheduler = options.scheduler === undefined;
  const scheduler =
    options.scheduler ?? new Scheduler({ meta: backend.meta, clock, logger: logger.child({ area: 'jobs' }) });
  const settings: VideoSettings = {
    createMs: options.createMs ?? 500,
    updateMs: options.updateMs ?? 500,
    deleteMs: options.deleteMs ?? 500,
    streamLimit: options.streamLimit ?? 10_000,
    channelLimit: options.channelLimit ?? 10_000,
    publicUrl: (options.publicUrl ?? '').replace(/\/+$/, ''),
  };
  const catalog = await VideoCatalog.open(meta, logger);
  const rt = new VideoRuntime({ catalog, settings, clock, scheduler, logger });

  // The end of a transitional status: CREATING / UPDATING → ACTIVE, DELETING → gone.
  const unhandle = scheduler.handle(STATUS_TIMER, async (timer) => {
    const state = catalog.byId(timer.key);
    if (!state) return;
    if (state.status === 'DELETING') {
      await catalog.remove(state.id);
      return;
    }
    await catalog.update(state, (d) => {
      if (d.status !== 'CREATING' && d.status !== 'UPDATING') return false;
      d.status = 'ACTIVE';
      delete d.transitionAt;
    });
  });
  for (const state of catalog.all()) if (state.transitionAt !== undefined) await rt.schedule(state);

  const api: VideoStreamsApi = {
    require: (ref, scope) => rt.requireStream(ref, scope),
    get: (nameOrArn, scope) =>
      rt.findStream(nameOrArn.startsWith('arn:') ? { StreamARN: nameOrArn } : { StreamName: nameOrArn }, scope),
    byId: (id) => asStream(catalog.byId(id)),
    all: () => catalog.all().filter((s): s is StreamState => s.kind === 'stream'),
    storedIds: () => catalog.storedStreamIds(),
    onChange: (f) =>
      catalog.onChange((next, previous) => {
        if ((next ?? previous)?.kind === 'stream') f(asStream(next), asStream(previous));
      }),
  };

  // Resource rule `service` (resourceArns below): stream and channel ARNs carry a creation time that only the
  // catalogue knows. List operations are account-level (`*`).
  const operations: Record<string, OperationDefinition> = {
    CreateStream: opWith(rt, createStream, { resource: RESOURCE, requestTags: 'Tags' }),
    DescribeStream: opWith(rt, describeStream, { resource: RESOURCE }),
    ListStreams: opWith(rt, listStreams, { resource: ACCOUNT }),
    DeleteStream: opWith(rt, deleteStream, { resource: RESOURCE }),
    UpdateStream: opWith(rt, updateStream, { resource: RESOURCE }),
    UpdateDataRetention: opWith(rt, updateDataRetention, { resource: RESOURCE }),
    GetDataEndpoint: opWith(rt, getDataEndpoint, { resource: RESOURCE }),
    TagStream: opWith(rt, tagStream, { resource: RESOURCE, requestTags: 'Tags' }),
    UntagStream: opWith(rt, untagStream, { resource: RESOURCE, requestTags: 'TagKeyList' }),
    ListTagsForStream: opWith(rt, listTagsForStream, { resource: RESOURCE }),
    TagResource: opWith(rt, tagResource, { resource: RESOURCE, requestTags: 'Tags' }),
    UntagResource: opWith(rt, untagResource, { resource: RESOURCE, requestTags: 'TagKeyList' }),
    ListTagsForResource: opWith(rt, listTagsForResource, { resource: RESOURCE }),
    CreateSignalingChannel: opWith(rt, createSignalingChannel, { resource: RESOURCE, requestTags: 'Tags' }),
    DescribeSignalingChannel: opWith(rt, describeSignalingChannel, { resource: RESOURCE }),
    ListSignalingChannels: opWith(rt, listSignalingChannels, { resource: ACCOUNT }),
    UpdateSignalingChannel: opWith(rt, updateSignalingChannel, { resource: RESOURCE }),
    DeleteSignalingChannel: opWith(rt, deleteSignalingChannel, { resource: RESOURCE }),
    GetSignalingChannelEndpoint: opWith(rt, getSignalingChannelEndpoint, { resource: RESOURCE }),
    UpdateImageGenerationConfiguration: opWith(rt, updateImageGenerationConfiguration, { resource: RESOURCE }),
    DescribeImageGenerationConfiguration: opWith(rt, describeImageGenerationConfiguration, { resource: RESOURCE }),
    UpdateNotificationConfiguration: opWith(rt, updateNotificationConfiguration, { resource: RESOURCE }),
    DescribeNotificationConfiguration: opWith(rt, describeNotificationConfiguration, { resource: RESOURCE }),
    DescribeStreamStorageConfiguration: opWith(rt, describeStreamStorageConfiguration, { resource: RESOURCE }),
    UpdateStreamStorageConfiguration: opWith(rt, updateStreamStorageConfiguration, { resource: RESOURCE }),
    DescribeMediaStorageConfiguration: opWith(rt, describeMediaStorageConfiguration, { resource: RESOURCE }),
    UpdateMediaStorageConfiguration: opWith(rt, updateMediaStorageConfiguration, { resource: RESOURCE }),
    StartEdgeConfigurationUpdate: opWith(rt, startEdgeConfigurationUpdate, { resource: RESOURCE }),
    DescribeEdgeConfiguration: opWith(rt, describeEdgeConfiguration, { resource: RESOURCE }),
    DeleteEdgeConfiguration: opWith(rt, deleteEdgeConfiguration, { resource: RESOURCE }),
    ListEdgeAgentConfigurations: opWith(rt, listEdgeAgentConfigurations, { resource: ACCOUNT }),
    DescribeMappedResourceConfiguration: opWith(rt, describeMappedResourceConfiguration, { resource: RESOURCE }),
  };
  const controlRoutes = restJsonRoutes({
    service: VIDEO_SERVICE,
    model: kinesisVideoModel,
    operations,
    validationError: invalidArgument,
    unimplemented: (operation) =>
      // Every operation of the model the shapes were generated from has a handler (the table above); this answers
      // only an operation that a regenerated model adds before its handler exists, a state AWS itself never has,
      // so there is no AWS text to follow.
      videoError('InvalidArgumentException', `${operation} is not supported by this server.`),
  });

  const planes: VideoPlane[] = [];
  const closePlanes = async (): Promise<void> => {
    for (const plane of planes.reverse()) await plane.close();
  };
  try {
    for (const factory of options.planes ?? PLANES) {
      planes.push(
        await factory({
          streams: api,
          backend,
          meta,
          scheduler,
          clock,
          logger,
          region: options.region,
          accountId: options.accountId,
        }),
      );
    }
  } catch (e) {
    await closePlanes().catch(() => {});
    await unhandle();
    throw e;
  }

  if (ownScheduler) await scheduler.start();

  return {
    name: VIDEO_SERVICE,
    title: 'Amazon Kinesis Video Streams',
    routes: [...controlRoutes, ...planes.flatMap((p) => p.routes)],
    workers: planes.flatMap((p) => p.workers ?? []),
    errors: VideoErrors,
    routeResources: { resourceArns: (operation, input, scope) => resourceArns(rt, operation, input, scope) },
    api,
    // How many streams there are, by status (docs/adr/0031), and the media planes' AWS/KinesisVideo metrics.
    metricSamples: () => [
      ...statusCountSamples('Tributary/KinesisVideo', 'Streams', api.all()),
      ...planes.flatMap((p) => p.metricSamples?.() ?? []),
    ],
    async close() {
      catalog.stopWatching();
      await closePlanes();
      await unhandle();
      if (ownScheduler) await scheduler.close();
    },
  };
}

function asStream(state: ResourceState | undefined): StreamState | undefined {
  return state?.kind === 'stream' ? state : undefined;
}

/**
 * Kinesis Video answers a request that breaks the model's constraints with InvalidArgumentException, the one
 * validation error its models declare for every operation. TODO(#video-texts): whether AWS uses that type or
 * ValidationException for constraint failures, and its exact text, are not confirmed; the text is the one the
 * JSON services use ("1 validation error detected: …").
 */
function invalidArgument(err: ServiceError): ServiceError {
  return videoError('InvalidArgumentException', err.message);
}

/**
 * The resource ARNs an operation is authorized against (Service Authorization Reference, "Actions, resources, and
 * condition keys for Amazon Kinesis Video Streams": resource types `stream` and `channel`):
 * 1. an ARN in the input (`StreamARN`, `ChannelARN`, `ResourceARN`) as given;
 * 2. a `StreamName` / `ChannelName`: the ARN of the existing resource of that name in the caller's scope;
 * 3. a name of no existing resource: `…:stream/<name>/*` (its creation time is unknown), which only a policy
 *    covering every incarnation of the name matches.
 */
function resourceArns(
  rt: VideoRuntime,
  _operation: string,
  input: Readonly<Record<string, unknown>>,
  scope: ResourceScope | undefined,
): readonly string[] | undefined {
  for (const member of ['StreamARN', 'ChannelARN', 'ResourceARN']) {
    const arn = input[member];
    if (typeof arn === 'string' && arn !== '') return [arn];
  }
  if (scope === undefined) return undefined;
  for (const [member, kind] of [
    ['StreamName', 'stream'],
    ['ChannelName', 'channel'],
  ] as const) {
    const name = input[member];
    if (typeof name !== 'string' || name === '') continue;
    const state =
      kind === 'stream'
        ? rt.catalog.get('stream', scope.accountId, scope.region, name)
        : rt.catalog.get('channel', scope.accountId, scope.region, name);
    return [state?.arn ?? `${rt.arnOf(kind, name, 0, scope).replace(/\/0$/, '')}/*`];
  }
  return undefined;
}
