/**
 * The Kinesis Video Streams shapes, generated from the AWS API models by `scripts/generate-shapes.mjs`: the
 * control plane (`kinesisvideo`), the media API (`kinesis-video-media`: GetMedia) and the archived-media API
 * (`kinesis-video-archived-media`: ListFragments, GetMediaForFragmentList, HLS/DASH, GetClip, GetImages).
 * The control plane's types are exported here; the media planes import their own types files directly (their
 * names overlap with the control plane's, e.g. `StreamName`).
 */
export { kinesisVideoModel } from './kinesisvideo.generated.js';
export { kinesisVideoMediaModel } from './kinesis-video-media.generated.js';
export { kinesisVideoArchivedMediaModel } from './kinesis-video-archived-media.generated.js';
export type * from './kinesisvideo-types.generated.js';
