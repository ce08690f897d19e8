/**
 * Layout of the shared metadata store, and the one-time move of data directories written before service scopes.
 *
 * Layout (format 2): every service keeps its keys under its own scope (`kinesis/…` for Data Streams, see
 * `scopeMeta`); the scheduler keeps its timers under `jobs/` at the root; `meta/format` records the layout.
 * Format 1 (no marker): the Data Streams keys (`streams/`, `secrets/`, `consumers/`, `encryption/`, account
 * settings, resource policies, KMS keys…) sat at the root beside `jobs/`.
 *
 * Scheduler timers are keyed by timer kind and stream id (payloads carry ids too), never by metadata key, so
 * they stay where they are and find their streams after the move.
 */
import { isStorageError, type MetaChange, type MetaStore, StorageErrorCode } from '../storage/index.js';
import type { Logger } from '../protocol/index.js';

/** Scope prefix of the Data Streams service. */
export const KINESIS_SCOPE = 'kinesis/';
/** Key of the layout version; absent in data directories of format 1. */
export const META_FORMAT_KEY = 'meta/format';
/** The layout this version writes. */
export const META_FORMAT = 2;

/** Root prefixes that stay where they are: the scheduler's, this file's, and the service scopes. */
const KEPT_PREFIXES = ['jobs/', 'meta/', KINESIS_SCOPE];

/**
 * Brings the store to {@link META_FORMAT}: moves every root key that is not kept (see {@link KEPT_PREFIXES}) under
 * `kinesis/` and writes the marker, in one atomic batch (a crash leaves the old layout, and the next start moves
 * it again). Does nothing once the marker says format 2. Resolves with the number of keys moved.
 */
export async function migrateMetaLayout(meta: MetaStore, logger: Logger): Promise<number> {
  const format = await meta.getVersioned<number>(META_FORMAT_KEY);
  if (format !== undefined && format.value >= META_FORMAT) return 0;
  const changes: MetaChange[] = [];
  for (const [key, value] of await meta.list('')) {
    if (KEPT_PREFIXES.some((prefix) => key.startsWith(prefix))) continue;
    // The target must not exist: a half-known layout is left alone (the batch fails, nothing moves).
    changes.push([KINESIS_SCOPE + key, value, 0], [key, undefined]);
  }
  changes.push([META_FORMAT_KEY, META_FORMAT, format?.revision ?? 0]);
  try {
    await meta.batch(changes);
  } catch (err) {
    // Nodes sharing a cluster's store may start together: when another one wrote the marker first, its batch moved
    // the keys and this one's expectations fail. Nothing is left to do then.
    if (!isStorageError(err, StorageErrorCode.conflict)) throw err;
    const now = await meta.getVersioned<number>(META_FORMAT_KEY);
    if (now !== undefined && now.value >= META_FORMAT) return 0;
    throw err;
  }
  const moved = (changes.length - 1) / 2;
  if (moved > 0) logger.info({ moved, format: META_FORMAT }, `moved Data Streams metadata under ${KINESIS_SCOPE}`);
  return moved;
}
