/**
 * The Kinesis Video catalogue: every stream's and signaling channel's metadata, in memory and written through to
 * the service's {@link MetaStore} scope (`streams/<account>/<region>/<name>`, `channels/<account>/<region>/<name>`).
 * Each kind is a {@link ResourceCatalog} (src/storage/resource-catalog.ts, as the Firehose and Analytics catalogues):
 * the only writer of that state, frozen states, compare-and-set writes made current once durable, changes of one
 * resource serialised (docs/adr/0012-catalog-sole-writer.md). This class joins the two kinds and adds what Video
 * needs on top: lookup by ARN, and change listeners that also get the previous state.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../protocol/index.js';
import { type CatalogMutator, type MetaStore, newIncarnationId, ResourceCatalog } from '../storage/index.js';
import { videoError } from './errors.js';
import type {
  ChannelType,
  DefaultStorageTier,
  ImageGenerationConfiguration,
  MediaStorageConfiguration,
  NotificationConfiguration,
  EdgeConfig,
} from './shapes/index.js';

/** AWS's status values of streams and channels (`Status` in the model). */
export type ResourceStatus = 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';

/** What streams and channels share. */
interface ResourceBase {
  /** Unique per incarnation (a re-created name gets a new one; media is stored under it). */
  readonly id: string;
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  /** `arn:aws:kinesisvideo:<region>:<account>:stream/<name>/<creation-ms>` (or `channel/…`). */
  readonly arn: string;
  readonly status: ResourceStatus;
  /** Changes on every update (DescribeStream API reference: "Version of the stream"). */
  readonly version: string;
  /** Epoch ms (also the last part of the ARN). */
  readonly creationMs: number;
  /** When the current transitional status ends (epoch ms). */
  readonly transitionAt?: number;
  /** Tags in insertion order. */
  readonly tags: Readonly<Record<string, string>>;
}

/** A stream's JSON-form configurations (timestamps as epoch ms), as the update operations stored them. */
export interface StreamConfigurations {
  readonly imageGeneration?: ImageGenerationConfiguration;
  readonly notification?: NotificationConfiguration;
  /** StartEdgeConfigurationUpdate's configuration, kept and described (no edge agent runs here). */
  readonly edge?: { readonly config: EdgeConfig; readonly createdMs: number; readonly updatedMs: number };
}

/** One video stream, persisted as JSON. This is also the record the media plane reads. */
export interface StreamState extends ResourceBase {
  readonly kind: 'stream';
  readonly deviceName?: string;
  readonly mediaType?: string;
  readonly kmsKeyId: string;
  /** 0: media is not persisted (PutMedia answers without PERSISTED acks). */
  readonly dataRetentionInHours: number;
  readonly storageTier: DefaultStorageTier;
  readonly configurations: StreamConfigurations;
}

/** One signaling channel, persisted as JSON. */
export interface ChannelState extends ResourceBase {
  readonly kind: 'channel';
  readonly type: ChannelType;
  readonly messageTtlSeconds: number;
  readonly mediaStorage?: MediaStorageConfiguration;
}

export type ResourceState = StreamState | ChannelState;

/** A mutable copy of a state, what a mutator edits. */
export type Draft<T> =
  T extends ReadonlyArray<infer U> ? Draft<U>[] : T extends object ? { -readonly [K in keyof T]: Draft<T[K]> } : T;
/** Edits a copy in place; returning `false` means "nothing to change". May run again after a conflict. */
export type Mutator<T> = CatalogMutator<Draft<T>>;

export { newIncarnationId };

const VERSION_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A new version: 20 characters of `[a-zA-Z0-9]` (the model's `Version` pattern, 1–64 characters). */
export function newVersion(): string {
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += VERSION_ALPHABET[b % VERSION_ALPHABET.length];
  return out;
}

/** Which resource changed: the new state, or undefined once it is gone. */
export type ChangeListener = (next: ResourceState | undefined, previous: ResourceState | undefined) => void;

/** The name is taken: `add` turns this into ResourceInUseException with the caller's text. */
class NameTaken extends Error {}

/** One kind's catalogue. */
class KindCatalog<T extends ResourceState> extends ResourceCatalog<T, Draft<T>> {
  static async open<T extends ResourceState>(
    meta: MetaStore,
    keyPrefix: string,
    logger: Logger,
  ): Promise<KindCatalog<T>> {
    const catalog = new KindCatalog<T>(meta, {
      keyPrefix,
      alreadyExists: () => new NameTaken(),
      notFound: () => videoError('ResourceNotFoundException', 'The requested resource is not found or not active.'),
      onConflict: (current, attempt) =>
        logger.warn({ resource: current.arn, attempt }, 'video resource changed by another writer'),
      onListenerError: (err) => logger.error({ err }, 'video catalogue change listener failed'),
    });
    await catalog.load();
    return catalog;
  }
}

/** The catalogue (see this file's header). */
export class VideoCatalog {
  readonly #streams: KindCatalog<StreamState>;
  readonly #channels: KindCatalog<ChannelState>;
  /** ARN → incarnation id (an ARN names one incarnation for ever; the state is read from its kind's catalogue). */
  readonly #idByArn = new Map<string, string>();
  /** The last state each listener call reported, for the `previous` argument. */
  readonly #last = new Map<string, ResourceState>();
  readonly #listeners = new Set<ChangeListener>();
  readonly #logger: Logger;

  private constructor(streams: KindCatalog<StreamState>, channels: KindCatalog<ChannelState>, logger: Logger) {
    this.#streams = streams;
    this.#channels = channels;
    this.#logger = logger;
    for (const s of [...streams.all(), ...channels.all()]) this.#note(s);
    const relay = (next: ResourceState | undefined, id: string): void => {
      const previous = this.#last.get(id);
      if (next === undefined) {
        this.#last.delete(id);
        if (previous !== undefined && this.#idByArn.get(previous.arn) === id) this.#idByArn.delete(previous.arn);
      } else {
        this.#note(next);
      }
      for (const f of this.#listeners) {
        try {
          f(next, previous);
        } catch (err) {
          this.#logger.error({ err }, 'video catalogue change listener failed');
        }
      }
    };
    streams.onChange(relay);
    channels.onChange(relay);
  }

  /** Incarnation ids of every stream the store holds now (not this node's cache; see ResourceCatalog.storedIds). */
  storedStreamIds(): Promise<Set<string>> {
    return this.#streams.storedIds();
  }

  /** Stops following other nodes' changes (the service's close). */
  stopWatching(): void {
    this.#streams.stopWatching();
    this.#channels.stopWatching();
  }

  static async open(meta: MetaStore, logger: Logger): Promise<VideoCatalog> {
    const streams = await KindCatalog.open<StreamState>(meta, 'streams/', logger);
    const channels = await KindCatalog.open<ChannelState>(meta, 'channels/', logger);
    return new VideoCatalog(streams, channels, logger);
  }

  #note(s: ResourceState): void {
    this.#last.set(s.id, s);
    this.#idByArn.set(s.arn, s.id);
  }

  #kind(kind: ResourceState['kind']): KindCatalog<StreamState> | KindCatalog<ChannelState> {
    return kind === 'stream' ? this.#streams : this.#channels;
  }

  /** Calls `f` after every change; returns the function that stops it. */
  onChange(f: ChangeListener): () => void {
    this.#listeners.add(f);
    return () => this.#listeners.delete(f);
  }

  get(kind: 'stream', accountId: string, region: string, name: string): StreamState | undefined;
  get(kind: 'channel', accountId: string, region: string, name: string): ChannelState | undefined;
  get(kind: ResourceState['kind'], accountId: string, region: string, name: string): ResourceState | undefined {
    return this.#kind(kind).get(accountId, region, name);
  }

  byArn(arn: string): ResourceState | undefined {
    const id = this.#idByArn.get(arn);
    return id === undefined ? undefined : this.byId(id);
  }

  byId(id: string): ResourceState | undefined {
    return this.#streams.getById(id) ?? this.#channels.getById(id);
  }

  /** Resources of one kind, account and region, sorted by name. */
  list(kind: 'stream', accountId: string, region: string): StreamState[];
  list(kind: 'channel', accountId: string, region: string): ChannelState[];
  list(kind: ResourceState['kind'], accountId: string, region: string): ResourceState[] {
    return this.#kind(kind).list(accountId, region);
  }

  /** How many resources of one kind an account has in a region (limit checks; no sorting). */
  count(kind: ResourceState['kind'], accountId: string, region: string): number {
    return this.#kind(kind).count(accountId, region);
  }

  all(): ResourceState[] {
    return [...this.#streams.all(), ...this.#channels.all()];
  }

  /** Adds a new resource once durable; one of that name already stored → ResourceInUseException (`inUse`). */
  async add<T extends ResourceState>(state: T, inUse: string): Promise<T> {
    try {
      return (await (this.#kind(state.kind) as unknown as KindCatalog<T>).add(state)) as T;
    } catch (err) {
      if (err instanceof NameTaken) throw videoError('ResourceInUseException', inUse);
      throw err;
    }
  }

  /** Applies `mutate` to a copy of the current state and writes it with compare-and-set (see the header). */
  update<T extends ResourceState>(current: T, mutate: Mutator<T>): Promise<T> {
    return (this.#kind(current.kind) as unknown as KindCatalog<T>).update(current.id, mutate);
  }

  /** Removes a resource's state (compare-and-set). */
  remove(id: string): Promise<void> {
    const state = this.byId(id);
    if (state === undefined) return Promise.resolve();
    return this.#kind(state.kind).remove(id);
  }
}
