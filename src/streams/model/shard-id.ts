/**
 * Shard ids: `shardId-` followed by the shard index zero-padded to 12 digits
 * (`shardId-000000000000`); children created by resharding continue the count.
 *
 * On input AWS is lenient: any `<anything>-<digits>` or bare `<digits>` names the shard with that
 * index, as long as the index is in 0 … 2^31 − 1. Both observed on AWS, not documented; pinned in
 * test/streams/model/shard-id.test.ts. Pure code, no I/O.
 */

/** Largest shard index AWS accepts in a shard id (2^31 − 1). */
export const MAX_SHARD_INDEX = 2 ** 31 - 1;

const PREFIX = 'shardId-';
const PADDING = '000000000000';

/**
 * Formats a shard index as AWS does: `shardId-` + 12-digit zero-padded index.
 * @throws RangeError when `index` is not an integer in [0, 2^31 − 1].
 */
export function formatShardId(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > MAX_SHARD_INDEX) {
    throw new RangeError(`shard index must be an integer in [0, 2^31-1], got ${index}`);
  }
  const digits = String(index);
  return PREFIX + PADDING.slice(digits.length) + digits;
}

/**
 * Parses a shard id the way AWS resolves the ShardId parameter: the digits after the last `-`
 * (or the whole text when it has no `-`) are the shard index, leading zeros allowed.
 * Returns undefined when those are not all digits, are empty, or exceed 2^31 − 1.
 * (`shardId-000000000003`, `foo-3` and `3` all name shard 3.)
 */
export function parseShardId(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  const start = text.lastIndexOf('-') + 1;
  const end = text.length;
  if (start === end) return undefined;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
    // Stop early so a long digit run cannot lose precision past 2^53 and still look in range.
    if (value > MAX_SHARD_INDEX) return undefined;
  }
  return value;
}
