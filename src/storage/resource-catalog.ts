/**
 * A catalogue of named resources kept in memory and written through to a {@link MetaStore} scope
 * (`<prefix><account>/<region>/<name>`), as the Firehose, Analytics and Video services keep theirs. Like the Data
 * Streams catalogue (docs/adr/0012-catalog-sole-writer.md) it is the only writer of that state:
 * 1. States are frozen; a change is a mutator applied to a copy, written with compare-and-set against the last
 *    known revision, and made current only once durable.
 * 2. A conflict (another writer, e.g. another node) reloads the stored state and runs the mutator again, a bounded
 *    number of times.
 * 3. Changes of one resource are serialised; listeners hear of every change after it is durable.
 * 4. Changes other nodes write arrive through the store's change feed (`watchRemote`, ADR 0036) and take the same
 *    per-resource turn: a newer revision replaces the state (listeners hear of it), a deletion forgets it.
 */
import { randomBytes } from 'node:crypto';
import { isConflict } from './errors.js';
import type { MetaStore, RemoteMetaChange } from './types.js';

/** What every catalogued resource has. */
export interface CatalogResource {
  readonly id: string;
  readonly accountId: string;
  readonly region: string;
  readonly name: string;
}

/** Edits a copy in place; returning `false` means "nothing to change". May run again after a conflict. */
// biome-ignore lint/suspicious/noConfusingVoidType: most mutators return nothing; `false` is the one value that counts.
export type CatalogMutator<D> = (draft: D) => void | false;

/** How a service's catalogue names its keys and answers its errors. */
export interface ResourceCatalogOptions<T extends CatalogResource> {
  /** Key prefix in the service's metadata scope, e.g. `applications/`. */
  readonly keyPrefix: string;
  /** The error `add` throws when the name is already stored (the service's ResourceInUseException). */
  readonly alreadyExists: (state: T) => Error;
  /** The error `update` throws when the resource is gone (the service's ResourceNotFoundException). */
  readonly notFound: (id: string) => Error;
  /** Called when a write met another writer's change (for the log). */
  readonly onConflict?: (current: T, attempt: number) => void;
  /** Called when a change listener throws (for the log). */
  readonly onListenerError?: (err: unknown) => void;
}

const ATTEMPTS = 5;

/** A new incarnation id: 16 random bytes, hex. It names logs, checkpoints and workers, so a re-created name starts afresh. */
export function newIncarnationId(): string {
  return randomBytes(16).toString('hex');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The catalogue (see this file's header). `D` is the mutable copy a mutator edits. */
export class ResourceCatalog<T extends CatalogResource, D = T> {
  readonly #meta: MetaStore;
  readonly #options: ResourceCatalogOptions<T>;
  readonly #byKey = new Map<string, T>();
  readonly #byId = new Map<string, T>();
  readonly #revisions = new Map<string, number>();
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #listeners = new Set<(next: T | undefined, id: string) => void>();
  /** Changes from other nodes that arrived while loading (applied after the load); undefined once loaded. */
  #early: RemoteMetaChange[] | undefined;
  #unwatch: (() => void) | undefined;

  protected constructor(meta: MetaStore, options: ResourceCatalogOptions<T>) {
    this.#meta = meta;
    this.#options = options;
  }

  /** Loads every stored state (called once by the service's `open`). */
  protected async load(): Promise<void> {
    // Subscribed before loading: no change of another node falls between the load and the feed (rule 4).
    this.#early = [];
    this.#unwatch ??= this.#meta.watchRemote(this.#options.keyPrefix, (change) => this.#remote(change));
    for (const [key] of await this.#meta.list(this.#options.keyPrefix)) {
      const stored = await this.#meta.getVersioned<T>(key);
      if (!stored) continue;
      this.#revisions.set(stored.value.id, stored.revision);
      this.#index(deepFreeze(stored.value));
    }
    const early = this.#early;
    this.#early = undefined;
    for (const change of early) this.#remote(change);
  }

  /**
   * Ids of every resource the store holds now, read from the store rather than this node's cache (which may not
   * have seen another node's newest resource yet): for sweeps that delete what no resource owns.
   */
  async storedIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const [, value] of await this.#meta.list<T>(this.#options.keyPrefix)) ids.add(value.id);
    return ids;
  }

  /** Stops following other nodes' changes (the service's close, before what the listeners drive is closed). */
  stopWatching(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  /** A change another node wrote (rule 4). */
  #remote(change: RemoteMetaChange): void {
    if (this.#early) {
      this.#early.push(change);
      return;
    }
    const next = change.value as T | undefined;
    // A deletion names the resource stored under the key when it arrived (a re-created name has a new id).
    const id = next?.id ?? this.#byKey.get(change.key)?.id;
    if (id === undefined) return;
    void this.#exclusive(id, async () => {
      const known = this.#revisions.get(id);
      if (known !== undefined && change.revision <= known) return;
      const previous = this.#byId.get(id);
      if (!next) {
        if (!previous) return;
        this.#forget(previous);
        this.#emit(undefined, id);
        return;
      }
      const replaced = this.#byKey.get(change.key);
      if (replaced && replaced.id !== id) {
        this.#forget(replaced);
        this.#emit(undefined, replaced.id);
      }
      const state = deepFreeze(next);
      this.#revisions.set(id, change.revision);
      this.#index(state);
      this.#emit(state, id);
    }).catch((err: unknown) => this.#options.onListenerError?.(err));
  }

  #keyOf(s: Pick<T, 'accountId' | 'region' | 'name'>): string {
    return `${this.#options.keyPrefix}${s.accountId}/${s.region}/${s.name}`;
  }

  /** Calls `f` after every change (the new state, or undefined once removed); returns the function that stops it. */
  onChange(f: (next: T | undefined, id: string) => void): () => void {
    this.#listeners.add(f);
    return () => this.#listeners.delete(f);
  }

  get(accountId: string, region: string, name: string): T | undefined {
    return this.#byKey.get(this.#keyOf({ accountId, region, name }));
  }

  getById(id: string): T | undefined {
    return this.#byId.get(id);
  }

  /** Resources of one account and region, sorted by name. */
  list(accountId: string, region: string): T[] {
    const prefix = `${this.#options.keyPrefix}${accountId}/${region}/`;
    const out: T[] = [];
    for (const [key, s] of this.#byKey) if (key.startsWith(prefix)) out.push(s);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** How many resources one account has in a region (limit checks; no sorting). */
  count(accountId: string, region: string): number {
    const prefix = `${this.#options.keyPrefix}${accountId}/${region}/`;
    let n = 0;
    for (const key of this.#byKey.keys()) if (key.startsWith(prefix)) n++;
    return n;
  }

  all(): T[] {
    return [...this.#byId.values()];
  }

  /** Adds a new resource once durable; a name already stored → the service's `alreadyExists` error. */
  add(state: T): Promise<T> {
    return this.#exclusive(state.id, async () => {
      let revision: number;
      try {
        revision = await this.#meta.put(this.#keyOf(state), state, { expectedRevision: 0 });
      } catch (err) {
        if (!isConflict(err)) throw err;
        throw this.#options.alreadyExists(state);
      }
      const added = deepFreeze(structuredClone(state));
      this.#revisions.set(added.id, revision);
      this.#index(added);
      this.#emit(added, added.id);
      return added;
    });
  }

  /** Applies `mutate` to a copy of the current state and writes it with compare-and-set (rules 1 and 2). */
  update(id: string, mutate: CatalogMutator<D>): Promise<T> {
    return this.#exclusive(id, async () => {
      for (let attempt = 1; ; attempt++) {
        const current = this.#byId.get(id);
        if (!current) throw this.#options.notFound(id);
        const draft = structuredClone(current) as unknown as D;
        if (mutate(draft) === false) return current;
        const next = draft as unknown as T;
        try {
          const revision = await this.#meta.put(this.#keyOf(next), next, {
            expectedRevision: this.#revisions.get(id) ?? 0,
          });
          this.#revisions.set(id, revision);
        } catch (err) {
          if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
          this.#options.onConflict?.(current, attempt);
          await this.#refresh(current);
          continue;
        }
        this.#index(deepFreeze(next));
        this.#emit(next, id);
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
          await this.#meta.delete(this.#keyOf(current), { expectedRevision: this.#revisions.get(id) ?? 0 });
        } catch (err) {
          if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
          await this.#refresh(current);
          continue;
        }
        this.#forget(current);
        this.#emit(undefined, id);
        return;
      }
    });
  }

  async #refresh(current: T): Promise<void> {
    const stored = await this.#meta.getVersioned<T>(this.#keyOf(current));
    if (!stored || stored.value.id !== current.id) {
      this.#forget(current);
      return;
    }
    this.#revisions.set(current.id, stored.revision);
    this.#index(deepFreeze(stored.value));
  }

  #index(s: T): void {
    this.#byKey.set(this.#keyOf(s), s);
    this.#byId.set(s.id, s);
  }

  #forget(s: T): void {
    this.#byKey.delete(this.#keyOf(s));
    this.#byId.delete(s.id);
    this.#revisions.delete(s.id);
  }

  #emit(next: T | undefined, id: string): void {
    for (const f of this.#listeners) {
      try {
        f(next, id);
      } catch (err) {
        this.#options.onListenerError?.(err);
      }
    }
  }

  #exclusive<R>(id: string, f: () => Promise<R>): Promise<R> {
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
