/**
 * Tag rules shared by the stream and consumer tag operations (AddTagsToStream, TagResource, RegisterStreamConsumer
 * with Tags): Amazon Kinesis Data Streams Developer Guide, "Tag your Amazon Kinesis Data Streams resources".
 */
import { kinesisError } from '../errors.js';

/** AWS: at most 50 tags per resource. */
export const MAX_TAGS_PER_STREAM = 50;

// AWS tag character rule: Unicode letters, digits, white space, _ . / = + - % @
const TAG_CHARS = /^[\p{L}\p{N}\p{Z}\s_./=+\-%@]*$/u;

/** Throws AWS's InvalidArgumentException when a tag key or value has a character AWS refuses. */
export function checkTags(keys: readonly string[], values: readonly string[] = []): void {
  for (const text of [...keys, ...values]) {
    if (!TAG_CHARS.test(text)) {
      throw kinesisError(
        'InvalidArgumentException',
        'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
      );
    }
  }
}
