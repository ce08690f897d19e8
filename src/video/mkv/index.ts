/** Matroska for the media plane: the streaming reader (PutMedia) and the small writer (GetMedia). */
export { MkvId, TrackType, levelOf } from './ids.js';
export {
  MAX_CAPTURED_ELEMENT_BYTES,
  MkvFormatError,
  MkvReader,
  vintLength,
  vintValue,
  type MkvHandler,
  type ParsedCluster,
  type TrackSummary,
} from './reader.js';
export {
  SEGMENT_UNKNOWN_SIZE,
  clusterHeader,
  element,
  elementHeader,
  elementPayload,
  forEachChild,
  parseSimpleTags,
  parseTimestampScale,
  parseTracks,
  readUnsigned,
  simpleTags,
  type TrackEntry,
} from './writer.js';
