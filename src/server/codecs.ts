/**
 * The body codecs the server speaks, keyed by request `Content-Type` (the text before `;`, trimmed).
 * AWS answers in the encoding of the request (streams.md §1), so the codec picked for the request
 * also encodes its response. Adding an encoding means adding a row to {@link createCodecTable}.
 *
 * Legacy `application/json` is deliberately not a codec: AWS parses it but never routes it to an
 * operation (streams.md §3 steps 6–7); the pipeline answers it with coral envelopes itself.
 */
import { CommonErrors, ServiceError, jsonCodec, type WireCodec } from '../protocol/index.js';

/** Content type of AWS CBOR 1.1 (the AWS Java SDKs' default). */
export const CBOR_1_1_CONTENT_TYPE = 'application/x-amz-cbor-1.1';
/** Legacy content type that AWS parses but never routes. */
export const LEGACY_JSON_CONTENT_TYPE = 'application/json';

/** AWS JSON 1.1, implemented in src/protocol. */
export const json11Codec: WireCodec = jsonCodec;

/**
 * Encodes a CBOR map of text keys to text values (RFC 8949 major types 5 and 3, definite lengths).
 * Only what error bodies need until the real codec lands. TODO(#3): replace with src/protocol's CBOR codec.
 */
export function encodeCborTextMap(entries: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: Buffer[] = [cborHead(5, entries.length)];
  for (const [key, value] of entries) {
    for (const text of [key, value]) {
      const bytes = Buffer.from(text, 'utf8');
      parts.push(cborHead(3, bytes.length), bytes);
    }
  }
  return Buffer.concat(parts);
}

function cborHead(major: number, length: number): Buffer {
  const m = major << 5;
  if (length < 24) return Buffer.from([m | length]);
  if (length < 0x100) return Buffer.from([m | 24, length]);
  if (length < 0x10000) return Buffer.from([m | 25, length >> 8, length & 0xff]);
  const head = Buffer.alloc(5);
  head[0] = m | 26;
  head.writeUInt32BE(length, 1);
  return head;
}

/** CBOR error body: `{__type, message|Message}` like the JSON one. */
export function encodeCborError(err: ServiceError): Buffer {
  const entries: Array<[string, string]> = [['__type', err.code]];
  if (err.hasMessage) entries.push([err.messageField, err.message]);
  return encodeCborTextMap(entries);
}

/**
 * Placeholder for CBOR 1.1 until issue #3: every CBOR request with a body is answered with a
 * CBOR-encoded, non-retriable SerializationException whose message tells the user how to switch the
 * Java SDK to JSON. Errors are CBOR so the SDK can read the message instead of failing to parse.
 * TODO(#3): replace this row with the real codec from src/protocol.
 */
export const cborPlaceholderCodec: WireCodec = {
  contentType: CBOR_1_1_CONTENT_TYPE,
  parse: () => {
    throw new ServiceError(
      CommonErrors.SerializationException,
      'Tributary does not support application/x-amz-cbor-1.1 yet. Disable CBOR in the client: ' +
        'AWS_CBOR_DISABLE=true (Java SDK v1) or AWS_CBOR_ENABLED=false / -Daws.cborEnabled=false (Java SDK v2).',
    );
  },
  decode: (_model, _operation, raw) => raw,
  encodeOutput: () => encodeCborTextMap([]),
  encodeError: encodeCborError,
};

/** The codec table: content type → codec. */
export type CodecTable = ReadonlyMap<string, WireCodec>;

/** The default table: JSON 1.1 and (placeholder) CBOR 1.1. */
export function createCodecTable(): CodecTable {
  return new Map<string, WireCodec>([
    [json11Codec.contentType, json11Codec],
    [cborPlaceholderCodec.contentType, cborPlaceholderCodec],
  ]);
}
