/**
 * Shard iterator tokens: opaque, authenticated, encrypted, stateless
 * (docs/adr/0002-sequence-numbers-and-shard-iterators.md).
 *
 * Format (base64, standard alphabet with padding, ≤ 512 characters as the ShardIterator shape allows):
 *
 *   header     8 bytes   00 00 00 00 00 00 00 01   (what AWS iterators start with; also GCM AAD)
 *   nonce     12 bytes   random per token
 *   ciphertext n bytes   AES-256-GCM of the plaintext below; n ≡ 4 (mod 16), so that
 *                        nonce + ciphertext + tag is a multiple of 16 bytes like AWS's body
 *   tag       16 bytes   GCM authentication tag
 *
 *   plaintext: version u8 (= 1) | shardIndex u32 BE | offset u64 BE | issuedAt u64 BE
 *              | streamId length u8 | streamId UTF-8 | zero padding
 *
 * The AES key is derived from the per-install secret with HKDF-SHA256 (info
 * `tributary shard-iterator v1`) so the same secret can key other purposes independently.
 * Nonces are 96 random bits: the collision chance stays below 2^-32 for the first 2^32 tokens
 * under one secret (NIST SP 800-38D §8.3), far beyond what one install issues in practice.
 *
 * Expiry (issuedAt + 300,000 ms → ExpiredIteratorException) is the caller's check, not the codec's.
 * Anything that does not decode and authenticate (bad base64, wrong length, forged, truncated,
 * bit-flipped, other secret) decodes to undefined; the caller answers `Invalid ShardIterator.`
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomFillSync } from 'node:crypto';

/** The state carried by a shard iterator. */
export interface ShardIteratorState {
  /** The stream's id (e.g. 20 lowercase alphanumerics, `-`, 3 more): a recreated stream rejects old iterators. At most 255 UTF-8 bytes. */
  readonly streamId: string;
  /** Index of the shard (the number in its shard id), 0 … 2^32 − 1. */
  readonly shardIndex: number;
  /** Next log position to read, 0 … 2^53 − 1. */
  readonly offset: number;
  /** When the iterator was issued, epoch milliseconds, 0 … 2^53 − 1. */
  readonly issuedAt: number;
}

/** Length the per-install secret must have (bytes). */
export const SHARD_ITERATOR_SECRET_BYTES = 32;

/** How long an iterator stays valid after `issuedAt` (AWS: 5 minutes → ExpiredIteratorException). */
export const SHARD_ITERATOR_TTL_MS = 300_000;

const HEADER = Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]);
const HEADER_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 1;
/** version + shardIndex + offset + issuedAt + streamId length. */
const FIXED_PLAINTEXT_BYTES = 1 + 4 + 8 + 8 + 1;
const MAX_STREAM_ID_BYTES = 255;
/** 8 + 12 + 16 + (22 + 255 padded to ≡ 4 mod 16 = 292) = 328 bytes → 440 base64 characters. */
const MAX_TOKEN_CHARS = 512;
const MIN_TOKEN_BYTES = HEADER_BYTES + NONCE_BYTES + FIXED_PLAINTEXT_BYTES + TAG_BYTES;
const TWO_32 = 2 ** 32;

// Nonces come from a pool refilled 512 at a time: one randomFillSync call costs about as much
// as encrypting a token, so drawing 12 bytes per token directly would double the encode cost.
const NONCE_POOL = Buffer.alloc(NONCE_BYTES * 512);
let noncePoolOffset = NONCE_POOL.length;

/** Writes a fresh random nonce into `target` at `at`. */
function writeNonce(target: Buffer, at: number): Buffer {
  if (noncePoolOffset === NONCE_POOL.length) {
    randomFillSync(NONCE_POOL);
    noncePoolOffset = 0;
  }
  NONCE_POOL.copy(target, at, noncePoolOffset, noncePoolOffset + NONCE_BYTES);
  noncePoolOffset += NONCE_BYTES;
  return target.subarray(at, at + NONCE_BYTES);
}

/** Plaintext length padded up to ≡ 4 (mod 16). */
function paddedLength(length: number): number {
  return length + ((20 - (length % 16)) % 16);
}

function readUint64(buf: Buffer, at: number): number | undefined {
  const high = buf.readUInt32BE(at);
  // Values must be safe integers: the high word holds at most 21 bits.
  if (high >= 2 ** 21) return undefined;
  return high * TWO_32 + buf.readUInt32BE(at + 4);
}

function isUint(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}

/** Encodes and decodes shard iterator tokens under one per-install secret. */
export class ShardIteratorCodec {
  readonly #key: Buffer;

  /**
   * @param secret the per-install secret, {@link SHARD_ITERATOR_SECRET_BYTES} bytes.
   * @throws RangeError when the secret has the wrong length.
   */
  constructor(secret: Uint8Array) {
    if (secret.length !== SHARD_ITERATOR_SECRET_BYTES) {
      throw new RangeError(`shard iterator secret must be ${SHARD_ITERATOR_SECRET_BYTES} bytes, got ${secret.length}`);
    }
    this.#key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'tributary shard-iterator v1', 32));
  }

  /**
   * Encodes a state as an opaque token.
   * @throws RangeError when a field is out of range or the stream id exceeds 255 UTF-8 bytes.
   */
  encode(state: ShardIteratorState): string {
    const { streamId, shardIndex, offset, issuedAt } = state;
    if (!isUint(shardIndex, TWO_32 - 1)) throw new RangeError(`shardIndex out of range: ${shardIndex}`);
    if (!isUint(offset, Number.MAX_SAFE_INTEGER)) throw new RangeError(`offset out of range: ${offset}`);
    if (!isUint(issuedAt, Number.MAX_SAFE_INTEGER)) throw new RangeError(`issuedAt out of range: ${issuedAt}`);
    const idLength = Buffer.byteLength(streamId, 'utf8');
    if (idLength > MAX_STREAM_ID_BYTES) throw new RangeError(`streamId longer than ${MAX_STREAM_ID_BYTES} bytes`);

    const plaintext = Buffer.alloc(paddedLength(FIXED_PLAINTEXT_BYTES + idLength));
    plaintext.writeUInt8(VERSION, 0);
    plaintext.writeUInt32BE(shardIndex, 1);
    plaintext.writeUInt32BE(Math.floor(offset / TWO_32), 5);
    plaintext.writeUInt32BE(offset % TWO_32, 9);
    plaintext.writeUInt32BE(Math.floor(issuedAt / TWO_32), 13);
    plaintext.writeUInt32BE(issuedAt % TWO_32, 17);
    plaintext.writeUInt8(idLength, 21);
    plaintext.write(streamId, FIXED_PLAINTEXT_BYTES, 'utf8');

    const token = Buffer.allocUnsafe(HEADER_BYTES + NONCE_BYTES + plaintext.length + TAG_BYTES);
    HEADER.copy(token, 0);
    const nonce = writeNonce(token, HEADER_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(HEADER);
    let at = HEADER_BYTES + NONCE_BYTES;
    at += cipher.update(plaintext).copy(token, at);
    at += cipher.final().copy(token, at);
    cipher.getAuthTag().copy(token, at);
    return token.toString('base64');
  }

  /** Decodes a token; undefined for anything that is not a token this codec's secret issued. Never throws. */
  decode(text: string): ShardIteratorState | undefined {
    try {
      return this.#decode(text);
    } catch {
      return undefined;
    }
  }

  #decode(text: string): ShardIteratorState | undefined {
    if (typeof text !== 'string' || text.length > MAX_TOKEN_CHARS || text.length % 4 !== 0) return undefined;
    const token = Buffer.from(text, 'base64');
    // Node's base64 decoder skips invalid characters and ignores stray bits; only the canonical
    // spelling of the bytes is accepted, so every altered character is rejected here or by GCM.
    if (token.length < MIN_TOKEN_BYTES || token.toString('base64') !== text) return undefined;
    if (!token.subarray(0, HEADER_BYTES).equals(HEADER)) return undefined;
    const sealedLength = token.length - HEADER_BYTES - NONCE_BYTES - TAG_BYTES;
    if (sealedLength % 16 !== 4) return undefined;

    const nonce = token.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(HEADER);
    decipher.setAuthTag(token.subarray(token.length - TAG_BYTES));
    const sealed = token.subarray(HEADER_BYTES + NONCE_BYTES, token.length - TAG_BYTES);
    // final() throws on a bad tag; decode() turns that into undefined.
    const plaintext = Buffer.concat([decipher.update(sealed), decipher.final()]);

    // Authenticated from here on; the checks below only guard against our own format drifting.
    if (plaintext.readUInt8(0) !== VERSION) return undefined;
    const shardIndex = plaintext.readUInt32BE(1);
    const offset = readUint64(plaintext, 5);
    const issuedAt = readUint64(plaintext, 13);
    const idLength = plaintext.readUInt8(21);
    if (offset === undefined || issuedAt === undefined) return undefined;
    if (paddedLength(FIXED_PLAINTEXT_BYTES + idLength) !== plaintext.length) return undefined;
    const streamId = plaintext.toString('utf8', FIXED_PLAINTEXT_BYTES, FIXED_PLAINTEXT_BYTES + idLength);
    return { streamId, shardIndex, offset, issuedAt };
  }
}
