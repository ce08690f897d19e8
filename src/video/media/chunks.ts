/**
 * GetMedia / GetMediaForFragmentList chunks (GetMedia API reference, "Response Syntax": the payload is a sequence of
 * chunks with the AWS_KINESISVIDEO_* tags). One chunk per fragment, self-contained:
 *
 *   EBML header, Segment (unknown size) { Info, Tracks, producer Tags, Tags(pre), Cluster (known size), Tags(post) }
 *
 * Tags(pre): AWS_KINESISVIDEO_FRAGMENT_NUMBER, _SERVER_TIMESTAMP, _PRODUCER_TIMESTAMP (seconds, decimal);
 * Tags(post): AWS_KINESISVIDEO_MILLIS_BEHIND_NOW, _CONTINUATION_TOKEN (the fragment's number: a reader that resumes
 * with it gets the next fragment). An error chunk carries AWS_KINESISVIDEO_ERROR_CODE and _ERROR_ID and ends the
 * response.
 */
import type { StoredFragment } from '../archive/index.js';
import { fragmentNumber } from '../archive/index.js';
import { MkvId, SEGMENT_UNKNOWN_SIZE, clusterHeader, element, simpleTags } from '../mkv/index.js';

/** GetMedia's error ids (GetMedia API reference, "Payload"). */
export const GetMediaErrorId = {
  /** Error writing to the stream. */
  writeError: 3002,
  /**
   * Requested fragment is not found. TODO(#video-texts): the one logged AWS answer (aws/aws-sdk-js issue 3217, a
   * GetMediaForFragmentList fragment not yet readable) shows the id "3000" where the API reference lists 4000; the
   * documented id is kept until a second capture settles it.
   */
  fragmentNotFound: 4000,
  internal: 5000,
} as const;

/**
 * The ErrorCode of a fragment that is not found: `FRAGMENT_NOT_FOUND`, as AWS answered a GetMediaForFragmentList
 * request (aws/aws-sdk-js issue 3217, the response's tags printed by the user).
 */
export const FRAGMENT_NOT_FOUND = 'FRAGMENT_NOT_FOUND';

/**
 * Content type of GetMedia payloads: `video/webm`, as real AWS answers (a GetMedia response printed by the Java SDK,
 * awslabs/amazon-kinesis-video-streams-producer-sdk-java issue 47: `ContentType: video/webm`).
 */
export const MEDIA_CONTENT_TYPE = 'video/webm';

/** Epoch ms as decimal seconds with millisecond digits, as AWS writes the timestamp tags. */
export function tagSeconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** The chunk of one fragment. */
export function fragmentChunk(f: StoredFragment, streamCreationMs: number, now: number): Buffer[] {
  const number = fragmentNumber(streamCreationMs, f.entry.seq);
  const pre = simpleTags([
    ['AWS_KINESISVIDEO_FRAGMENT_NUMBER', number],
    ['AWS_KINESISVIDEO_SERVER_TIMESTAMP', tagSeconds(f.entry.serverMs)],
    ['AWS_KINESISVIDEO_PRODUCER_TIMESTAMP', tagSeconds(f.entry.producerMs)],
  ]);
  const post = simpleTags([
    ['AWS_KINESISVIDEO_MILLIS_BEHIND_NOW', String(Math.max(0, Math.round(now - f.entry.serverMs)))],
    ['AWS_KINESISVIDEO_CONTINUATION_TOKEN', number],
  ]);
  return [
    f.ebmlHeader,
    SEGMENT_UNKNOWN_SIZE,
    f.infoAndTracks,
    f.tags,
    pre,
    clusterHeader(f.payload.length),
    f.payload,
    post,
  ];
}

/** A Matroska EBML header (DocType matroska) for chunks that carry no fragment. */
const PLAIN_EBML_HEADER = element(
  MkvId.EBML,
  Buffer.concat([
    Buffer.from([0x42, 0x86, 0x81, 0x01]),
    Buffer.from([0x42, 0xf7, 0x81, 0x01]),
    Buffer.from([0x42, 0xf2, 0x81, 0x04]),
    Buffer.from([0x42, 0xf3, 0x81, 0x08]),
    element(0x4282, Buffer.from('matroska')),
    Buffer.from([0x42, 0x87, 0x81, 0x04]),
    Buffer.from([0x42, 0x85, 0x81, 0x02]),
  ]),
);

/** An error chunk: the reason and its id; the response ends after it. */
/**
 * A chunk that reports an error and ends the payload. `fragment`, when given, names the fragment the error is about:
 * AWS's GetMediaForFragmentList answer for a missing fragment carries the two error tags and then
 * AWS_KINESISVIDEO_FRAGMENT_NUMBER, in one Tags element after an empty Segment header (a response logged in
 * aws/aws-sdk-js issue 3217).
 */
export function errorChunk(code: string, id: number, fragment?: string): Buffer {
  const tags: Array<[string, string]> = [
    ['AWS_KINESISVIDEO_ERROR_CODE', code],
    ['AWS_KINESISVIDEO_ERROR_ID', String(id)],
  ];
  if (fragment !== undefined) tags.push(['AWS_KINESISVIDEO_FRAGMENT_NUMBER', fragment]);
  return Buffer.concat([PLAIN_EBML_HEADER, SEGMENT_UNKNOWN_SIZE, simpleTags(tags)]);
}
