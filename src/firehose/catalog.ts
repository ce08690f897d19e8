/**
 * The delivery stream catalogue: every delivery stream's configuration and status, in memory and written through
 * to the service's {@link MetaStore} scope (`streams/<account>/<region>/<name>`). Like the Data Streams catalogue
 * (docs/adr/0012-catalog-sole-writer.md) it is the only writer of that state: states are frozen, a change is a
 * mutator applied to a copy, written with compare-and-set against the last known revision, and made current only
 * once durable. Changes of one stream are serialised.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../protocol/index.js';
import { isConflict, type MetaStore } from '../storage/index.js';
import { deliveryStreamNotFound, firehoseError } from './errors.js';
import type { HttpEndpointState } from './http-endpoint.js';
import type {
  DeliveryStreamStatus,
  DeliveryStreamType,
  ExtendedS3DestinationDescription,
  KeyType,
} from './shapes/index.js';

/** The single destination of a delivery stream. */
export interface DestinationState {
  /** `destinationId-000000000001`. */
  readonly id: string;
  /**
   * `s3` was created with the legacy S3DestinationConfiguration (described as both S3 and Extended S3);
   * `httpEndpoint` delivers to `http` and keeps `s3` as its backup bucket.
   */
  readonly kind: 's3' | 'extendedS3' | 'httpEndpoint';
  /** The configuration with AWS's defaults filled in, as DescribeDeliveryStream shows it. */
  readonly s3: ExtendedS3DestinationDescription;
  /** The HTTP endpoint (kind `httpEndpoint`). */
  readonly http?: HttpEndpointState;
}

/**
 * Server-side encryption of a DirectPut stream (Tributary has no KMS: the settings are kept and reported).
 * ENABLING and DISABLING end at `transitionAt` (epoch ms) on the scheduler's `firehose.sse` timer.
 */
export interface EncryptionState {
  readonly status: 'ENABLED' | 'DISABLED' | 'ENABLING' | 'DISABLING';
  readonly keyType?: KeyType;
  readonly keyArn?: string;
  readonly transitionAt?: number;
  /** Epoch ms of the Start/Stop calls of the last 24 hours (their combined quota). */
  readonly calls?: readonly number[];
}

/** One delivery stream, persisted as JSON. */
export interface DeliveryStreamState {
  /** Unique per incarnation (names its durable buffer and checkpoint). */
  readonly id: string;
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly arn: string;
  readonly status: DeliveryStreamStatus;
  readonly type: DeliveryStreamType;
  /** Starts at 1; +1 per UpdateDestination (part of every S3 object name). */
  readonly versionId: number;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly updatedAt?: number;
  /** When the current transitional status ends (epoch ms). */
  readonly transitionAt?: number;
  readonly kinesisSource?: { readonly streamArn: string; readonly roleArn: string };
  readonly directPut?: { readonly throughputHintInMBs?: number };
  readonly destination: DestinationState;
  readonly encryption: EncryptionState;
  /** Tags in insertion order. */
  readonly tags: Readonly<Record<string, string>>;
}

/** A mutable copy of a state, what a mutator edits. */
export type Draft<T> =
  T extends ReadonlyArray<infer U> ? Draft<U>[] : T extends object ? { -readonly [K in keyof T]: Draft<T[K]> } : T;
export type DeliveryStreamDraft = Draft<DeliveryStreamState>;
/** Edits a copy in place; returning `false` means "nothing to change". May run again after a conflict. */
// biome-ignore lint/suspicious/noConfusingVoidType: most mutators return nothing; `false` is the one value that counts.
export type Mutator = (draft: DeliveryStreamDraft) => void | false;

const KEY_PREFIX = 'streams/';
const ATTEMPTS = 5;

function keyOf(s: Pick<DeliveryStreamState, 'accountId' | 'region' | 'name'>): string {
  return `${KEY_PREFIX}${s.accountId}/${s.region}/${s.name}`;
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

/** The catalogue (see this file's header). */
export class DeliveryStreamCatalog {
  readonly #meta: MetaStore;
  readonly #logger: Logger;
  readonly #byKey = new Map<string, DeliveryStreamState>();
  readonly #byId = new Map<string, DeliveryStreamState>();
  readonly #revisions = new Map<string, number>();
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #listeners = new Set<(next: DeliveryStreamState | undefined, id: string) => void>();

  private constructor(meta: MetaStore, logger: Logger) {
    this.#meta = meta;
    this.#logger = logger;
  }

  static async open(meta: MetaStore, logger: Logger): Promise<DeliveryStreamCatalog> {
    const catalog = new DeliveryStreamCatalog(meta, logger);
    for (const [key] of await meta.list(KEY_PREFIX)) {
      const stored = await meta.getVersioned<DeliveryStreamState>(key);
      if (!stored) continue;
      catalog.#revisions.set(stored.value.id, stored.revision);
      catalog.#index(deepFreeze(stored.value));
    }
    return catalog;
  }

  /** Calls `f` after every change (the new state, or undefined once removed). */
  onChange(f: (next: DeliveryStreamState | undefined, id: string) => void): void {
    this.#listeners.add(f);
  }

  get(accountId: string, region: string, name: string): DeliveryStreamState | undefined {
    return this.#byKey.get(keyOf({ accountId, region, name }));
  }

  getById(id: string): DeliveryStreamState | undefined {
    return this.#byId.get(id);
  }

  /** Delivery streams of one account and region, sorted by name. */
  list(accountId: string, region: string): DeliveryStreamState[] {
    const prefix = `${KEY_PREFIX}${accountId}/${region}/`;
    const out: DeliveryStreamState[] = [];
    for (const [key, s] of this.#byKey) if (key.startsWith(prefix)) out.push(s);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  all(): DeliveryStreamState[] {
    return [...this.#byId.values()];
  }

  /** Adds a new stream once durable; a stream of that name already stored → ResourceInUseException. */
  add(state: DeliveryStreamState): Promise<DeliveryStreamState> {
    return this.#exclusive(state.id, async () => {
      let revision: number;
      try {
        revision = await this.#meta.put(keyOf(state), state, { expectedRevision: 0 });
      } catch (err) {
        if (!isConflict(err)) throw err;
        throw firehoseError(
          'ResourceInUseException',
          `Firehose ${state.name} under accountId ${state.accountId} already exists`,
        );
      }
      const added = deepFreeze(structuredClone(state));
      this.#revisions.set(added.id, revision);
      this.#index(added);
      this.#emit(added, added.id);
      return added;
    });
  }

  /** Applies `mutate` to a copy of the current state and writes it with compare-and-set (see the header). */
  update(id: string, mutate: Mutator): Promise<DeliveryStreamState> {
    return this.#exclusive(id, async () => {
      for (let attempt = 1; ; attempt++) {
        const current = this.#byId.get(id);
        if (!current) throw firehoseError('ResourceNotFoundException', 'Firehose not found.');
        const draft = structuredClone(current) as DeliveryStreamDraft;
        if (mutate(draft) === false) return current;
        const next = draft as DeliveryStreamState;
        try {
          const revision = await this.#meta.put(keyOf(next), next, {
            expectedRevision: this.#revisions.get(id) ?? 0,
          });
          this.#revisions.set(id, revision);
        } catch (err) {
          if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
          this.#logger.warn({ deliveryStream: current.name, attempt }, 'delivery stream changed by another writer');
          await this.#refresh(current);
          continue;
        }
        this.#index(deepFreeze(next));
        this.#emit(next, id);
        return next;
      }
    });
  }

  /** Removes a stream's state (compare-and-set). */
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
        this.#byKey.delete(keyOf(current));
        this.#byId.delete(id);
        this.#revisions.delete(id);
        this.#emit(undefined, id);
        return;
      }
    });
  }

  /** ResourceNotFoundException unless the stream exists. */
  require(accountId: string, region: string, name: string): DeliveryStreamState {
    const s = this.get(accountId, region, name);
    if (!s) throw deliveryStreamNotFound(name, accountId);
    return s;
  }

  async #refresh(current: DeliveryStreamState): Promise<void> {
    const stored = await this.#meta.getVersioned<DeliveryStreamState>(keyOf(current));
    if (!stored || stored.value.id !== current.id) {
      this.#byKey.delete(keyOf(current));
      this.#byId.delete(current.id);
      this.#revisions.delete(current.id);
      return;
    }
    this.#revisions.set(current.id, stored.revision);
    this.#index(deepFreeze(stored.value));
  }

  #index(s: DeliveryStreamState): void {
    this.#byKey.set(keyOf(s), s);
    this.#byId.set(s.id, s);
  }

  #emit(next: DeliveryStreamState | undefined, id: string): void {
    for (const f of this.#listeners) {
      try {
        f(next, id);
      } catch (err) {
        this.#logger.error({ err }, 'delivery stream change listener failed');
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
