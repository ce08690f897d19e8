/**
 * Matroska element ids used by the media plane (Matroska specification, "Matroska Element Specification"; EBML,
 * RFC 8794). Ids are kept with their length marker bits, as they appear on the wire.
 */
export const MkvId = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  // Segment children (level 1).
  SeekHead: 0x114d9b74,
  Info: 0x1549a966,
  Tracks: 0x1654ae6b,
  Cluster: 0x1f43b675,
  Cues: 0x1c53bb6b,
  Tags: 0x1254c367,
  Chapters: 0x1043a770,
  Attachments: 0x1941a469,
  // Info children.
  TimestampScale: 0x2ad7b1,
  // Tracks children.
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackType: 0x83,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  DefaultDuration: 0x23e383,
  // Cluster children (level 2).
  Timestamp: 0xe7,
  Position: 0xa7,
  PrevSize: 0xab,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  EncryptedBlock: 0xaf,
  SilentTracks: 0x5854,
  // BlockGroup children (level 3).
  Block: 0xa1,
  BlockDuration: 0x9b,
  ReferenceBlock: 0xfb,
  // Tags children.
  Tag: 0x7373,
  Targets: 0x63c0,
  SimpleTag: 0x67c8,
  TagName: 0x45a3,
  TagString: 0x4487,
  // Global elements, allowed at any level.
  Void: 0xec,
  CRC32: 0xbf,
} as const;

/** Matroska TrackType values. */
export const TrackType = { video: 1, audio: 2 } as const;

/**
 * The level of the elements whose place decides where an element of unknown size ends: an unknown-size element
 * ends at the first element of the same or a higher (smaller) level (Matroska specification, "Unknown data size").
 */
const LEVELS = new Map<number, number>([
  [MkvId.EBML, 0],
  [MkvId.Segment, 0],
  [MkvId.SeekHead, 1],
  [MkvId.Info, 1],
  [MkvId.Tracks, 1],
  [MkvId.Cluster, 1],
  [MkvId.Cues, 1],
  [MkvId.Tags, 1],
  [MkvId.Chapters, 1],
  [MkvId.Attachments, 1],
  [MkvId.Timestamp, 2],
  [MkvId.Position, 2],
  [MkvId.PrevSize, 2],
  [MkvId.SimpleBlock, 2],
  [MkvId.BlockGroup, 2],
  [MkvId.EncryptedBlock, 2],
  [MkvId.SilentTracks, 2],
  [MkvId.Block, 3],
  [MkvId.BlockDuration, 3],
  [MkvId.ReferenceBlock, 3],
]);

/** Level of a structural element, or undefined for elements that may appear anywhere or are not known here. */
export function levelOf(id: number): number | undefined {
  return LEVELS.get(id);
}
