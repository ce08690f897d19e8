import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeCborOutput, encodeJsonOutput, JsonByteCursor, JsonByteWriter } from '../../src/protocol/index.js';
import {
  prepareRecordsJson,
  recordsWithJson,
  recordsWrittenAsJson,
  resultEntriesWithJson,
} from '../../src/streams/records-json.js';
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
