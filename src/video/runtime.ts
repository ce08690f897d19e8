/**
 * The shared state of the Kinesis Video control plane that operations use: the catalogue, the settings, the
 * clock and the scheduler that ends transitional statuses.
 *
 * Resolving a stream (DescribeStream API reference and every operation taking `StreamName` or `StreamARN`):
 * 1. one of `StreamName` / `StreamARN` is required;
 * 2. with both, they must name the same stream;
 * 3. a stream of another account or region, or none, answers ResourceNotFoundException with AWS's text.
 */
import { partitionOf } from '../auth/index.js';
import type { Clock, Scheduler } from '../jobs/index.js';
import type { Logger, RequestContext } from '../protocol/index.js';
import type { ChannelState, ResourceState, StreamState, VideoCatalog } from './catalog.js';
import { channelNotFound, streamNotFound, videoError } from './errors.js';

/** Settings of the service (server flags). */
export interface VideoSettings {
  /** How long a new stream or channel stays CREATING, ms. */
  readonly createMs: number;
  /** How long an updated stream or channel stays UPDATING, ms. */
  readonly updateMs: number;
  /** How long a deleted stream or channel stays DELETING, ms. */
  readonly deleteMs: number;
  /** Streams per account and region (AccountStreamLimitExceededException above). */
  readonly streamLimit: number;
  /** Signaling channels per account and region (AccountChannelLimitExceededException above). */
  readonly channelLimit: number;
  /**
   * The URL GetDataEndpoint and GetSignalingChannelEndpoint answer (`--public-url`, for a server behind a proxy);
   * empty: the URL the request was addressed to.
   */
  readonly publicUrl: string;
}

/** Scheduler timer kind of the status transitions (keyed by incarnation id). */
export const STATUS_TIMER = 'kinesisvideo.status';

/** A stream reference as the operations take it. */
export interface StreamRef {
  readonly StreamName?: string;
  readonly StreamARN?: string;
}

/** The scope of a lookup: the caller's account and region. */
export interface Scope {
  readonly accountId: string;
  readonly region: string;
}

/** The control plane's shared state (see this file's header). */
export class VideoRuntime {
  readonly catalog: VideoCatalog;
  readonly settings: VideoSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly #scheduler: Scheduler;

  constructor(parts: {
    catalog: VideoCatalog;
    settings: VideoSettings;
    clock: Clock;
    scheduler: Scheduler;
    logger: Logger;
  }) {
    this.catalog = parts.catalog;
    this.settings = parts.settings;
    this.clock = parts.clock;
    this.logger = parts.logger;
    this.#scheduler = parts.scheduler;
  }

  now(): number {
    return this.clock.now();
  }

  /** The stream a request names, or undefined (rules 1–2 of this file's header throw). */
  findStream(ref: StreamRef, scope: Scope): StreamState | undefined {
    if (ref.StreamARN === undefined && ref.StreamName === undefined) {
      // TODO(#video-texts): AWS's text for a request naming neither is not known.
      throw videoError('InvalidArgumentException', 'Either StreamName or StreamARN must be specified.');
    }
    let state: ResourceState | undefined;
    if (ref.StreamARN !== undefined) {
      state = this.catalog.byArn(ref.StreamARN);
      if (state !== undefined && (state.accountId !== scope.accountId || state.region !== scope.region)) {
        state = undefined;
      }
      if (state !== undefined && ref.StreamName !== undefined && state.name !== ref.StreamName) {
        // TODO(#video-texts): AWS's text when name and ARN disagree is not known.
        throw videoError('InvalidArgumentException', 'StreamName and StreamARN do not name the same stream.');
      }
    } else {
      state = this.catalog.get('stream', scope.accountId, scope.region, ref.StreamName!);
    }
    return state?.kind === 'stream' ? state : undefined;
  }

  /** The stream a request names; ResourceNotFoundException unless it exists (rule 3). */
  requireStream(ref: StreamRef, ctx: Scope): StreamState {
    const state = this.findStream(ref, ctx);
    if (state === undefined) throw streamNotFound();
    return state;
  }

  /** The stream a request names, unless it is DELETING (its data is already inaccessible): ResourceNotFoundException. */
  requireLive(ref: StreamRef, ctx: Scope): StreamState {
    const state = this.requireStream(ref, ctx);
    if (state.status === 'DELETING') throw streamNotFound();
    return state;
  }

  /**
   * The stream a changing request names: it must exist and not be DELETING (ResourceNotFoundException, as its
   * data is already inaccessible), nor CREATING or UPDATING (ResourceInUseException).
   */
  requireStable(ref: StreamRef, ctx: Scope): StreamState {
    const state = this.requireStream(ref, ctx);
    if (state.status === 'DELETING') throw streamNotFound();
    if (state.status !== 'ACTIVE') {
      // TODO(#video-texts): AWS's text for a stream that is not ACTIVE is not known.
      throw videoError('ResourceInUseException', `The stream ${state.name} is ${state.status}.`);
    }
    return state;
  }

  /** The signaling channel a request names by ARN or name (one of them is required). */
  requireChannel(ref: { readonly ChannelARN?: string; readonly ChannelName?: string }, ctx: Scope): ChannelState {
    if (ref.ChannelARN === undefined && ref.ChannelName === undefined) {
      // TODO(#video-texts): AWS's text for a request naming neither is not known.
      throw videoError('InvalidArgumentException', 'Either ChannelName or ChannelARN must be specified.');
    }
    const state =
      ref.ChannelARN !== undefined
        ? this.catalog.byArn(ref.ChannelARN)
        : this.catalog.get('channel', ctx.accountId, ctx.region, ref.ChannelName!);
    if (state?.kind !== 'channel' || state.accountId !== ctx.accountId || state.region !== ctx.region) {
      throw channelNotFound();
    }
    return state;
  }

  /** Any resource by ARN (TagResource and friends), in the caller's account and region, unless it is DELETING. */
  requireResource(arn: string, ctx: Scope): ResourceState {
    const state = this.catalog.byArn(arn);
    if (
      state === undefined ||
      state.accountId !== ctx.accountId ||
      state.region !== ctx.region ||
      state.status === 'DELETING'
    ) {
      throw arn.includes(':channel/') ? channelNotFound() : streamNotFound();
    }
    return state;
  }

  /** `arn:aws:kinesisvideo:<region>:<account>:<kind>/<name>/<creation-ms>` (partition from the region). */
  arnOf(kind: 'stream' | 'channel', name: string, creationMs: number, ctx: Scope): string {
    return `arn:${partitionOf(ctx.region)}:kinesisvideo:${ctx.region}:${ctx.accountId}:${kind}/${name}/${creationMs}`;
  }

  /** The base URL of this server's data plane for a request. */
  endpointFor(ctx: RequestContext): string {
    if (this.settings.publicUrl !== '') return this.settings.publicUrl;
    return ctx.endpointUrl ?? 'http://127.0.0.1';
  }

  /** Arms the end of a transitional status. */
  schedule(state: ResourceState): Promise<void> {
    return this.#scheduler.at(STATUS_TIMER, state.id, state.transitionAt ?? this.now());
  }
}
