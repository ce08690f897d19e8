/**
 * {@link MetaStore} on the JetStream key-value store (ADR 0028). A metadata key is one KV key; its revision is
 * the KV revision (the bucket stream's sequence), so revisions from every node are ordered by the cluster.
 * Compare-and-set maps onto KV `create` (expected 0), `update(rev)` and `delete(previousSeq)`, which the
 * server checks atomically.
 *
 * Batches: JetStream before 2.12 has no atomic multi-subject publish. A batch checks every expectation first,
 * then writes its changes in order, each key's first write conditional on the revision just read. A racing
 * writer or a crash between two writes of one batch can therefore leave part of it applied (ADR 0028 lists the
 * callers and why that is tolerable; `capabilities.atomicBatch` tells when the server could do better).
 *
 * Change feed (ADR 0036): one KV watch (an ordered push consumer from the next revision) per store, started before the
 * backend is handed out, fans changes out to `watchRemote` listeners by key prefix. This store's own writes are
 * left out by their revision: every write records the revision the server gave it, and an arriving change waits
 * for the writes in flight at that moment (its own write's acknowledgement may still be on its way) before it is
 * matched against them. The bucket keeps 16 revisions of each key (backend.ts `META_HISTORY`): the watch reads the
 * bucket's stream, so a revision the stream dropped before the watch got to it (a key changed again meanwhile) would
 * never be reported.
 */
import { Empty, headers } from '@nats-io/transport-node';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { type KV, type KvEntry, KvWatchInclude, type KvWatchEntry } from '@nats-io/kv';
import {
  type ExpectedRevision,
  type MetaChange,
  type MetaStore,
  type MetaWriteOptions,
  type RemoteMetaChange,
  StorageError,
  StorageErrorCode,
  type Versioned,
} from '../index.js';
import {
  WRONG_LAST_SEQUENCE,
  apiCode,
  isNoResponders,
  isTransientRead,
  retryTransient,
  toStorageError,
} from './errors.js';
import { kvToMetaKey, metaKeyToKv } from './names.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * How long a metadata write waits for its bucket to elect a leader: elections take 4–9 s (nats-server's Raft election
 * timeout, ADR 0055); past it the write rejects as unavailable, like an append past its deadline.
 */
const ELECTION_DEADLINE_MS = 20_000;

/** Where {@link NatsMetaStore.list} asks for the bucket's keys: its stream, through the stream leader. */
export interface NatsMetaKeys {
  readonly jsm: JetStreamManager;
  /** Where writes are published (the bucket's subjects): see `NatsMetaStore.#publish`. */
  readonly js: JetStreamClient;
  /** The bucket's stream (`KV_<bucket>`). */
  readonly stream: string;
  /** The bucket's subject prefix (`$KV.<bucket>.`), followed by a key. */
  readonly subjectPrefix: string;
}

/** Metadata in one KV bucket. */
export class NatsMetaStore implements MetaStore {
  readonly #kv: KV;
  readonly #keys: NatsMetaKeys;
  #closed = false;
  readonly #writes = new Set<Promise<unknown>>();
  #serial: Promise<unknown> = Promise.resolve();
  /** Revisions this store wrote that the watch has not delivered yet. */
  readonly #own = new Set<number>();
  readonly #listeners = new Set<{ prefix: string; listener: (change: RemoteMetaChange) => void }>();
  #watch: Awaited<ReturnType<KV['watch']>> | undefined;
  #watching: Promise<void> | undefined;

  constructor(kv: KV, keys: NatsMetaKeys) {
    this.#kv = kv;
    this.#keys = keys;
  }

  /** Starts the change feed: changes from now on reach `watchRemote` listeners. */
  async startWatch(): Promise<void> {
    if (this.#watch) return;
    // From the revision after the newest one now, rather than "new messages only": the ordered consumer behind a
    // watch is re-created after a server loss from the last revision it delivered, or from this start when it has
    // delivered none (with "new only" it would then skip what was written in between; seen on a loaded machine).
    const status = await this.#kv.status();
    const iterator = await this.#kv.watch({
      include: KvWatchInclude.AllHistory,
      resumeFromRevision: status.streamInfo.state.last_seq + 1,
    });
    this.#watch = iterator;
    this.#watching = (async () => {
      for await (const entry of iterator) {
        // A change this store wrote may arrive before its acknowledgement: wait for the writes in flight now.
        if (this.#writes.size > 0) await this.#serial;
        if (this.#own.delete(entry.revision)) continue;
        this.#dispatch(entry);
      }
    })().catch(() => {
      // The watch ends with the connection (close); nothing is left to report.
    });
  }

  watchRemote(prefix: string, listener: (change: RemoteMetaChange) => void): () => void {
    const subscription = { prefix, listener };
    this.#listeners.add(subscription);
    return () => {
      this.#listeners.delete(subscription);
    };
  }

  #dispatch(entry: KvWatchEntry): void {
    if (this.#listeners.size === 0) return;
    let key: string;
    try {
      key = kvToMetaKey(entry.key);
    } catch {
      return; // not a key this store wrote
    }
    let value: unknown;
    if (entry.operation === 'PUT') {
      try {
        value = parse(entry);
      } catch {
        return;
      }
    }
    const change: RemoteMetaChange = { key, value, revision: entry.revision };
    for (const { prefix, listener } of [...this.#listeners]) {
      if (!key.startsWith(prefix)) continue;
      try {
        listener(change);
      } catch {
        // A listener's failure is its own (the caches log theirs); the feed goes on.
      }
    }
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    return (await this.getVersioned<T>(key))?.value;
  }

  async getVersioned<T = unknown>(key: string): Promise<Versioned<T> | undefined> {
    this.#check(key);
    const entry = await this.#entry(key);
    return entry ? { value: parse<T>(entry), revision: entry.revision } : undefined;
  }

  async list<T = unknown>(prefix: string): Promise<Array<[string, T]>> {
    this.#check(prefix);
    try {
      // The subjects the stream leader holds, not the client's `keys()`: that reads an ephemeral consumer, which
      // nats-server 2.9 places on any replica, and a replica behind the leader answers without the newest keys (a
      // checkpoint stored a moment before was listed as absent on the cluster). Deleted keys are still subjects
      // (their marker); the reads below leave them out.
      const { state } = await this.#keys.jsm.streams.info(this.#keys.stream, {
        subjects_filter: `${this.#keys.subjectPrefix}>`,
      });
      const keys: string[] = [];
      for (const subject of Object.keys(state.subjects ?? {})) {
        const key = kvToMetaKey(subject.slice(this.#keys.subjectPrefix.length));
        if (key.startsWith(prefix)) keys.push(key);
      }
      keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const entries = await Promise.all(keys.map((k) => this.#entry(k)));
      const out: Array<[string, T]> = [];
      for (const [i, e] of entries.entries()) if (e) out.push([keys[i]!, parse<T>(e)]);
      return out;
    } catch (err) {
      throw toStorageError(err, `list ${JSON.stringify(prefix)}`);
    }
  }

  put(key: string, value: unknown, options?: MetaWriteOptions): Promise<number> {
    let json: string;
    let expected: ExpectedRevision | undefined;
    try {
      this.#check(key);
      // Serialised at once, so later mutation of the caller's object cannot change what is stored.
      json = serialise(key, value);
      expected = checkExpected(key, options?.expectedRevision);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#track(() => this.#write(key, json, expected));
  }

  delete(key: string, options?: MetaWriteOptions): Promise<void> {
    return this.#track(async () => {
      this.#check(key);
      await this.#write(key, undefined, checkExpected(key, options?.expectedRevision));
    });
  }

  batch(changes: ReadonlyArray<MetaChange>): Promise<void> {
    const planned: Array<[string, string | undefined, ExpectedRevision | undefined]> = [];
    try {
      this.#check('');
      for (const [key, value, expected] of changes) {
        this.#check(key);
        planned.push([key, value === undefined ? undefined : serialise(key, value), checkExpected(key, expected)]);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#track(async () => {
      // Every expectation is checked before anything is written.
      const current = new Map<string, number>();
      for (const [key, , expected] of planned) {
        if (expected === undefined || current.has(key)) continue;
        const rev = (await this.#entry(key))?.revision ?? 0;
        if (rev !== expected)
          throw new StorageError(
            StorageErrorCode.conflict,
            `${JSON.stringify(key)} is at revision ${rev}, expected ${expected}`,
          );
        current.set(key, rev);
      }
      for (const [key, json] of planned) {
        // A key with an expectation is written on the revision read above, then on the one this batch gave it.
        const expected = current.get(key);
        const rev = await this.#write(key, json, expected);
        if (expected !== undefined) current.set(key, json === undefined ? -rev : rev);
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#writes]);
    this.#listeners.clear();
    this.#watch?.stop();
    await this.#watching;
  }

  /**
   * One conditional or unconditional write; resolves with the new revision. A negative `expected` is the
   * revision of a deletion marker this batch wrote (the key is absent, but only that marker may be replaced).
   */
  async #write(key: string, json: string | undefined, expected: number | undefined): Promise<number> {
    const kvKey = metaKeyToKv(key);
    try {
      if (expected === 0 && json === undefined) {
        // Deleting a key that must be absent: nothing to write, unless it exists. The revision is its deletion
        // marker's, if any (a later write of the same batch expects it).
        const newest = await this.#newest(key);
        if (newest?.operation === 'PUT')
          throw new StorageError(StorageErrorCode.conflict, `${JSON.stringify(key)} exists`);
        return newest?.revision ?? 0;
      }
      if (expected === 0) {
        try {
          const revision = await this.#publish(kvKey, json, 0);
          this.#mine(revision);
          return revision;
        } catch (err) {
          if (apiCode(err) !== WRONG_LAST_SEQUENCE) throw err;
          // The key has a history: absent still when its newest revision is a deletion marker, which this write may
          // replace (as the client's KV `create` does).
          const current = await this.#newest(key);
          if (!current || current.operation === 'PUT') throw err;
          const revision = await this.#publish(kvKey, json, current.revision);
          this.#mine(revision);
          return revision;
        }
      }
      if (json === undefined && expected !== undefined && expected > 0 && !(await this.#entry(key)))
        throw new StorageError(StorageErrorCode.conflict, `${JSON.stringify(key)} does not exist`);
      const revision = await this.#publish(kvKey, json, expected === undefined ? undefined : Math.abs(expected));
      this.#mine(revision);
      return revision;
    } catch (err) {
      throw toStorageError(err, `write ${JSON.stringify(key)}`);
    }
  }

  /**
   * Publishes one write to the bucket's subject of `kvKey`: `json`, or a deletion marker (`KV-Operation: DEL`, as the
   * client's KV `delete` writes it) when undefined; with `previousSeq`, only if the key's newest revision is that one
   * (0: the key has none). Resolves with the new revision.
   *
   * A publish no server answered (the bucket electing a leader) stored nothing and is sent again until the deadline
   * (ADR 0055). One whose answer did not come in time may have been stored and is not: nats-server 2.9.10 judges a
   * resent compare-and-set's expectation before its message id on a replicated bucket (measured: the copy sent again
   * is refused as "wrong last sequence"), so it would conflict with its own first copy.
   */
  #publish(kvKey: string, json: string | undefined, previousSeq: number | undefined): Promise<number> {
    const h = headers();
    if (json === undefined) h.set('KV-Operation', 'DEL');
    const options = {
      headers: h,
      ...(previousSeq !== undefined ? { expect: { lastSubjectSequence: previousSeq } } : {}),
    };
    const subject = this.#keys.subjectPrefix + kvKey;
    const payload = json === undefined ? Empty : encoder.encode(json);
    return retryTransient(
      async () => (await this.#keys.js.publish(subject, payload, options)).seq,
      ELECTION_DEADLINE_MS,
      isNoResponders,
    );
  }

  /** Records a revision this store wrote, so that the change feed leaves it out. */
  #mine(revision: number): void {
    if (!this.#watch) return;
    // Bounded: a revision the watch never delivers (a lost watch is re-created from its last sequence, so this is
    // a safety net only) must not pile up.
    if (this.#own.size >= 10_000) this.#own.clear();
    this.#own.add(revision);
  }

  /** The live entry of `key` (deletion markers count as absent). */
  async #entry(key: string): Promise<KvEntry | undefined> {
    const e = await this.#newest(key);
    return e && e.operation === 'PUT' ? e : undefined;
  }

  /**
   * The newest revision of `key`, a deletion marker included. Every read of the bucket goes through here, sent again
   * while the bucket cannot answer (a timeout or no responders while it elects a leader, as right after a node first
   * creates it), up to the election deadline: a read changes nothing, so resending is always safe. Two nodes started
   * at once on a new prefix failed 2 of 5 times without it, the second one's first read timing out.
   */
  async #newest(key: string): Promise<KvEntry | null> {
    try {
      return await retryTransient(() => this.#kv.get(metaKeyToKv(key)), ELECTION_DEADLINE_MS, isTransientRead);
    } catch (err) {
      throw toStorageError(err, `read ${JSON.stringify(key)}`);
    }
  }

  #check(key: unknown): void {
    if (this.#closed) throw new StorageError(StorageErrorCode.closed, 'meta store is closed');
    if (typeof key !== 'string') throw new StorageError(StorageErrorCode.invalidArgument, 'meta keys must be strings');
  }

  /**
   * Runs writes one after another. nats-server 2.9 checks a KV compare-and-set against the leader's applied
   * state, so two concurrent updates with the same expected revision can both pass on an R3 bucket (seen in
   * the conformance suite); serialising this node's writes closes that race for one node. Across nodes it stays
   * open on 2.9: a production cluster needs ≥ 2.10.23 for cluster-wide CAS (ADR 0028).
   */
  #track<T>(run: () => Promise<T>): Promise<T> {
    const p = this.#serial.then(run);
    this.#serial = p.catch(() => undefined);
    this.#writes.add(p);
    void p.catch(() => undefined).finally(() => this.#writes.delete(p));
    return p;
  }
}

function parse<T>(entry: KvEntry): T {
  return JSON.parse(decoder.decode(entry.value)) as T;
}

function serialise(key: string, value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined)
    throw new StorageError(StorageErrorCode.invalidArgument, `value of ${key} is not JSON-serialisable`);
  return json;
}

function checkExpected(key: string, expected: ExpectedRevision | undefined): ExpectedRevision | undefined {
  if (expected !== undefined && !(Number.isSafeInteger(expected) && expected >= 0))
    throw new StorageError(
      StorageErrorCode.invalidArgument,
      `expected revision of ${key} must be an integer >= 0, got ${expected}`,
    );
  return expected;
}
