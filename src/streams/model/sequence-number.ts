/**
 * Kinesis sequence numbers in AWS's current ("v2") layout (reverse-engineered;
 * docs/adr/0002-sequence-numbers-and-shard-iterators.md).
 *
 * A sequence number is a 188-bit unsigned integer (47 hex digits) written in decimal. Its value lies
 * in [2^185, 1.5·2^185), so the decimal text is always exactly 56 digits.
 *
 *   hex digit  bits (from LSB)  field
 *   0          184..187         constant 2
 *   1–9        148..183         shard creation time, epoch seconds (36 bits)
 *   10         144..147         shard index, low nibble
 *   11–26      80..143          record counter (64 bits, top bit always 0)
 *   27–28      72..79           unknown byte, always 00
 *   29–37      36..71           record arrival time, epoch seconds (36 bits)
 *   38–45      4..35            shard index (32 bits)
 *   46         0..3             layout version, 2
 *
 * Pure code, no I/O. {@link createSequenceNumberEncoder} is the hot-path encoder (one call per
 * record); {@link encodeSequenceNumber} is the reference it is tested against.
 */

/** The decoded fields of a v2 sequence number. */
export interface SequenceNumberParts {
  /** Creation time of the shard, whole epoch seconds, 0 … 2^36 − 1. */
  readonly shardCreatedSeconds: number;
  /** Shard index (the number in `shardId-000000000007`), 0 … 2^32 − 1. */
  readonly shardIndex: number;
  /** Record counter, 0 … 2^63 − 1; increases in write order within a shard. */
  readonly counter: bigint;
  /** Arrival time of the record, whole epoch seconds, 0 … 2^36 − 1. */
  readonly arrivalSeconds: number;
}

/** Largest value of the 36-bit time fields (seconds). */
const MAX_SECONDS = 2 ** 36 - 1;
/** Largest shard index the 32-bit field holds. */
const MAX_SHARD_INDEX = 2 ** 32 - 1;
/** Largest counter: 64-bit field whose top bit is always 0. Also the counter of a closed shard's EndingSequenceNumber. */
const MAX_COUNTER = (1n << 63n) - 1n;

// Bit offsets of the fields, from the least significant bit (see the table above).
const SHIFT_MARKER = 184n;
const SHIFT_CREATED = 148n;
const SHIFT_INDEX_NIBBLE = 144n;
const SHIFT_COUNTER = 80n;
const SHIFT_UNKNOWN = 72n;
const SHIFT_ARRIVAL = 36n;
const SHIFT_INDEX = 4n;
const MARKER = 2n;
const LAYOUT_VERSION = 2n;

const MASK_4 = 0xfn;
const MASK_8 = 0xffn;
const MASK_32 = 0xffff_ffffn;
const MASK_36 = (1n << 36n) - 1n;
const MASK_64 = (1n << 64n) - 1n;

const DIGITS_56 = /^[0-9]{56}$/;

function isSeconds(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_SECONDS;
}

function isShardIndex(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_SHARD_INDEX;
}

function checkShard(shardCreatedSeconds: number, shardIndex: number): void {
  if (!isSeconds(shardCreatedSeconds)) {
    throw new RangeError(`shardCreatedSeconds must be an integer in [0, 2^36-1], got ${shardCreatedSeconds}`);
  }
  if (!isShardIndex(shardIndex)) {
    throw new RangeError(`shardIndex must be an integer in [0, 2^32-1], got ${shardIndex}`);
  }
}

/** The fields that are constant for one shard: marker, creation time, index nibble, index, version. */
function shardConstant(shardCreatedSeconds: number, shardIndex: number): bigint {
  const index = BigInt(shardIndex);
  return (
    (MARKER << SHIFT_MARKER) |
    (BigInt(shardCreatedSeconds) << SHIFT_CREATED) |
    ((index & MASK_4) << SHIFT_INDEX_NIBBLE) |
    (index << SHIFT_INDEX) |
    LAYOUT_VERSION
  );
}

/**
 * Encodes a v2 sequence number as its 56-digit decimal text.
 * @throws RangeError when a field is out of range (see {@link SequenceNumberParts}).
 */
export function encodeSequenceNumber(parts: SequenceNumberParts): string {
  const { shardCreatedSeconds, shardIndex, counter, arrivalSeconds } = parts;
  checkShard(shardCreatedSeconds, shardIndex);
  if (typeof counter !== 'bigint' || counter < 0n || counter > MAX_COUNTER) {
    throw new RangeError(`counter must be in [0, 2^63-1], got ${counter}`);
  }
  if (!isSeconds(arrivalSeconds)) {
    throw new RangeError(`arrivalSeconds must be an integer in [0, 2^36-1], got ${arrivalSeconds}`);
  }
  const value =
    shardConstant(shardCreatedSeconds, shardIndex) |
    (counter << SHIFT_COUNTER) |
    (BigInt(arrivalSeconds) << SHIFT_ARRIVAL);
  return value.toString();
}

/**
 * Decodes a v2 sequence number. Returns undefined for anything that is not one: not exactly 56
 * decimal digits, a first hex digit other than 2, a layout version other than 2 (older v0/v1
 * numbers are invalid here, ADR 0002), a counter with its top bit set, a non-zero unknown
 * byte, or an index nibble that disagrees with the shard index field. Never throws.
 */
export function decodeSequenceNumber(text: string): SequenceNumberParts | undefined {
  if (typeof text !== 'string' || text.length !== 56 || !DIGITS_56.test(text)) return undefined;
  const value = BigInt(text);
  // Checking the marker nibble also bounds the value to [2^185, 1.5·2^185) and so to 188 bits.
  if (value >> SHIFT_MARKER !== MARKER) return undefined;
  if ((value & MASK_4) !== LAYOUT_VERSION) return undefined;
  if (((value >> SHIFT_UNKNOWN) & MASK_8) !== 0n) return undefined;
  const counter = (value >> SHIFT_COUNTER) & MASK_64;
  if (counter > MAX_COUNTER) return undefined;
  const index = (value >> SHIFT_INDEX) & MASK_32;
  if (((value >> SHIFT_INDEX_NIBBLE) & MASK_4) !== (index & MASK_4)) return undefined;
  return {
    shardCreatedSeconds: Number((value >> SHIFT_CREATED) & MASK_36),
    shardIndex: Number(index),
    counter,
    arrivalSeconds: Number((value >> SHIFT_ARRIVAL) & MASK_36),
  };
}

/**
 * A shard's StartingSequenceNumber: counter 0, arrival time = the shard's creation time
 * (ADR 0002).
 */
export function shardStartingSequenceNumber(shardCreatedSeconds: number, shardIndex: number): string {
  return encodeSequenceNumber({ shardCreatedSeconds, shardIndex, counter: 0n, arrivalSeconds: shardCreatedSeconds });
}

/**
 * A closed shard's EndingSequenceNumber: counter 0x7fffffffffffffff with the close time as arrival
 * (ADR 0002).
 */
export function shardEndingSequenceNumber(
  shardCreatedSeconds: number,
  shardIndex: number,
  closedSeconds: number,
): string {
  return encodeSequenceNumber({ shardCreatedSeconds, shardIndex, counter: MAX_COUNTER, arrivalSeconds: closedSeconds });
}

// ---- Fast encoder -------------------------------------------------------------------------------
//
// A 188-bit BigInt → decimal conversion costs a few hundred ns; GetRecords of 10,000 records would
// pay it 10,000 times. Instead the number is assembled from base-10^7 limbs (least significant
// first) with double arithmetic that stays below 2^53:
//   value          = base(arrival) + counter · 2^80
//   base(arrival)  = shard constant + arrival · 2^36       (BigInt; recomputed only when arrival changes)
//   counter · 2^80 = hi · 2^106 + lo · 2^80,  counter = hi · 2^26 + lo,  hi < 2^27, lo < 2^26
// Each limb sum is < 2^27 · 10^7 + 2^26 · 10^7 + 10^7 + carry < 2^52, exact in a double.
// counter · 2^80 < 2^133 < 10^42, so it only touches the low 6 limbs (42 digits); the top 14 digits
// are base's top digits plus a carry of 0 or 1, both kept ready as ASCII bytes.
//
// The digits are written as ASCII into a 56-byte scratch buffer (two digits per table lookup) and
// turned into one flat string by a single latin1 decode. Building the text by concatenating 13
// table strings instead left a tree of ~13 heap objects (~400 bytes) per sequence number, alive until
// the response is encoded; that garbage made GetRecords' scavenges copy far more. The flat string
// measured on `npm run bench -- read-path`: handler only +48%, handler + JSON +18%.

const LIMB = 10_000_000;
const LOW_LIMBS = 6;
const LOW_DIGITS = 42n;
const LIMB_BIG = 10_000_000n;
const TWO_26 = 2 ** 26;
/** Characters of a v2 sequence number's decimal text, and of its top part (above the low limbs). */
const TEXT_DIGITS = 56;
const TOP_DIGITS = 14;

/** The low {@link LOW_LIMBS} base-10^7 limbs of a value, least significant first. */
function lowLimbs(value: bigint): number[] {
  const limbs: number[] = [];
  let rest = value;
  for (let i = 0; i < LOW_LIMBS; i++) {
    limbs.push(Number(rest % LIMB_BIG));
    rest /= LIMB_BIG;
  }
  return limbs;
}

const LIMBS_2_80 = lowLimbs(1n << 80n);
const LIMBS_2_106 = lowLimbs(1n << 106n);

/**
 * `Buffer.prototype.latin1Slice`, the native decoder `buf.toString('latin1', start, end)` ends in (not in
 * Node's typings): calling it directly skips `toString`'s argument checks on every record (part of
 * a measured +7% on read-path, handler + JSON). Undefined if a Node version drops it; then `toString` is used.
 */
const nativeLatin1Slice = (
  Buffer.prototype as unknown as { latin1Slice?: (this: Buffer, start: number, end: number) => string }
).latin1Slice;

/** ASCII of 00…99: entry 2n is the tens digit of n, 2n + 1 its units digit. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let n = 0; n < 100; n++) {
  DIGIT_PAIRS[2 * n] = 48 + Math.floor(n / 10);
  DIGIT_PAIRS[2 * n + 1] = 48 + (n % 10);
}

/** Writes `limb` (0 … 10^7 − 1) as 7 zero-padded ASCII digits at `at`. */
function putDigits7(out: Uint8Array, limb: number, at: number): void {
  const a = (limb / 100_000) | 0;
  let rest = limb - a * 100_000;
  const b = (rest / 1000) | 0;
  rest -= b * 1000;
  const c = (rest / 10) | 0;
  out[at] = DIGIT_PAIRS[2 * a]!;
  out[at + 1] = DIGIT_PAIRS[2 * a + 1]!;
  out[at + 2] = DIGIT_PAIRS[2 * b]!;
  out[at + 3] = DIGIT_PAIRS[2 * b + 1]!;
  out[at + 4] = DIGIT_PAIRS[2 * c]!;
  out[at + 5] = DIGIT_PAIRS[2 * c + 1]!;
  out[at + 6] = 48 + rest - c * 10;
}

/**
 * Returns an encoder for many records of one shard: `(counter, arrivalSeconds) => 56-digit text`,
 * equal to {@link encodeSequenceNumber} for the same fields but without a 188-bit BigInt → decimal
 * conversion per record. `counter` is a JS number here (0 … 2^53 − 1).
 * @throws RangeError (from the factory or the encoder) when a field is out of range.
 */
export function createSequenceNumberEncoder(
  shardCreatedSeconds: number,
  shardIndex: number,
): (counter: number, arrivalSeconds: number) => string {
  const { digits, text } = createSequenceNumberDigits(shardCreatedSeconds, shardIndex);
  return (counter, arrivalSeconds) => {
    digits(counter, arrivalSeconds);
    return nativeLatin1Slice ? nativeLatin1Slice.call(text, 0, TEXT_DIGITS) : text.toString('latin1', 0, TEXT_DIGITS);
  };
}

/** Characters of a sequence number written by {@link createSequenceNumberWriter}. */
export const SEQUENCE_NUMBER_DIGITS = TEXT_DIGITS;

/**
 * Like {@link createSequenceNumberEncoder}, but writes the 56 ASCII digits into `out` at `at` instead of making a
 * string: for answers written straight into bytes (GetRecords' JSON, src/streams/records-json.ts), where the string
 * would only be copied into the output again.
 */
export function createSequenceNumberWriter(
  shardCreatedSeconds: number,
  shardIndex: number,
): (counter: number, arrivalSeconds: number, out: Uint8Array, at: number) => void {
  const { digits, text } = createSequenceNumberDigits(shardCreatedSeconds, shardIndex);
  return (counter, arrivalSeconds, out, at) => {
    digits(counter, arrivalSeconds);
    // One native copy: a JS loop over the 56 bytes took ~190 ns of the ~300 ns per number (docs/adr/0053).
    out.set(text, at);
  };
}

/**
 * The digit engine of both encoders: `digits(counter, arrivalSeconds)` leaves the number's 56 ASCII digits in
 * `text` (a scratch buffer it owns, updated in place from the previous number).
 */
function createSequenceNumberDigits(
  shardCreatedSeconds: number,
  shardIndex: number,
): { digits: (counter: number, arrivalSeconds: number) => void; text: Buffer } {
  checkShard(shardCreatedSeconds, shardIndex);
  const constant = shardConstant(shardCreatedSeconds, shardIndex);
  // One scratch buffer per encoder: the encoder is synchronous, so no call can observe another's digits.
  // It keeps the digits of the previous number, which the incremental step below updates in place.
  const text = Buffer.alloc(TEXT_DIGITS);
  const topNoCarry = Buffer.alloc(TOP_DIGITS);
  const topCarry = Buffer.alloc(TOP_DIGITS);
  let cachedArrival = -1;
  let base: number[] = [];
  /** Low limbs of the previous number (mod 10^42) and its counter; -2 = none yet. */
  const limbs = [0, 0, 0, 0, 0, 0];
  let lastCounter = -2;

  const digits = (counter: number, arrivalSeconds: number): void => {
    if (!Number.isSafeInteger(counter) || counter < 0) {
      throw new RangeError(`counter must be an integer in [0, 2^53-1], got ${counter}`);
    }
    if (arrivalSeconds !== cachedArrival) {
      if (!isSeconds(arrivalSeconds)) {
        throw new RangeError(`arrivalSeconds must be an integer in [0, 2^36-1], got ${arrivalSeconds}`);
      }
      const value = constant | (BigInt(arrivalSeconds) << SHIFT_ARRIVAL);
      const top = value / 10n ** LOW_DIGITS;
      base = lowLimbs(value);
      // value < 1.5·2^185 < 10^56 even with the carry, and ≥ 2^185 > 10^55: always 14 digits.
      topNoCarry.write(top.toString(), 'latin1');
      topCarry.write((top + 1n).toString(), 'latin1');
      cachedArrival = arrivalSeconds;
      lastCounter = -2;
    }
    let at = TEXT_DIGITS - 7;
    let carry = 0;
    if (counter === lastCounter + 1) {
      // The next record of a read (same arrival second): value grows by exactly 2^80, so add 2^80's
      // limbs with carries and rewrite only the limbs that changed (2^80 has 4 non-zero limbs).
      // Measured on read-path: handler only +16%, handler + JSON +5%, handler + CBOR +6%.
      for (let i = 0; i < LOW_LIMBS; i++) {
        const add = LIMBS_2_80[i]! + carry;
        if (add !== 0) {
          let t = limbs[i]! + add;
          carry = t >= LIMB ? 1 : 0;
          if (carry === 1) t -= LIMB;
          limbs[i] = t;
          putDigits7(text, t, at);
        }
        at -= 7;
      }
      // The low part's sum stays < 2·10^42 (see above), so this carry happens at most once per arrival.
      if (carry === 1) text.set(topCarry, 0);
    } else {
      const hi = Math.floor(counter / TWO_26);
      const lo = counter - hi * TWO_26;
      for (let i = 0; i < LOW_LIMBS; i++) {
        const t = base[i]! + hi * LIMBS_2_106[i]! + lo * LIMBS_2_80[i]! + carry;
        carry = Math.floor(t / LIMB);
        limbs[i] = t - carry * LIMB;
        putDigits7(text, limbs[i]!, at);
        at -= 7;
      }
      text.set(carry === 0 ? topNoCarry : topCarry, 0);
    }
    lastCounter = counter;
  };
  return { digits, text };
}

/**
 * Compares two non-negative decimal integer strings numerically (leading zeros allowed):
 * negative when a < b, 0 when equal, positive when a > b. Sequence numbers are compared this way
 * so that values of different lengths (e.g. `0` vs a 56-digit number) order correctly.
 * Inputs are assumed to be digit strings (validated by the caller).
 */
export function compareSequenceNumbers(a: string, b: string): number {
  let i = 0;
  while (i < a.length - 1 && a.charCodeAt(i) === 48) i++;
  let j = 0;
  while (j < b.length - 1 && b.charCodeAt(j) === 48) j++;
  const lenA = a.length - i;
  const lenB = b.length - j;
  if (lenA !== lenB) return lenA < lenB ? -1 : 1;
  for (; i < a.length; i++, j++) {
    const d = a.charCodeAt(i) - b.charCodeAt(j);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Values below 2^129 are sequence numbers of AWS's oldest ("v0") layout, whose low 16 bits hold the shard index. */
const V0_LIMIT = 1n << 129n;

/**
 * The shard index an old-layout (v0) sequence number encodes: any decimal number below 2^129, shard index in its
 * low 16 bits. AWS still recognises these: GetShardIterator names the shard they encode ("Invalid
 * StartingSequenceNumber. It encodes shardId-…"), and PutRecord accepts one as SequenceNumberForOrdering (`0`).
 * Undefined for anything else. Never throws.
 */
export function legacySequenceShardIndex(text: string): number | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 40 || !/^\d+$/.test(text)) return undefined;
  const value = BigInt(text);
  return value < V0_LIMIT ? Number(value & 0xffffn) : undefined;
}
