/**
 * Fragment numbers (Kinesis Video Streams API reference, "Fragment": "The unique identifier of the fragment. This
 * value monotonically increases based on the ingestion order."). AWS's numbers are decimal strings of 47–48
 * digits that clients compare as opaque values or as big integers; ours are 47 digits:
 *
 *   "91" + the stream's creation time (epoch ms, 15 digits) + the fragment's sequence in its stream (30 digits)
 *
 * so a number names its stream incarnation (a re-created stream never accepts an old number) and compares as AWS's
 * do: by length, then as text (docs/adr/0023-video-media-plane.md).
 */
const PREFIX = '91';
const EPOCH_DIGITS = 15;
const SEQ_DIGITS = 30;
export const FRAGMENT_NUMBER_DIGITS = PREFIX.length + EPOCH_DIGITS + SEQ_DIGITS;

export function fragmentNumber(streamCreationMs: number, seq: number): string {
  return PREFIX + String(streamCreationMs).padStart(EPOCH_DIGITS, '0') + String(seq).padStart(SEQ_DIGITS, '0');
}

/** The sequence a fragment number names, or undefined when it is not a number of this stream. */
export function fragmentSeq(streamCreationMs: number, number: string): number | undefined {
  if (number.length !== FRAGMENT_NUMBER_DIGITS || !/^[0-9]+$/.test(number)) return undefined;
  if (number.slice(0, PREFIX.length + EPOCH_DIGITS) !== PREFIX + String(streamCreationMs).padStart(EPOCH_DIGITS, '0')) {
    return undefined;
  }
  const seq = Number(number.slice(PREFIX.length + EPOCH_DIGITS));
  return Number.isSafeInteger(seq) ? seq : undefined;
}
