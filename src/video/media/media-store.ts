/**
 * The media plane's per-stream state: each stream incarnation's fragment archive (opened on first use), the live
 * feed GetMedia readers follow, the one active producer, the reader connections, PutMedia's call rate, and retention
 * (docs/adr/0023-video-media-plane.md).
 */
import type { Logger } from '../../protocol/index.js';
import type { LogStore } from '../../storage/index.js';
import { FragmentArchive, type StoredFragment } from '../archive/index.js';
import { IngestPacer, type IngestRates } from './ingest-pacer.js';

/** A fragment handed to live readers (GetMedia following a stream). */
export type LiveFragment = StoredFragment;

export type LiveListener = (make: () => LiveFragment) => void;

/** An upload the store can end (its stream is deleted, the server closes). */
export interface Producer {
  stop(): void;
}

/** Log id of a stream incarnation's archive. */
export function archiveLogId(streamId: string): string {
  return `video.${streamId}`;
}

const LOG_PREFIX = 'video.';

/** What retention needs to know about a stream. */
export interface RetainedStream {
  readonly id: string;
  readonly dataRetentionInHours: number;
}

export class MediaStore {
  readonly #logs: LogStore;
  readonly #logger: Logger;
  readonly #archives = new Map<string, Promise<FragmentArchive>>();
  readonly #feeds = new Map<string, Set<LiveListener>>();
  readonly #producers = new Map<string, Producer>();
  readonly #calls = new Map<string, number[]>();
  readonly #pacers = new Map<string, IngestPacer>();
  /** Reader connections held, by kind and stream (holdReader). */
  readonly #readers = new Map<string, number>();

  constructor(logs: LogStore, logger: Logger) {
    this.#logs = logs;
    this.#logger = logger;
  }

  /** The archive of a stream incarnation. */
  archive(streamId: string): Promise<FragmentArchive> {
    let archive = this.#archives.get(streamId);
    if (archive === undefined) {
      archive = FragmentArchive.open(this.#logs, archiveLogId(streamId));
      this.#archives.set(streamId, archive);
      archive.catch(() => this.#archives.delete(streamId));
    }
    return archive;
  }

  publish(streamId: string, make: () => LiveFragment): void {
    const listeners = this.#feeds.get(streamId);
    if (listeners === undefined || listeners.size === 0) return;
    let built: LiveFragment | undefined;
    const once = (): LiveFragment => {
      built ??= make();
      return built;
    };
    for (const listener of listeners) listener(once);
  }

  subscribe(streamId: string, listener: LiveListener): () => void {
    let listeners = this.#feeds.get(streamId);
    if (listeners === undefined) {
      listeners = new Set();
      this.#feeds.set(streamId, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#feeds.get(streamId) === listeners) this.#feeds.delete(streamId);
    };
  }

  /**
   * Makes `producer` the stream's producer, unless another upload is under way: false then. Kinesis Video Streams
   * quotas ("Data plane API service quotas", PutMedia): one connection per stream; "if you attempt more than one
   * concurrent PutMedia connection, Kinesis Video Streams throttles the latest connections". A half-dead connection
   * ends by the idle timeout (30 s without data), after which its producer's retry gets in.
   */
  claim(streamId: string, producer: Producer): boolean {
    const current = this.#producers.get(streamId);
    if (current !== undefined && current !== producer) return false;
    this.#producers.set(streamId, producer);
    return true;
  }

  /**
   * Takes one of the `limit` concurrent reader connections of a stream for `kind` (Kinesis Video Streams quotas:
   * GetMedia 3, GetMediaForFragmentList 5, the latest connection refused); returns its release function (idempotent),
   * or undefined when all are taken.
   */
  holdReader(streamId: string, kind: string, limit: number): (() => void) | undefined {
    const key = `${kind} ${streamId}`;
    const held = this.#readers.get(key) ?? 0;
    if (held >= limit) return undefined;
    this.#readers.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#readers.get(key) ?? 1) - 1;
      if (left <= 0) this.#readers.delete(key);
      else this.#readers.set(key, left);
    };
  }

  release(streamId: string, producer: Producer): void {
    if (this.#producers.get(streamId) === producer) this.#producers.delete(streamId);
  }

  /** Counts a PutMedia call; false when the stream had `perSecond` calls in the last second already. */
  /** The rate pacer of a stream's uploads (ingest-pacer.ts): one per stream, so a reconnect does not reset it. */
  pacer(streamId: string, rates: IngestRates): IngestPacer {
    let pacer = this.#pacers.get(streamId);
    if (pacer === undefined) {
      pacer = new IngestPacer(rates);
      this.#pacers.set(streamId, pacer);
    }
    return pacer;
  }

  admitCall(streamId: string, now: number, perSecond: number): boolean {
    let calls = this.#calls.get(streamId);
    if (calls === undefined) {
      calls = [];
      this.#calls.set(streamId, calls);
    }
    while (calls.length > 0 && calls[0]! <= now - 1000) calls.shift();
    if (calls.length >= perSecond) return false;
    calls.push(now);
    return true;
  }

  /**
   * One retention pass: each stream's fragments older than its DataRetentionInHours go, then the oldest beyond
   * `maxStreamBytes`; the archives of streams that no longer exist are deleted.
   *
   * "No longer exist" is decided by the metadata, not by `streams` (this node's cache): on a cluster another node
   * may have created a stream and written its first fragments before this node heard of it (ADR 0036). An archive
   * unknown to the cache is deleted only when `storedIds` — read after the archives were listed, and a stream's
   * key is durable before its first fragment — does not name its stream either. Without `storedIds` (one node,
   * tests) the cache is the metadata.
   */
  async enforceRetention(
    streams: readonly RetainedStream[],
    now: number,
    maxStreamBytes?: number,
    storedIds?: () => Promise<ReadonlySet<string>>,
  ): Promise<void> {
    const live = new Set(streams.map((s) => archiveLogId(s.id)));
    for (const stream of streams) {
      if (stream.dataRetentionInHours <= 0 && !this.#archives.has(stream.id)) continue;
      try {
        const archive = await this.archive(stream.id);
        const retainAfter = stream.dataRetentionInHours > 0 ? now - stream.dataRetentionInHours * 3_600_000 : now + 1;
        const dropped = await archive.enforceRetention(retainAfter, maxStreamBytes);
        if (dropped > 0) this.#logger.debug({ stream: stream.id, dropped }, 'video retention dropped fragments');
      } catch (e) {
        this.#logger.warn(
          { stream: stream.id, err: e instanceof Error ? e.message : String(e) },
          'video retention failed',
        );
      }
    }
    const unknown = (await this.#logs.list()).filter((id) => id.startsWith(LOG_PREFIX) && !live.has(id));
    if (unknown.length === 0) return;
    const stored = storedIds ? await storedIds() : new Set<string>();
    for (const logId of unknown) {
      const streamId = logId.slice(LOG_PREFIX.length);
      if (!stored.has(streamId)) await this.drop(streamId);
    }
  }

  /** Deletes a stream incarnation's media (the stream is gone). */
  async drop(streamId: string): Promise<void> {
    this.#producers.get(streamId)?.stop();
    this.#producers.delete(streamId);
    this.#archives.delete(streamId);
    this.#calls.delete(streamId);
    this.#pacers.delete(streamId);
    await this.#logs.delete(archiveLogId(streamId));
  }

  /** Ends every upload. */
  close(): void {
    for (const producer of this.#producers.values()) producer.stop();
    this.#producers.clear();
  }
}
