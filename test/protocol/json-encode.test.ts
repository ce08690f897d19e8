import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeJsonOutput, type ServiceModel } from '../../src/protocol/index.js';
import { quoteJson } from '../../src/protocol/json/encode.js';
import { kinesisModel } from '../../src/streams/shapes/index.js';
import { firehoseModel } from '../../src/firehose/shapes/index.js';

/** A small model with every shape type, a map and a recursive structure. */
const model: ServiceModel = {
  metadata: { apiVersion: '1', protocol: 'json', endpointPrefix: 't', serviceId: 'T' },
  operations: { Op: { output: 'Out', errors: [] }, NoOutput: { errors: [] } },
  shapes: {
    Out: {
      type: 'structure',
      members: {
        S: { shape: 'Str' },
        N: { shape: 'Int' },
        D: { shape: 'Dbl' },
        B: { shape: 'Bool' },
        Blob: { shape: 'Blob' },
        T: { shape: 'Time' },
        L: { shape: 'StrList' },
        M: { shape: 'StrMap' },
        Tree: { shape: 'Node' },
      },
    },
    Node: { type: 'structure', members: { Name: { shape: 'Str' }, Children: { shape: 'NodeList' } } },
    NodeList: { type: 'list', member: { shape: 'Node' } },
    StrList: { type: 'list', member: { shape: 'Str' } },
    StrMap: { type: 'map', key: { shape: 'Str' }, value: { shape: 'Str' } },
    Str: { type: 'string' },
    Int: { type: 'integer' },
    Dbl: { type: 'double' },
    Bool: { type: 'boolean' },
    Blob: { type: 'blob' },
    Time: { type: 'timestamp' },
  },
};

const byShape = (v: unknown, op = 'Op', m = model): string => encodeJsonOutput(v, m, op).toString('utf8');
const generic = (v: unknown): string => encodeJsonOutput(v).toString('utf8');

describe('shape-compiled JSON output', () => {
  test('writes members in model order with AWS JSON 1.1 scalar forms', () => {
    const out = byShape({
      Tree: { Name: 'root', Children: [{ Name: 'a"\\\n\u2028' }, null] },
      M: new Map([
        ['k', 'v'],
        ['gone', undefined],
      ]),
      L: ['x', null],
      T: new Date(1764000000123),
      Blob: Buffer.from('xxhelloxx').subarray(2, 7),
      B: false,
      D: 0.5,
      N: -3,
      S: 'é\u{1F600}',
    });
    assert.equal(
      out,
      '{"S":"é\u{1F600}","N":-3,"D":0.5,"B":false,"Blob":"aGVsbG8=","T":1764000000.123,"L":["x",null],' +
        '"M":{"k":"v"},"Tree":{"Name":"root","Children":[{"Name":"a\\"\\\\\\n\u2028"},null]}}',
    );
  });

  test('omits absent members, drops members outside the shape, writes NaN and infinities as null', () => {
    assert.equal(
      byShape({ S: undefined, N: null, Extra: 'not in the model', D: Number.POSITIVE_INFINITY }),
      '{"D":null}',
    );
    assert.equal(byShape({ T: new Date(Number.NaN) }), '{"T":null}');
    assert.equal(byShape({}), '{}');
  });

  test('a value of another type than its shape is written as the generic path writes it', () => {
    const odd = { S: 12, N: 'seven', B: 'yes', Blob: 'text', T: 1764000000, L: 'one', M: ['a'], Tree: 'leaf' };
    assert.equal(byShape(odd), generic(odd));
  });

  test('an operation without an output shape takes the generic path', () => {
    assert.equal(byShape({ Any: [1, Buffer.from('a')] }, 'NoOutput'), generic({ Any: [1, Buffer.from('a')] }));
  });

  test('outputs larger than the write buffer (many flushes, multi-byte text) come out whole', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `név-${i}-\u{1F600}`);
    const out = byShape({ L: names });
    assert.deepEqual(JSON.parse(out), { L: names });
    assert.equal(Buffer.byteLength(out), encodeJsonOutput({ L: names }, model, 'Op').length);
  });

  test('GetRecords and PutRecords outputs parse to what the generic path gives (property)', () => {
    const record = fc.record(
      {
        SequenceNumber: fc.stringMatching(/^[1-9][0-9]{0,55}$/),
        ApproximateArrivalTimestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms)),
        Data: fc.uint8Array({ maxLength: 64 }),
        PartitionKey: fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }),
        EncryptionType: fc.option(fc.constantFrom('NONE', 'KMS'), { nil: undefined }),
      },
      { requiredKeys: ['SequenceNumber', 'ApproximateArrivalTimestamp', 'Data', 'PartitionKey'] },
    );
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 40 }),
        fc.nat(),
        fc.option(fc.string(), { nil: undefined }),
        (records, behind, iterator) => {
          const output = { Records: records, MillisBehindLatest: behind, NextShardIterator: iterator };
          assert.deepEqual(JSON.parse(byShape(output, 'GetRecords', kinesisModel)), JSON.parse(generic(output)));
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ SequenceNumber: fc.stringMatching(/^[0-9]{1,56}$/), ShardId: fc.string() }),
            fc.record({ ErrorCode: fc.string(), ErrorMessage: fc.string() }),
          ),
          { maxLength: 30 },
        ),
        (entries) => {
          const output = { FailedRecordCount: entries.filter((e) => 'ErrorCode' in e).length, Records: entries };
          assert.deepEqual(JSON.parse(byShape(output, 'PutRecords', kinesisModel)), JSON.parse(generic(output)));
          const batch = { FailedPutCount: 0, Encrypted: false, RequestResponses: [{ RecordId: 'r' }] };
          assert.deepEqual(JSON.parse(byShape(batch, 'PutRecordBatch', firehoseModel)), JSON.parse(generic(batch)));
        },
      ),
    );
  });
});

describe('quoteJson', () => {
  test('gives JSON.stringify text for any string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        assert.equal(quoteJson(a), JSON.stringify(a));
        assert.equal(quoteJson(b), JSON.stringify(b));
      }),
    );
    for (const s of ['', 'a"b', 'x\\y', '\u0001', '\u001f', '\u007f', '\u2028', '\ud83d\ude00', '\ud83d', '\ude00x'])
      assert.equal(quoteJson(s), JSON.stringify(s));
  });
});
