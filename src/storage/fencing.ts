/**
 * Writes guarded by a lease's fencing token (ADR 0036). A holder that was paused (a long GC, a stopped process, a
 * partition) past its lease's ttl cannot know that another node took the lease over; its next write must be refused
 * by the store, not by the holder's own judgement. A fenced write stamps the value with the holder's token and is
 * refused when the stored value carries a larger one: a newer holding has written since.
 */
import { StorageError, StorageErrorCode, isConflict } from './errors.js';
import type { MetaStore } from './types.js';

/** Name of the field a fenced value carries its writer's token in. */
export const FENCING_FIELD = 'fencingToken';

const ATTEMPTS = 5;

/**
 * Writes `{ ...value, fencingToken }` under `key` unless the stored value has a larger token; then rejects with
 * `TRIB_ERR_LEASE_LOST` and writes nothing. The check and the write are one compare-and-set on the revision read,
 * retried when another writer came between them. Resolves with the new revision.
 */
export async function fencedPut(
  meta: MetaStore,
  key: string,
  value: Readonly<Record<string, unknown>>,
  fencingToken: number,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const current = await meta.getVersioned<Record<string, unknown>>(key);
    const stored = current?.value?.[FENCING_FIELD];
    if (typeof stored === 'number' && stored > fencingToken)
      throw new StorageError(
        StorageErrorCode.leaseLost,
        `${JSON.stringify(key)} was written by a newer lease holder (token ${stored} > ${fencingToken})`,
      );
    try {
      return await meta.put(
        key,
        { ...value, [FENCING_FIELD]: fencingToken },
        { expectedRevision: current?.revision ?? 0 },
      );
    } catch (err) {
      if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
    }
  }
}
