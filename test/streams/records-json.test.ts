import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeCborOutput, encodeJsonOutput, JsonByteCursor, JsonByteWriter } from '../../src/protocol/index.js';
import type { RecordView } from '../../src/storage/index.js';
import { createSequenceNumberEncoder, createSequenceNumberWriter } from '../../src/streams/model/index.js';
import {
  prepareRecordsJson,
  RecordsJsonBuilder,
  recordsJsonOnly,
  recordsWithJson,
  recordsWrittenAsJson,
  resultEntriesJson,
  resultEntriesWithJson,
} from '../../src/streams/records-json.js';
import type { ShardHandle } from '../../src/streams/runtime.js';
import { WriteOutcome, type StoredBatch } from '../../src/streams/write-path.js';
import { kinesisModel } from '../../src/streams/shapes/index.js';

/** The same output through the shape-compiled encoder (plain arrays) and through the lists' own writers. */
const compiled = (output: unknown, op: string): string => encodeJsonOutput(output, kinesisModel, op).toString('utf8');

const record = fc.record(
  {
    SequenceNumber: fc.oneof(fc.stringMatching(/^[1-9][0-9]{0,55}$/), fc.string({ unit: 'binary' })),
    ApproximateArrivalTimestamp: fc.oneof(
      fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms)),
      fc.constant(new Date(Number.NaN)),
    ),
    Data: fc.uint8Array({ maxLength: 70 }),
    PartitionKey: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }), fc.string({ maxLength: 300 })),
    EncryptionType: fc.option(fc.constantFrom('NONE', 'KMS'), { nil: undefined }),
  },
  { requiredKeys: ['SequenceNumber', 'Data', 'PartitionKey'] },
);

describe('records and result entries written straight into bytes', () => {
  test('GetRecords: the same text as the shape-compiled encoder, byte for byte (property)', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 40 }), fc.nat(), (records, behind) => {
        const plain = { Records: records, MillisBehindLatest: behind, NextShardIterator: 'AAAA' };
        const own = { ...plain, Records: recordsWithJson([...records]) };
        assert.equal(compiled(own, 'GetRecords'), compiled(plain, 'GetRecords'));
      }),
    );
  });

  test('a list whose text was made ahead answers with exactly that text', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), (records) => {
        const plain = { Records: records, MillisBehindLatest: 0 };
        const list = recordsWithJson([...records]);
        prepareRecordsJson(list);
        assert.equal(compiled({ ...plain, Records: list }, 'GetRecords'), compiled(plain, 'GetRecords'));
      }),
    );
  });

  test('only a list that was written as JSON says so; CBOR sees an ordinary list', () => {
    const records = [{ SequenceNumber: '1', Data: new Uint8Array([1]), PartitionKey: 'k' }];
    const cbor = recordsWithJson([...records]);
    assert.deepEqual(encodeCborOutput({ Records: cbor }), encodeCborOutput({ Records: records }));
    assert.equal(recordsWrittenAsJson(cbor), false);
    const json = recordsWithJson([...records]);
    compiled({ Records: json }, 'GetRecords');
    assert.equal(recordsWrittenAsJson(json), true);
  });

  test('PutRecords: the same text as the shape-compiled encoder, byte for byte (property)', () => {
    const entry = fc.oneof(
      fc.record({ SequenceNumber: fc.stringMatching(/^[0-9]{1,56}$/), ShardId: fc.string() }),
      fc.record({ ErrorCode: fc.string({ unit: 'binary' }), ErrorMessage: fc.string({ unit: 'binary' }) }),
      fc.record({}),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), (entries) => {
        const plain = { FailedRecordCount: 0, Records: entries };
        const own = { ...plain, Records: resultEntriesWithJson([...entries]) };
        assert.equal(compiled(own, 'PutRecords'), compiled(plain, 'PutRecords'));
      }),
    );
  });

  test('records written straight from stored bytes: the same text as from record objects (property)', () => {
    const CREATED = 1_764_000_000;
    const stored = fc.record({
      // Keys as a producer sends them: ASCII, quotes and backslashes, control characters, any Unicode.
      key: fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.constantFrom('a"b', 'c\\d', '\u007f', ''),
      ),
      value: fc.uint8Array({ maxLength: 80 }),
      // Records of one batch share a timestamp; the next batch's is later.
      later: fc.integer({ min: 0, max: 5_000 }),
    });
    fc.assert(
      fc.property(fc.array(stored, { maxLength: 40 }), fc.nat({ max: 1_000_000 }), (entries, first) => {
        const encode = createSequenceNumberEncoder(CREATED, 3);
        const writer = createSequenceNumberWriter(CREATED, 3);
        const builder = new RecordsJsonBuilder((offset, ms, out, at) =>
          writer(offset + 1, Math.floor(ms / 1000), out, at),
        );
        const objects = [];
        let ms = 1_764_000_000_000;
        let utf16 = 0;
        let utf8 = 0;
        for (let i = 0; i < entries.length; i++) {
          const { key, value, later } = entries[i]!;
          ms += later;
          // A frame as the local log lays it out: some header bytes, then key and value.
          const keyBytes = Buffer.from(key, 'utf8');
          const bytes = Buffer.concat([Buffer.alloc(5, 0xee), keyBytes, value, Buffer.alloc(3, 0xee)]);
          const view: RecordView = {
            offset: first + i,
            timestamp: ms,
            attributes: 0,
            bytes,
            keyStart: 5,
            keyLength: keyBytes.length,
            valueStart: 5 + keyBytes.length,
            valueLength: value.length,
          };
          assert.equal(builder.visit(view), true);
          const decodedKey = keyBytes.toString('utf8');
          utf16 += decodedKey.length;
          utf8 += keyBytes.length;
          objects.push({
            SequenceNumber: encode(first + i + 1, Math.floor(ms / 1000)),
            ApproximateArrivalTimestamp: new Date(ms),
            Data: value,
            PartitionKey: decodedKey,
          });
        }
        const list = builder.finish(entries.length);
        assert.equal(list.length, entries.length);
        assert.equal(recordsJsonOnly(list), true);
        assert.equal(builder.keyAdjust, utf16 - utf8);
        const out = { MillisBehindLatest: 7, NextShardIterator: 'AAAA' };
        assert.equal(
          compiled({ ...out, Records: list }, 'GetRecords'),
          compiled({ ...out, Records: objects }, 'GetRecords'),
        );
      }),
    );
  });

  test('the builder grows its buffer past its first size without changing the text', () => {
    const encode = createSequenceNumberEncoder(1_764_000_000, 0);
    const writer = createSequenceNumberWriter(1_764_000_000, 0);
    const builder = new RecordsJsonBuilder((offset, ms, out, at) => writer(offset + 1, Math.floor(ms / 1000), out, at));
    const objects = [];
    for (let i = 0; i < 30; i++) {
      // 30 × ~8 KiB of base64: several times the builder's first 64 KiB.
      const bytes = Buffer.concat([Buffer.from(`key-${i}`), Buffer.alloc(6_000, i)]);
      const keyLength = `key-${i}`.length;
      const view = {
        offset: i,
        timestamp: 1_764_000_000_123,
        attributes: 0,
        bytes,
        keyStart: 0,
        keyLength,
        valueStart: keyLength,
        valueLength: 6_000,
      };
      builder.visit(view);
      objects.push({
        SequenceNumber: encode(i + 1, 1_764_000_000),
        ApproximateArrivalTimestamp: new Date(1_764_000_000_123),
        Data: bytes.subarray(keyLength),
        PartitionKey: `key-${i}`,
      });
    }
    assert.equal(compiled({ Records: builder.finish(30) }, 'GetRecords'), compiled({ Records: objects }, 'GetRecords'));
  });

  test('a record stored sealed (non-zero attributes) is refused: its batch takes the record-object path', () => {
    const builder = new RecordsJsonBuilder(() => assert.fail('no digits for a refused record'));
    const bytes = Buffer.from('kv');
    const view = {
      offset: 0,
      timestamp: 1,
      attributes: 1,
      bytes,
      keyStart: 0,
      keyLength: 1,
      valueStart: 1,
      valueLength: 1,
    };
    assert.equal(builder.visit(view), false);
  });

  test('PutRecords entries written from a write outcome: the same text as its results (property)', () => {
    /** A shard's handle as far as result entries use it: its two sequence-number encoders. */
    const handle = (index: number): ShardHandle => {
      const encode = createSequenceNumberEncoder(1_764_000_000, index);
      const write = createSequenceNumberWriter(1_764_000_000, index);
      return {
        sequenceNumber: (offset, ms) => encode(offset + 1, Math.floor(ms / 1000)),
        writeSequenceNumber: (offset, ms, out, at) => write(offset + 1, Math.floor(ms / 1000), out, at),
      } as ShardHandle;
    };
    const shape = fc.array(
      fc.oneof(
        fc.integer({ min: 0, max: 3 }).map((shard) => ({ shard })),
        fc.record({ code: fc.string(), message: fc.string({ unit: 'binary' }) }),
      ),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(shape, fc.nat({ max: 1_000_000 }), (plan, firstOffset) => {
        const handles = [0, 1, 2, 3].map(handle);
        const positions: number[][] = [[], [], [], []];
        const errors = new Map<number, { ErrorCode: string; ErrorMessage: string }>();
        plan.forEach((p, i) => {
          if ('shard' in p) positions[p.shard]!.push(i);
          else errors.set(i, { ErrorCode: p.code, ErrorMessage: p.message });
        });
        const stored: StoredBatch[] = positions
          .map((pos, shard) => ({
            handle: handles[shard]!,
            shardId: `shardId-00000000000${shard}`,
            positions: pos,
            firstOffset: firstOffset + shard * 7,
            timestamp: 1_764_000_123_456 + shard,
          }))
          .filter((b) => b.positions.length > 0);
        const outcome = new WriteOutcome(plan.length, stored, errors, false);
        const list = resultEntriesJson(outcome) as ({ ErrorCode?: string } | undefined)[];
        // Failed entries stay objects (the metrics count them by ErrorCode); stored ones are text only.
        for (let i = 0; i < plan.length; i++) {
          const p = plan[i]!;
          assert.equal(list[i]?.ErrorCode, 'code' in p ? p.code : undefined);
        }
        const text = compiled({ FailedRecordCount: errors.size, Records: list }, 'PutRecords');
        const fromResults = compiled({ FailedRecordCount: outcome.failed, Records: outcome.results }, 'PutRecords');
        assert.equal(text, fromResults);
      }),
    );
  });

  test('the cursor grows the buffer when its estimate was short', () => {
    const w = new JsonByteWriter();
    w.text += '{"L":';
    const c = new JsonByteCursor(w, 1);
    c.byte(0x5b);
    c.string('needs "escapes" and é\n');
    c.byte(0x2c);
    c.base64(new Uint8Array(1000).fill(0xfb));
    c.byte(0x5d);
    c.done();
    w.text += '}';
    const parsed = JSON.parse(w.finish().toString('utf8')) as { L: string[] };
    assert.equal(parsed.L[0], 'needs "escapes" and é\n');
    assert.equal(parsed.L[1], Buffer.alloc(1000, 0xfb).toString('base64'));
  });
});
