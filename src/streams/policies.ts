/**
 * Record policies: what the write and read paths consult for every batch of records, built once when the
 * service is created and handed to the paths explicitly (no module-level or runtime-level hooks).
 *
 * - {@link RecordSealer}: how records are stored and read back (server-side encryption seals them).
 * - {@link ThroughputGate}: AWS's per-shard write and read limits (the `--enforce-limits` switch).
 * - {@link AppendSignal}: who is told after a durable append (enhanced fan-out, on-demand scaling,
 *   stream readers), and after resharding closed a shard.
 *
 * Features that provide a policy (encryption, limits) return it from their factory; features that react to
 * appends (fan-out, on-demand scaling) and the in-process reader subscribe to the signal.
 */
import type { Logger } from '../protocol/index.js';
import type { AppendEntry, LogRecord } from '../storage/index.js';
import type { ShardState, StreamState } from './catalog.js';
import type { StreamsRuntime } from './runtime.js';

/** Turns entries into what is stored, and stored records back into what readers see. */
export interface RecordSealer {
  /** The entries to append for `stream`'s shard; `encrypted` when the stream encrypts new records now. */
  seal(stream: StreamState, shard: ShardState, entries: AppendEntry[]): { entries: AppendEntry[]; encrypted: boolean };
  /** The partition key and data of a stored record; `encrypted` when it was stored sealed. */
  open(
    stream: StreamState,
    shard: ShardState,
    record: LogRecord,
  ): { key: string; value: Uint8Array; encrypted: boolean };
}

/** Stores and returns records as they are (no encryption feature installed). */
export const PLAIN_SEALER: RecordSealer = {
  seal: (_stream, _shard, entries) => ({ entries, encrypted: false }),
  open: (_stream, _shard, record) => ({ key: record.key, value: record.value, encrypted: false }),
};

/** Admission control for the per-shard limits (the `--enforce-limits` switch). */
export interface ThroughputGate {
  /** Whether a record of `bytes` (data + partition key) may be written to the shard now; consumes capacity when true. */
  admitWrite(stream: StreamState, shard: ShardState, bytes: number, now: number): boolean;
  /** Throws ProvisionedThroughputExceededException when a GetRecords call on the shard is over its rate now. */
  admitRead(stream: StreamState, shard: ShardState, now: number): void;
  /** Accounts the bytes one GetRecords call returned (read bandwidth). */
  recordRead(stream: StreamState, shard: ShardState, bytes: number, now: number): void;
}

/** Admits every read and write (AWS limits not enforced). */
export const OPEN_GATE: ThroughputGate = {
  admitWrite: () => true,
  admitRead: () => {},
  recordRead: () => {},
};

/**
 * Told after records were durably appended to a shard (and are readable), and with `records` 0 after
 * resharding closed the shard. Must not throw or block.
 */
export type AppendListener = (stream: StreamState, shard: ShardState, records: number, bytes: number) => void;

/** The append notifications of one service: the write path and resharding emit, listeners subscribe. */
export class AppendSignal {
  readonly #listeners = new Set<AppendListener>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: AppendListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells every listener; a faulty listener is logged, never propagated to the writer. */
  emit(stream: StreamState, shard: ShardState, records: number, bytes: number): void {
    for (const listener of this.#listeners) {
      try {
        listener(stream, shard, records, bytes);
      } catch (err) {
        this.#logger.error({ err }, 'append listener failed');
      }
    }
  }
}

/** The policies the write and read paths apply, fixed for the life of the service. */
export interface RecordPolicies {
  readonly sealer: RecordSealer;
  readonly gate: ThroughputGate;
  readonly appends: AppendSignal;
}

/** What the read and write paths run against: the shared runtime and the service's record policies. */
export interface PathContext {
  readonly rt: StreamsRuntime;
  readonly policies: RecordPolicies;
}
