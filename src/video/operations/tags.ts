import { videoError } from '../errors.js';

/** Tags per stream or channel (TagStream API reference: "A Kinesis video stream can support up to 50 tags"). */
export const MAX_TAGS = 50;

/** TagsPerResourceExceededLimitException when a resource would carry more than {@link MAX_TAGS} tags. */
export function checkTagCount(count: number): void {
  if (count > MAX_TAGS) {
    // TODO(#video-texts): AWS's text is not known.
    throw videoError('TagsPerResourceExceededLimitException', `A resource can have at most ${MAX_TAGS} tags.`);
  }
}

/** The tags after adding `added` (replacing values of existing keys), checked against {@link MAX_TAGS}. */
export function mergeTags(
  current: Readonly<Record<string, string>>,
  added: Readonly<Record<string, string>>,
): Record<string, string> {
  const next = { ...current, ...added };
  checkTagCount(Object.keys(next).length);
  return next;
}
