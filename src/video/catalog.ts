/**
 * The Kinesis Video catalogue: every stream's and signaling channel's metadata, in memory and written through to
 * the service's {@link MetaStore} scope (`streams/<account>/<region>/<name>`, `channels/<account>/<region>/<name>`).
 * Like the Data Streams and Firehose catalogues (docs/adr/0012-catalog-sole-writer.md) it is the only writer of
 * that state: states are frozen, a change is a mutator applied to a copy, written with compare-and-set against
 * the last known revision, and made current only once durable. Changes of one resource are serialised.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../protocol/index.js';
import { isConflict, type MetaStore } from '../storage/index.js';
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
// biome-ignore lint/suspicious/noConfusingVoidType: most mutators return nothing; `false` is the one value that counts.
export type Mutator<T> = (draft: Draft<T>) => void | false;

const PREFIX = { stream: 'streams/', channel: 'channels/' } as const;
const ATTEMPTS = 5;

function keyOf(s: Pick<ResourceState, 'kind' | 'accountId' | 'region' | 'name'>): string {
  return `${PREFIX[s.kind]}${s.accountId}/${s.region}/${s.name}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A new incarnation id: 16 random bytes, hex. */
export function newIncarnationId(): string {
  return randomBytes(16).toString('hex');
}

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

/** The catalogue (see this file's header). */
export class VideoCatalog {
  readonly #meta: MetaStore;
  readonly #logger: Logger;
  readonly #byKey = new Map<string, ResourceState>();
  readonly #byArn = new Map<string, ResourceState>();
  readonly #byId = new Map<string, ResourceState>();
  readonly #revisions = new Map<string, number>();
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #listeners = new Set<ChangeListener>();

  private constructor(meta: MetaStore, logger: Logger) {
    this.#meta = meta;
    this.#logger = logger;
  }

  static async open(meta: MetaStore, logger: Logger): Promise<VideoCatalog> {
    const catalog = new VideoCatalog(meta, logger);
    for (const prefix of Object.values(PREFIX)) {
      for (const [key] of await meta.list(prefix)) {
        const stored = await meta.getVersioned<ResourceState>(key);
        if (!stored) continue;
        catalog.#revisions.set(stored.value.id, stored.revision);
        catalog.#index(deepFreeze(stored.value));
      }
    }
    return catalog;
  }

  /** Calls `f` after every change; returns the function that stops it. */
  onChange(f: ChangeListener): () => void {
    this.#listeners.add(f);
    return () => this.#listeners.delete(f);
  }

  get(kind: 'stream', accountId: string, region: string, name: string): StreamState | undefined;
  get(kind: 'channel', accountId: string, region: string, name: string): ChannelState | undefined;
  get(kind: ResourceState['kind'], accountId: string, region: string, name: string): ResourceState | undefined {
    return this.#byKey.get(keyOf({ kind, accountId, region, name }));
  }

  byArn(arn: string): ResourceState | undefined {
    return this.#byArn.get(arn);
  }

  byId(id: string): ResourceState | undefined {
    return this.#byId.get(id);
  }

  /** Resources of one kind, account and region, sorted by name. */
  list(kind: 'stream', accountId: string, region: string): StreamState[];
  list(kind: 'channel', accountId: string, region: string): ChannelState[];
  list(kind: ResourceState['kind'], accountId: string, region: string): ResourceState[] {
    const prefix = `${PREFIX[kind]}${accountId}/${region}/`;
    const out: ResourceState[] = [];
    for (const [key, s] of this.#byKey) if (key.startsWith(prefix)) out.push(s);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** How many resources of one kind an account has in a region (limit checks; no sorting). */
  count(kind: ResourceState['kind'], accountId: string, region: string): number {
    const prefix = `${PREFIX[kind]}${accountId}/${region}/`;
    let n = 0;
    for (const key of this.#byKey.keys()) if (key.startsWith(prefix)) n++;
    return n;
  }

  all(): ResourceState[] {
    return [...this.#byId.values()];
  }

  /** Adds a new resource once durable; one of that name already stored → ResourceInUseException (`inUse`). */
  add<T extends ResourceState>(state: T, inUse: string): Promise<T> {
    return this.#exclusive(state.id, async () => {
      let revision: number;
      try {
        revision = await this.#meta.put(keyOf(state), state, { expectedRevision: 0 });
      } catch (err) {
        if (!isConflict(err)) throw err;
        throw videoError('ResourceInUseException', inUse);
      }
      const added = deepFreeze(structuredClone(state));
      this.#revisions.set(added.id, revision);
      this.#index(added);
      this.#emit(added, undefined);
      return added;
    });
  }

  /** Applies `mutate` to a copy of the current state and writes it with compare-and-set (see the header). */
  update<T extends ResourceState>(current: T, mutate: Mutator<T>): Promise<T> {
    const id = current.id;
    return this.#exclusive(id, async () => {
      for (let attempt = 1; ; attempt++) {
        const now = this.#byId.get(id) as T | undefined;
        if (!now) throw videoError('ResourceNotFoundException', 'The requested resource is not found or not active.');
        const draft = structuredClone(now) as Draft<T>;
        if (mutate(draft) === false) return now;
        const next = draft as unknown as T;
        try {
          const revision = await this.#meta.put(keyOf(next), next, { expectedRevision: this.#revisions.get(id) ?? 0 });
          this.#revisions.set(id, revision);
        } catch (err) {
          if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
          this.#logger.warn({ resource: now.arn, attempt }, 'video resource changed by another writer');
          await this.#refresh(now);
          continue;
        }
        this.#index(deepFreeze(next));
        this.#emit(next, now);
        return next;
      }
    });
  }

  /** Removes a resource's state (compare-and-set). */
  remove(id: string): Promise<void> {
    return this.#exclusive(id, async () => {
      for (let attempt = 1; ; attempt++) {
        const current = this.#byId.get(id);
        if (!current) return;
        try {
          await this.#meta.delete(keyOf(current), { expectedRevision: this.#revisions.get(id) ?? 0 });
        } catch (err) {
          if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
          await this.#refresh(current);
          continue;
        }
        this.#unindex(current);
        this.#emit(undefined, current);
        return;
      }
    });
  }

  async #refresh(current: ResourceState): Promise<void> {
    const stored = await this.#meta.getVersioned<ResourceState>(keyOf(current));
    if (!stored || stored.value.id !== current.id) {
      this.#unindex(current);
      return;
    }
    this.#revisions.set(current.id, stored.revision);
    this.#index(deepFreeze(stored.value));
  }

  #index(s: ResourceState): void {
    this.#byKey.set(keyOf(s), s);
    this.#byArn.set(s.arn, s);
    this.#byId.set(s.id, s);
  }

  #unindex(s: ResourceState): void {
    if (this.#byKey.get(keyOf(s))?.id === s.id) this.#byKey.delete(keyOf(s));
    this.#byArn.delete(s.arn);
    this.#byId.delete(s.id);
    this.#revisions.delete(s.id);
  }

  #emit(next: ResourceState | undefined, previous: ResourceState | undefined): void {
    for (const f of this.#listeners) {
      try {
        f(next, previous);
      } catch (err) {
        this.#logger.error({ err }, 'video catalogue change listener failed');
      }
    }
  }

  #exclusive<T>(id: string, f: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(id) ?? Promise.resolve();
    const run = previous.then(f, f);
    const tail = run.catch(() => {});
    this.#queues.set(id, tail);
    void tail.then(() => {
      if (this.#queues.get(id) === tail) this.#queues.delete(id);
    });
    return run;
  }
}
