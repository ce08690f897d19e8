/**
 * De-aggregation of records written by the Kinesis Producer Library (KPL). Pure: no I/O.
 *
 * KPL aggregation format (amazon-kinesis-producer, `aggregation-format.md`):
 *
 * ```
 * record.Data = magic (4 bytes: F3 89 9A C2) || protobuf AggregatedRecord || MD5(protobuf) (16 bytes)
 *
 * message AggregatedRecord {
 *   repeated string partition_key_table     = 1;
 *   repeated string explicit_hash_key_table = 2;
 *   repeated Record records                 = 3;
 * }
 * message Record {
 *   required uint64 partition_key_index     = 1;
 *   optional uint64 explicit_hash_key_index = 2;
 *   required bytes  data                    = 3;
 *   repeated Tag    tags                    = 4;
 * }
 * message Tag { required string key = 1; optional string value = 2; }
 * ```
 *
 * Kinesis itself never looks inside: an aggregated record is one Kinesis record whose partition key is
 * the KPL's chosen one. Consumers (the KCL) split it back into user records that share the Kinesis
 * record's sequence number and are told apart by a sub-sequence number (their index).
 */
import { createHash } from 'node:crypto';
import { TribError, TribErrorCode } from '../../errors/index.js';

/** The 4 bytes every KPL-aggregated record starts with. */
export const KPL_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
const DIGEST_BYTES = 16;

/** The part of a Kinesis record (as GetRecords or SubscribeToShard return it) de-aggregation reads. */
export interface KinesisRecordLike {
  readonly Data: Uint8Array;
  readonly PartitionKey?: string;
  readonly ExplicitHashKey?: string;
  readonly SequenceNumber?: string;
  readonly ApproximateArrivalTimestamp?: Date;
}

/** One user record: the Kinesis record's fields with this sub-record's data and keys. */
export interface UserRecord {
  readonly Data: Uint8Array;
  /** The sub-record's partition key (the Kinesis record's own for a non-aggregated record). */
  readonly PartitionKey: string | undefined;
  /** The sub-record's explicit hash key, when the producer set one. */
  readonly ExplicitHashKey?: string;
  /** The enclosing Kinesis record's sequence number (shared by all sub-records). */
  readonly SequenceNumber?: string;
  readonly ApproximateArrivalTimestamp?: Date;
  /** Position within the aggregated record (0 for a non-aggregated record). */
  readonly SubSequenceNumber: number;
  /** Whether the record came out of a KPL aggregate. */
  readonly Aggregated: boolean;
  /** KPL tags of the sub-record (rarely used). */
  readonly Tags?: ReadonlyArray<{ readonly key: string; readonly value?: string }>;
}

/** Options of {@link deaggregate}. */
export interface DeaggregateOptions {
  /**
   * What to do when a record starts with the magic bytes but its MD5 does not match. Default
   * `'passthrough'`: return it as an ordinary record, as the KCL does (any producer may write data that
   * happens to start with those 4 bytes). `'throw'` raises a {@link KplFormatError}.
   */
  readonly onBadChecksum?: 'passthrough' | 'throw';
}

/** A KPL aggregate whose checksum matched but whose protobuf is malformed (or a bad checksum under `'throw'`). */
export class KplFormatError extends TribError {
  constructor(message: string) {
    super(TribErrorCode.KPL_FORMAT, message);
    this.name = 'KplFormatError';
  }
}

/** Whether `data` has the shape of a KPL aggregate (magic prefix and room for a digest); the MD5 is not checked. */
export function isAggregated(data: Uint8Array): boolean {
  if (data.length < KPL_MAGIC.length + DIGEST_BYTES) return false;
  for (let i = 0; i < KPL_MAGIC.length; i++) if (data[i] !== KPL_MAGIC[i]) return false;
  return true;
}

/**
 * Splits a Kinesis record into the user records the KPL aggregated into it. A record that is not an
 * aggregate comes back as the only element, unchanged (SubSequenceNumber 0, Aggregated false).
 *
 * Steps (KPL aggregation format, KCL de-aggregation):
 * 1. Without the magic prefix, or too short for prefix + MD5, the record is not aggregated.
 * 2. MD5 of the bytes between prefix and the last 16 bytes must equal those 16 bytes; otherwise the
 *    record is treated per `onBadChecksum`.
 * 3. Decode the protobuf; every sub-record takes its partition key (and explicit hash key) from the
 *    tables by index; an index outside its table is a format error.
 */
export function deaggregate(record: KinesisRecordLike, options: DeaggregateOptions = {}): UserRecord[] {
  const data = record.Data;
  const plain = (): UserRecord[] => [
    {
      Data: data,
      PartitionKey: record.PartitionKey,
      ...(record.ExplicitHashKey !== undefined ? { ExplicitHashKey: record.ExplicitHashKey } : {}),
      ...(record.SequenceNumber !== undefined ? { SequenceNumber: record.SequenceNumber } : {}),
      ...(record.ApproximateArrivalTimestamp !== undefined
        ? { ApproximateArrivalTimestamp: record.ApproximateArrivalTimestamp }
        : {}),
      SubSequenceNumber: 0,
      Aggregated: false,
    },
  ];
  if (!isAggregated(data)) return plain();
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.length);
  const body = bytes.subarray(KPL_MAGIC.length, bytes.length - DIGEST_BYTES);
  const digest = createHash('md5').update(body).digest();
  if (!digest.equals(bytes.subarray(bytes.length - DIGEST_BYTES))) {
    if (options.onBadChecksum === 'throw') throw new KplFormatError('KPL aggregated record has a bad MD5 checksum');
    return plain();
  }
  const aggregate = decodeAggregatedRecord(body);
  return aggregate.records.map((sub, i) => {
    const partitionKey = aggregate.partitionKeys[sub.partitionKeyIndex];
    if (partitionKey === undefined) {
      throw new KplFormatError(
        `sub-record ${i}: partition_key_index ${sub.partitionKeyIndex} outside a table of ${aggregate.partitionKeys.length}`,
      );
    }
    let explicitHashKey: string | undefined;
    if (sub.explicitHashKeyIndex !== undefined) {
      explicitHashKey = aggregate.explicitHashKeys[sub.explicitHashKeyIndex];
      if (explicitHashKey === undefined) {
        throw new KplFormatError(
          `sub-record ${i}: explicit_hash_key_index ${sub.explicitHashKeyIndex} outside a table of ${aggregate.explicitHashKeys.length}`,
        );
      }
    }
    return {
      Data: sub.data,
      PartitionKey: partitionKey,
      ...(explicitHashKey !== undefined ? { ExplicitHashKey: explicitHashKey } : {}),
      ...(record.SequenceNumber !== undefined ? { SequenceNumber: record.SequenceNumber } : {}),
      ...(record.ApproximateArrivalTimestamp !== undefined
        ? { ApproximateArrivalTimestamp: record.ApproximateArrivalTimestamp }
        : {}),
      SubSequenceNumber: i,
      Aggregated: true,
      ...(sub.tags.length > 0 ? { Tags: sub.tags } : {}),
    };
  });
}

// ------------------------------------------------------------------ protobuf reader (wire format subset)

/** Protobuf wire types (protobuf encoding guide): 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit. */
const WireType = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

interface SubRecord {
  partitionKeyIndex: number;
  explicitHashKeyIndex?: number;
  data: Uint8Array;
  tags: Array<{ key: string; value?: string }>;
}

interface Aggregate {
  partitionKeys: string[];
  explicitHashKeys: string[];
  records: SubRecord[];
}

/** A cursor over protobuf bytes. Unknown fields are skipped, as protobuf requires. */
class ProtoReader {
  pos: number;
  readonly end: number;
  readonly buf: Buffer;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A base-128 varint (little-endian groups of 7 bits, high bit = more), up to 2^53 − 1. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new KplFormatError('truncated varint');
      const b = this.buf[this.pos++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(value)) throw new KplFormatError('varint above 2^53');
        return value;
      }
      scale *= 128;
    }
    throw new KplFormatError('varint longer than 10 bytes');
  }

  /** A length-delimited field's bytes (a view, no copy). */
  bytes(): Buffer {
    const length = this.varint();
    if (length > this.end - this.pos) throw new KplFormatError('length-delimited field runs past its message');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  string(): string {
    return this.bytes().toString('utf8');
  }

  /** Skips a field of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.varint:
        this.varint();
        return;
      case WireType.fixed64:
        this.advance(8);
        return;
      case WireType.bytes:
        this.bytes();
        return;
      case WireType.fixed32:
        this.advance(4);
        return;
      default:
        throw new KplFormatError(`unsupported protobuf wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw new KplFormatError('truncated fixed-width field');
    this.pos += n;
  }

  /** Reads a field key: field number and wire type. */
  key(): [field: number, wireType: number] {
    const key = this.varint();
    return [Math.floor(key / 8), key & 7];
  }
}

function expect(wireType: number, wanted: number, what: string): void {
  if (wireType !== wanted) throw new KplFormatError(`${what} has wire type ${wireType}, expected ${wanted}`);
}

function decodeAggregatedRecord(body: Buffer): Aggregate {
  const r = new ProtoReader(body);
  const out: Aggregate = { partitionKeys: [], explicitHashKeys: [], records: [] };
  while (!r.done) {
    const [field, wireType] = r.key();
    if (field === 1) {
      expect(wireType, WireType.bytes, 'partition_key_table');
      out.partitionKeys.push(r.string());
    } else if (field === 2) {
      expect(wireType, WireType.bytes, 'explicit_hash_key_table');
      out.explicitHashKeys.push(r.string());
    } else if (field === 3) {
      expect(wireType, WireType.bytes, 'records');
      out.records.push(decodeRecord(r.bytes()));
    } else {
      r.skip(wireType);
    }
  }
  return out;
}

function decodeRecord(buf: Buffer): SubRecord {
  const r = new ProtoReader(buf);
  let partitionKeyIndex: number | undefined;
  let explicitHashKeyIndex: number | undefined;
  let data: Uint8Array | undefined;
  const tags: SubRecord['tags'] = [];
  while (!r.done) {
    const [field, wireType] = r.key();
    if (field === 1) {
      expect(wireType, WireType.varint, 'partition_key_index');
      partitionKeyIndex = r.varint();
    } else if (field === 2) {
      expect(wireType, WireType.varint, 'explicit_hash_key_index');
      explicitHashKeyIndex = r.varint();
    } else if (field === 3) {
      expect(wireType, WireType.bytes, 'data');
      // Copy: the sub-record must not pin (or alias) the whole aggregate's buffer.
      data = new Uint8Array(r.bytes());
    } else if (field === 4) {
      expect(wireType, WireType.bytes, 'tags');
      tags.push(decodeTag(r.bytes()));
    } else {
      r.skip(wireType);
    }
  }
  // Both are `required` in the KPL's schema.
  if (partitionKeyIndex === undefined) throw new KplFormatError('sub-record without partition_key_index');
  if (data === undefined) throw new KplFormatError('sub-record without data');
  return { partitionKeyIndex, ...(explicitHashKeyIndex !== undefined ? { explicitHashKeyIndex } : {}), data, tags };
}

function decodeTag(buf: Buffer): { key: string; value?: string } {
  const r = new ProtoReader(buf);
  let key: string | undefined;
  let value: string | undefined;
  while (!r.done) {
    const [field, wireType] = r.key();
    if (field === 1) {
      expect(wireType, WireType.bytes, 'tag key');
      key = r.string();
    } else if (field === 2) {
      expect(wireType, WireType.bytes, 'tag value');
      value = r.string();
    } else {
      r.skip(wireType);
    }
  }
  if (key === undefined) throw new KplFormatError('tag without key');
  return value === undefined ? { key } : { key, value };
}
