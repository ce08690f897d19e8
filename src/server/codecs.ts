/**
 * The body codecs the server speaks, keyed by request `Content-Type` (the text before `;`, trimmed). AWS answers in the
 * encoding of the request (AWS JSON 1.1 protocol, Smithy specification awsJson1_1; CBOR 1.1 likewise), so the codec
 * picked for the request also encodes its response. Adding an encoding means adding a row to {@link createCodecTable}.
 *
 * Legacy `application/json` is deliberately not a codec: AWS parses it but never routes it to an
 * operation (docs/architecture.md, "Request lifecycle"); the pipeline answers it with coral envelopes itself.
 */
import { CBOR_1_1_CONTENT_TYPE, cborCodec, encodeCborError, jsonCodec, type WireCodec } from '../protocol/index.js';

/** Content type of AWS CBOR 1.1 (the AWS Java SDKs' default). */
export { CBOR_1_1_CONTENT_TYPE };
/** Legacy content type that AWS parses but never routes. */
export const LEGACY_JSON_CONTENT_TYPE = 'application/json';

/** AWS JSON 1.1, implemented in src/protocol. */
export const json11Codec: WireCodec = jsonCodec;

/** AWS CBOR 1.1, implemented in src/protocol (blobs as byte strings, timestamps as tag 1 + epoch ms). */
export const cbor11Codec: WireCodec = cborCodec;

/** CBOR error body: `{__type, message|Message}` like the JSON one. */
export { encodeCborError };

/** The codec table: content type → codec. */
export type CodecTable = ReadonlyMap<string, WireCodec>;

/** The default table: JSON 1.1 and CBOR 1.1. */
export function createCodecTable(): CodecTable {
  return new Map<string, WireCodec>([
    [json11Codec.contentType, json11Codec],
    [cbor11Codec.contentType, cbor11Codec],
  ]);
}
