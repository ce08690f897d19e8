/**
 * Paging of the v2 list operations whose NextToken is opaque: the token is the index of the next item, so a
 * list that changes between pages may skip or repeat items, as any offset paging does.
 */
import { analyticsError } from '../errors.js';

const DEFAULT_LIMIT = 50;

export function page<T>(
  all: readonly T[],
  limit: number | undefined,
  token: string | undefined,
): { items: T[]; next?: string } {
  let from = 0;
  if (token !== undefined) {
    from = Number(token);
    // TODO(#10): AWS's wording.
    if (!Number.isSafeInteger(from) || from < 0) throw analyticsError('InvalidArgumentException', 'Invalid NextToken.');
  }
  const n = limit ?? DEFAULT_LIMIT;
  const items = all.slice(from, from + n);
  return from + n < all.length ? { items, next: String(from + n) } : { items };
}
