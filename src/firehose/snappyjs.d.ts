/** Types of `snappyjs` (pure-JS raw Snappy codec; the package ships none). See docs/adr/0018-firehose-snappy-and-ingest.md. */
declare module 'snappyjs' {
  /** One raw Snappy block (varint length + elements) of `uncompressed`; a Buffer in gives a Buffer out. */
  export function compress(uncompressed: Buffer): Buffer;
  /** The bytes of one raw Snappy block; throws on a malformed block or one longer than `maxLength`. */
  export function uncompress(compressed: Buffer, maxLength?: number): Buffer;
}
