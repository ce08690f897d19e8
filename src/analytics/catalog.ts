/**
 * The application catalogue: every application's configuration and status, in memory and written through to the
 * service's {@link MetaStore} scope (`applications/<account>/<region>/<name>`). Like the Data Streams and Firehose
 * catalogues (docs/adr/0012-catalog-sole-writer.md) it is the only writer of that state: states are frozen, a
 * change is a mutator applied to a copy, written with compare-and-set against the last known revision, and made
 * current only once durable. Changes of one application are serialised.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../protocol/index.js';
import { isConflict, type MetaStore } from '../storage/index.js';
import type { ApplicationDraft, ApplicationState } from './application.js';
import { analyticsError, applicationExists } from './errors.js';

/** Edits a copy in place; returning `false` means "nothing to change". May run again after a conflict. */
// biome-ignore lint/suspicious/noConfusingVoidType: most mutators return nothing; `false` is the one value that counts.
export type Mutator = (draft: ApplicationDraft) => void | false;

const KEY_PREFIX = 'applications/';
const ATTEMPTS = 5;

function keyOf(s: Pick<ApplicationState, 'accountId' | 'region' | 'name'>): string {
  return `${KEY_PREFIX}${s.accountId}/${s.region}/${s.name}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A new incarnation id (16 random bytes, hex): it names checkpoints and workers, so a re-created name starts afresh. */
export function newIncarnationId(): string {
  return randomBytes(16).toString('hex');
}

/** The catalogue (see this file's header). */
export class ApplicationCatalog {
  readonly #meta: MetaStore;
  readonly #logger: Logger;
  readonly #byKey = new Map<string, ApplicationState>();
  readonly #byId = new Map<string, ApplicationState>();
  readonly #revisions = new Map<string, number>();
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #listeners = new Set<(next: ApplicationState | undefined, id: string) => void>();

  private constructor(meta: MetaStore, logger: Logger) {
    this.#meta = meta;
    this.#logger = logger;
  }

  static async open(meta: MetaStore, logger: Logger): Promise<ApplicationCatalog> {
    const catalog = new ApplicationCatalog(meta, logger);
    for (const [key] of await meta.list(KEY_PREFIX)) {
      const stored = await meta.getVersioned<ApplicationState>(key);
      if (!stored) continue;
      catalog.#revisions.set(stored.value.id, stored.revision);
      catalog.#index(deepFreeze(stored.value));
    }
    return catalog;
  }

  /** Calls `f` after every change (the new state, or undefined once removed). */
  onChange(f: (next: ApplicationState | undefined, id: string) => void): void {
    this.#listeners.add(f);
  }

  get(accountId: string, region: string, name: string): ApplicationState | undefined {
    return this.#byKey.get(keyOf({ accountId, region, name }));
  }

  getById(id: string): ApplicationState | undefined {
    return this.#byId.get(id);
  }

  getByArn(arn: string): ApplicationState | undefined {
    for (const s of this.#byId.values()) if (s.arn === arn) return s;
    return undefined;
  }

  /** Applications of one account and region, sorted by name. */
  list(accountId: string, region: string): ApplicationState[] {
    const prefix = `${KEY_PREFIX}${accountId}/${region}/`;
    const out: ApplicationState[] = [];
    for (const [key, s] of this.#byKey) if (key.startsWith(prefix)) out.push(s);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  all(): ApplicationState[] {
    return [...this.#byId.values()];
  }

  /** Adds a new application once durable; a name already stored → ResourceInUseException. */
  add(state: ApplicationState): Promise<ApplicationState> {
    return this.#exclusive(state.id, async () => {
      let revision: number;
      try {
        revision = await this.#meta.put(keyOf(state), state, { expectedRevision: 0 });
      } catch (err) {
        if (!isConflict(err)) throw err;
        throw applicationExists(state.name, state.accountId);
      }
      const added = deepFreeze(structuredClone(state));
      this.#revisions.set(added.id, revision);
      this.#index(added);
      this.#emit(added, added.id);
      return added;
    });
  }

  /** Applies `mutate` to a copy of the current state and writes it with compare-and-set (see the header). */
  update(id: string, mutate: Mutator): Promise<ApplicationState> {
    return this.#exclusive(id, async () => {
      for (let attempt = 1; ; attempt++) {
        const current = this.#byId.get(id);
        if (!current) throw analyticsError('ResourceNotFoundException', 'The application was deleted.');
        const draft = structuredClone(current) as ApplicationDraft;
        if (mutate(draft) === false) return current;
        const next = draft as ApplicationState;
        try {
          const revision = await this.#meta.put(keyOf(next), next, {
            expectedRevision: this.#revisions.get(id) ?? 0,
          });
          this.#revisions.set(id, revision);
        } catch (err) {
          if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
          this.#logger.warn({ application: current.name, attempt }, 'application changed by another writer');
          await this.#refresh(current);
          continue;
        }
        this.#index(deepFreeze(next));
        this.#emit(next, id);
        return next;
      }
    });
  }

  /** Removes an application's state (compare-and-set). */
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

  async #refresh(current: ApplicationState): Promise<void> {
    const stored = await this.#meta.getVersioned<ApplicationState>(keyOf(current));
    if (!stored || stored.value.id !== current.id) {
      this.#byKey.delete(keyOf(current));
      this.#byId.delete(current.id);
      this.#revisions.delete(current.id);
      return;
    }
    this.#revisions.set(current.id, stored.revision);
    this.#index(deepFreeze(stored.value));
  }

  #index(s: ApplicationState): void {
    this.#byKey.set(keyOf(s), s);
    this.#byId.set(s.id, s);
  }

  #emit(next: ApplicationState | undefined, id: string): void {
    for (const f of this.#listeners) {
      try {
        f(next, id);
      } catch (err) {
        this.#logger.error({ err }, 'application change listener failed');
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
