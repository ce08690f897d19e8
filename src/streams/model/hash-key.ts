/**
 * Kinesis hash keys: the unsigned 128-bit key space that partition keys are hashed into
 * and that shards divide among themselves.
 *
 * Format (Kinesis Data Streams Developer Guide, 'Terminology and concepts', "Partition key"; Amazon Kinesis Data
 * Streams API Reference, PutRecord):
 *   hash key = MD5(UTF-8 bytes of the partition key), read as a big-endian unsigned 128-bit integer.
 *   ExplicitHashKey (decimal text, model pattern `0|([1-9]\d{0,38})`) overrides it and must lie in
 *   [0, 2^128 − 1] (InvalidArgumentException otherwise).
 *
 * Pure code: no I/O. Hot path (one call per record), so routing can work on the 16-byte buffers
 * with `Buffer.compare` and leave BigInt for the API surface.
 */
import * as crypto from 'node:crypto';

/** The largest hash key, 2^128 − 1 (AWS: "ExplicitHashKey must be in the range: [0, 2^128-1]"). */
export const MAX_HASH_KEY: bigint = (1n << 128n) - 1n;

/** Size of the key space, 2^128. */
const KEY_SPACE = 1n << 128n;
const MASK_64 = (1n << 64n) - 1n;

/**
 * The hash key of a partition key as 16 big-endian bytes: MD5 of its UTF-8 encoding.
 * Byte order equals numeric order, so `Buffer.compare` against {@link hashKeyToBuffer} bounds routes a record.
 */
export function partitionKeyHash(partitionKey: string): Buffer {
  return md5(partitionKey);
}

// crypto.hash (Node ≥ 20.12) skips the Hash object of createHash, which is cheaper per record.
// On Node 20 its 'buffer' output is about twice as slow as a latin1 string turned into a Buffer
// (measured on 20.20), so it goes through latin1 ('binary'), which maps each byte to one char exactly.
// Older Node 20 releases lack crypto.hash, hence the fallback.
const md5: (text: string) => Buffer =
  typeof crypto.hash === 'function'
    ? (text) => Buffer.from(crypto.hash('md5', text, 'binary'), 'latin1')
    : (text) => crypto.createHash('md5').update(text, 'utf8').digest();

/**
 * The hash key of a partition key as 16 latin1 characters, one per MD5 byte (big-endian). Strings of equal
 * length compare (`<`) by char codes, so their order is the numeric order of the keys, like {@link hashKeyToText}
 * bounds: routing compares these without making a Buffer per record (a Buffer per key was a third of the hash
 * cost on PutRecords).
 */
export function partitionKeyHashText(partitionKey: string): string {
  return md5Text(partitionKey);
}

const md5Text: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('md5', text, 'binary')
    : (text) => crypto.createHash('md5').update(text, 'utf8').digest().toString('latin1');

/**
 * A hash key as 16 latin1 characters (big-endian bytes), comparable with {@link partitionKeyHashText}.
 * @throws RangeError when `key` is outside [0, 2^128 − 1].
 */
export function hashKeyToText(key: bigint): string {
  return hashKeyToBuffer(key).toString('latin1');
}

/**
 * The hash key of a partition key as an unsigned 128-bit integer (Kinesis Data Streams Developer Guide, 'Terminology
 * and concepts').
 */
export function hashKeyFromPartitionKey(partitionKey: string): bigint {
  return hashKeyFromBuffer(partitionKeyHash(partitionKey));
}

/**
 * Encodes a hash key as 16 big-endian bytes.
 * @throws RangeError when `key` is outside [0, 2^128 − 1].
 */
export function hashKeyToBuffer(key: bigint): Buffer {
  if (key < 0n || key > MAX_HASH_KEY) {
    throw new RangeError(`hash key out of range [0, 2^128-1]: ${key}`);
  }
  const buf = Buffer.allocUnsafe(16);
  buf.writeBigUInt64BE(key >> 64n, 0);
  buf.writeBigUInt64BE(key & MASK_64, 8);
  return buf;
}

/**
 * Reads a hash key from 16 big-endian bytes.
 * @throws RangeError when `buf` is not exactly 16 bytes long.
 */
export function hashKeyFromBuffer(buf: Uint8Array): bigint {
  if (buf.length !== 16) {
    throw new RangeError(`hash key buffer must be 16 bytes, got ${buf.length}`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, 16);
  return (view.getBigUint64(0) << 64n) | view.getBigUint64(8);
}

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/**
 * Parses an ExplicitHashKey: canonical decimal text (no sign, no leading zeros, as the model
 * pattern `0|([1-9]\d{0,38})` requires). Returns undefined when the text is not canonical decimal or
 * the value exceeds 2^128 − 1; the caller answers InvalidArgumentException
 * `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was <v>`
 * (pattern and length violations are the shape validator's ValidationException, checked first).
 */
export function parseExplicitHashKey(text: string): bigint | undefined {
  // 2^128 − 1 has 39 digits; longer text cannot be in range and would only cost a big parse.
  if (text.length > 39 || !DECIMAL.test(text)) return undefined;
  const value = BigInt(text);
  return value > MAX_HASH_KEY ? undefined : value;
}

/** One inclusive hash key range, `[start, end]`. */
export interface HashKeyRange {
  /** First hash key of the range (StartingHashKey). */
  readonly start: bigint;
  /** Last hash key of the range, inclusive (EndingHashKey). */
  readonly end: bigint;
}

/**
 * Splits the whole key space into `shardCount` ranges as CreateStream does (observed on AWS; N = 2 is pinned in
 * test/streams/model/hash-key.test.ts):
 * 1. h = floor(2^128 / N);
 * 2. shard i covers [i·h, (i+1)·h − 1];
 * 3. the last shard ends at 2^128 − 1, absorbing the remainder.
 * @throws RangeError when `shardCount` is not a positive safe integer.
 */
export function splitHashKeySpace(shardCount: number): HashKeyRange[] {
  if (!Number.isSafeInteger(shardCount) || shardCount < 1) {
    throw new RangeError(`shardCount must be a positive integer, got ${shardCount}`);
  }
  const n = BigInt(shardCount);
  const width = KEY_SPACE / n;
  const ranges: HashKeyRange[] = new Array(shardCount);
  for (let i = 0n; i < n; i++) {
    const start = i * width;
    const end = i === n - 1n ? MAX_HASH_KEY : start + width - 1n;
    ranges[Number(i)] = { start, end };
  }
  return ranges;
}
