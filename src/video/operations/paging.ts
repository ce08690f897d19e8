import { videoError } from '../errors.js';

/** One page of a name-sorted list: its items and the token of the next page. */
export interface Page<T> {
  readonly items: T[];
  readonly next?: string;
}

/**
 * Name-ordered paging shared by the list operations. The token is the base64url of the last name returned, so a
 * page continues correctly when resources are created or deleted between calls. A token that does not decode
 * answers InvalidArgumentException.
 */
export function pageAfter<T extends { readonly name: string }>(
  sorted: readonly T[],
  token: string | undefined,
  max: number,
): Page<T> {
  let start = 0;
  if (token !== undefined) {
    const after = Buffer.from(token, 'base64url').toString('utf8');
    if (after === '' || Buffer.from(after, 'utf8').toString('base64url') !== token) {
      // TODO(#video-texts): AWS's text for a bad NextToken is not known.
      throw videoError('InvalidArgumentException', 'The NextToken is not valid.');
    }
    start = sorted.findIndex((s) => s.name > after);
    if (start < 0) start = sorted.length;
  }
  const items = sorted.slice(start, start + max);
  const more = start + max < sorted.length;
  return more ? { items, next: Buffer.from(items[items.length - 1]!.name, 'utf8').toString('base64url') } : { items };
}
