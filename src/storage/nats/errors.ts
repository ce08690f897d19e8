/** Maps NATS client errors onto the backend-neutral storage codes (src/storage/errors.ts). */
import { ClosedConnectionError, DrainingConnectionError } from '@nats-io/transport-node';
import { JetStreamApiError } from '@nats-io/jetstream';
import { StorageError, StorageErrorCode } from '../index.js';

/** JetStream API error code of "wrong last sequence" (a failed expectation: compare-and-set, chained publish). */
export const WRONG_LAST_SEQUENCE = 10071;
/** JetStream API error code of "stream not found". */
export const STREAM_NOT_FOUND = 10059;
/** JetStream API error code of "invalid operation on sealed stream" (a publish or purge on a sealed stream). */
export const STREAM_SEALED = 10109;

/** The JetStream API error code of `err`, if it is one. */
export function apiCode(err: unknown): number | undefined {
  return err instanceof JetStreamApiError ? err.code : undefined;
}

/**
 * A {@link StorageError} for a failed NATS call: a failed expectation is a conflict, a closed connection is
 * `closed`, everything else (timeouts, no responders during a leader election, lost connection) is
 * `unavailable`, which callers may retry.
 */
export function toStorageError(err: unknown, what: string): StorageError {
  if (err instanceof StorageError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (apiCode(err) === WRONG_LAST_SEQUENCE)
    return new StorageError(StorageErrorCode.conflict, `${what}: ${message}`, { cause: err });
  if (apiCode(err) === STREAM_SEALED)
    return new StorageError(StorageErrorCode.sealed, `${what}: ${message}`, { cause: err });
  if (err instanceof ClosedConnectionError || err instanceof DrainingConnectionError)
    return new StorageError(StorageErrorCode.closed, `${what}: the NATS connection is closed`, { cause: err });
  return new StorageError(StorageErrorCode.unavailable, `${what}: ${message}`, { cause: err });
}

/** Whether a failed publish or request may simply be sent again (timeouts, elections, reconnects). */
export function isTransient(err: unknown): boolean {
  if (err instanceof JetStreamApiError) return err.status >= 500;
  if (err instanceof ClosedConnectionError || err instanceof DrainingConnectionError) return false;
  return true;
}

/**
 * Whether a failed read may be sent again: a transient NATS failure (a timeout, no responders during an election, a
 * 503 "temporarily unavailable"), or a storage error saying the store is unavailable. A record that does not decode
 * or a closed connection is not.
 */
export function isTransientRead(err: unknown): boolean {
  if (err instanceof StorageError) return err.code === StorageErrorCode.unavailable;
  return isTransient(err);
}

/**
 * Whether a JetStream publish was answered by no server: nothing listens on the subject, which for an existing
 * stream means it has no leader (an election, ADR 0028). Nothing was stored, so the same write, a compare-and-set
 * included, may be sent again as it was. nats.js 3.3.1 reports it as `JetStreamNotEnabled` with the request's
 * "no responders" as its cause (`jsclient.js`, `_publish`); the class is not exported, so it is known by its name.
 */
export function isNoResponders(err: unknown): boolean {
  return err instanceof Error && err.name === 'JetStreamNotEnabled';
}

/**
 * How long to wait before attempt `n + 1` (0-based `n`) of a failed call that started at `startedAt` (epoch ms): the
 * backoff is 100 ms × 2^n, at most 1 s, counted from the failed attempt's start, so an attempt that failed fast (an
 * election's "no responders") backs off the whole time and one that waited out its timeout (a request to a server
 * that stopped answering) is retried at once, rather than after its timeout and the backoff (ADR 0055).
 */
export function retryDelay(n: number, startedAt: number): number {
  return Math.max(0, Math.min(1000, 100 * 2 ** n) - (Date.now() - startedAt));
}

/**
 * Runs `attempt` until it succeeds, a non-retriable error occurs (`retriable`, default {@link isTransient}), or
 * `deadlineMs` has passed (then the last error is thrown). For setup requests (creating a Raft group can outlast
 * one request timeout on a busy cluster, and an election answers "no responders" for seconds) and reads; backs off
 * by {@link retryDelay}.
 */
export async function retryTransient<T>(
  attempt: () => Promise<T>,
  deadlineMs: number,
  retriable: (err: unknown) => boolean = isTransient,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let n = 0; ; n++) {
    const startedAt = Date.now();
    try {
      return await attempt();
    } catch (err) {
      if (!retriable(err) || Date.now() >= deadline) throw err;
      const delay = retryDelay(n, startedAt);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    }
  }
}
