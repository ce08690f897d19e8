/**
 * {@link Leases} on the JetStream key-value store (ADR 0028): one KV key per lease name holding
 * `{holder, tenure, expiresAt, ttlMs}`. Every change is a compare-and-set on the key's KV revision, so of two
 * nodes racing for a free or expired lease exactly one wins, and a holder whose lease was taken over gets
 * `TRIB_ERR_LEASE_LOST` on its next renewal. Expiry is judged on the clock of the node that reads the lease
 * (nodes' clocks must agree to well within a ttl, as for any lease scheme without a lease server).
 *
 * The tenure id names one holding (a new acquisition after a release or an expiry gets a new one), and the KV
 * revision of the acquiring write is its fencing token: it grows with every tenure, cluster-wide.
 */
import { randomUUID } from 'node:crypto';
import type { KV, KvEntry } from '@nats-io/kv';
import { type Lease, type Leases, StorageError, StorageErrorCode, isConflict } from '../index.js';
import { toStorageError } from './errors.js';
import { metaKeyToKv } from './names.js';

interface LeaseDoc {
  readonly holder: string;
  readonly tenure: string;
  readonly expiresAt: number;
  readonly ttlMs: number;
}

const decoder = new TextDecoder();
/** Compare-and-set rounds before an acquisition gives up as contended (another node wins each round). */
const MAX_ROUNDS = 8;

/** Leases in one KV bucket, on an injectable clock. */
export class NatsLeases implements Leases {
  readonly #kv: KV;
  readonly #now: () => number;
  #closed = false;
  /** Writes of this node run one at a time (see NatsMetaStore: nats-server 2.9's CAS race on R3 buckets). */
  #serial: Promise<unknown> = Promise.resolve();

  constructor(kv: KV, now: () => number) {
    this.#kv = kv;
    this.#now = now;
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | undefined> {
    this.#check();
    if (typeof name !== 'string' || name.length === 0)
      throw new StorageError(StorageErrorCode.invalidArgument, 'lease name must be a non-empty string');
    if (typeof holder !== 'string' || holder.length === 0)
      throw new StorageError(StorageErrorCode.invalidArgument, 'lease holder must be a non-empty string');
    if (!(Number.isFinite(ttlMs) && ttlMs > 0))
      throw new StorageError(StorageErrorCode.invalidArgument, `lease ttlMs must be > 0, got ${ttlMs}`);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = this.#now();
      const current = await this.#read(name);
      const live = current && current.doc.expiresAt > now ? current.doc : undefined;
      if (live && live.holder !== holder) return undefined;
      const doc: LeaseDoc = { holder, tenure: live?.tenure ?? randomUUID(), expiresAt: now + ttlMs, ttlMs };
      try {
        const revision = await this.#write(name, doc, current?.revision ?? 0);
        return this.#lease(name, doc, revision);
      } catch (err) {
        if (!isConflict(err)) throw err;
        // Someone wrote meanwhile: look again.
      }
    }
    throw new StorageError(StorageErrorCode.unavailable, `lease ${JSON.stringify(name)} is contended`);
  }

  async holder(name: string): Promise<string | undefined> {
    this.#check();
    const current = await this.#read(name);
    return current && current.doc.expiresAt > this.#now() ? current.doc.holder : undefined;
  }

  close(): void {
    this.#closed = true;
  }

  #check(): void {
    if (this.#closed) throw new StorageError(StorageErrorCode.closed, 'leases are closed');
  }

  async #read(name: string): Promise<{ doc: LeaseDoc; revision: number } | undefined> {
    let entry: KvEntry | null;
    try {
      entry = await this.#kv.get(metaKeyToKv(name));
    } catch (err) {
      throw toStorageError(err, `read lease ${JSON.stringify(name)}`);
    }
    if (!entry) return undefined;
    if (entry.operation !== 'PUT')
      return { doc: { holder: '', tenure: '', expiresAt: 0, ttlMs: 0 }, revision: entry.revision };
    return { doc: JSON.parse(decoder.decode(entry.value)) as LeaseDoc, revision: entry.revision };
  }

  /** Writes `doc` if the key is still at `revision` (0: never written); conflicts otherwise. */
  #write(name: string, doc: LeaseDoc, revision: number): Promise<number> {
    const key = metaKeyToKv(name);
    const p = this.#serial.then(async () => {
      try {
        return revision === 0
          ? await this.#kv.create(key, JSON.stringify(doc))
          : await this.#kv.update(key, JSON.stringify(doc), revision);
      } catch (err) {
        throw toStorageError(err, `write lease ${JSON.stringify(name)}`);
      }
    });
    this.#serial = p.catch(() => undefined);
    return p;
  }

  #lease(name: string, first: LeaseDoc, revision: number): Lease {
    const self = this;
    let doc = first;
    const lost = (): StorageError =>
      new StorageError(StorageErrorCode.leaseLost, `lease ${JSON.stringify(name)} was lost`);
    return {
      name,
      holder: first.holder,
      /** KV revision of the acquiring write. */
      fencingToken: revision,
      get expiresAt() {
        return doc.expiresAt;
      },
      async renew(): Promise<void> {
        self.#check();
        for (let round = 0; round < MAX_ROUNDS; round++) {
          const now = self.#now();
          const current = await self.#read(name);
          // A lapsed lease is free for anyone, so renewing it is refused even when nobody has taken it yet.
          if (!current || current.doc.tenure !== doc.tenure || current.doc.expiresAt <= now) throw lost();
          const next: LeaseDoc = { ...current.doc, expiresAt: now + current.doc.ttlMs };
          try {
            await self.#write(name, next, current.revision);
            doc = next;
            return;
          } catch (err) {
            if (!isConflict(err)) throw err;
          }
        }
        throw lost();
      },
      async release(): Promise<void> {
        const current = await self.#read(name);
        if (!current || current.doc.tenure !== doc.tenure) return;
        try {
          await self.#kv.delete(metaKeyToKv(name), { previousSeq: current.revision });
        } catch {
          // Changed meanwhile (renewed by another handle of the same tenure, or taken after expiry): not ours to free.
        }
      },
    };
  }
}
