/**
 * Tag rules shared by the stream and consumer tag operations (AddTagsToStream, TagResource, RegisterStreamConsumer
 * with Tags): Amazon Kinesis Data Streams Developer Guide, "Tag your Amazon Kinesis Data Streams resources".
 */
import { kinesisError } from '../errors.js';

/** AWS: at most 50 tags per resource. */
export const MAX_TAGS_PER_STREAM = 50;

// AWS tag character rule: Unicode letters, digits, white space, _ . / = + - % @. "White space" is the space
// separators only: a tab or a line break is refused (as kinesalite's actions/addTagsToStream.js recorded from AWS).
const TAG_CHARS = /^[\p{L}\p{N}\p{Zs}_./=+\-%@]*$/u;

/** The stream tag operation a `%` is refused by, and the stream, for AWS's message. */
export interface StreamTagCall {
  readonly action: 'add' | 'remove';
  readonly streamName: string;
  readonly accountId: string;
}

/**
 * Throws AWS's InvalidArgumentException when a tag key or value has a character AWS refuses. For the stream tag
 * operations (`call` given), `%`, although in the documented set, is refused with a second message that names the
 * stream: "Failed to add tags to stream …" / "Failed to remove tags from stream …" (AWS behaviour recorded by
 * kinesalite's actions/addTagsToStream.js and removeTagsFromStream.js).
 */
export function checkTags(keys: readonly string[], values: readonly string[] = [], call?: StreamTagCall): void {
  const all = [...keys, ...values];
  for (const text of all) {
    if (!TAG_CHARS.test(text)) {
      throw kinesisError(
        'InvalidArgumentException',
        'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
      );
    }
  }
  if (call && all.some((text) => text.includes('%'))) {
    const what = call.action === 'add' ? 'add tags to' : 'remove tags from';
    throw kinesisError(
      'InvalidArgumentException',
      `Failed to ${what} stream ${call.streamName} under account ${call.accountId} because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.`,
    );
  }
}
