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
  /** Requested fragment is not found. */
  fragmentNotFound: 4000,
  internal: 5000,
} as const;

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
export function errorChunk(code: string, id: number): Buffer {
  return Buffer.concat([
    PLAIN_EBML_HEADER,
    SEGMENT_UNKNOWN_SIZE,
    simpleTags([
      ['AWS_KINESISVIDEO_ERROR_CODE', code],
      ['AWS_KINESISVIDEO_ERROR_ID', String(id)],
    ]),
  ]);
}
