/**
 * The CBOR 1.1 codec as a pure unit: requests built with the test-only encoder (./cbor/tiny-cbor.ts),
 * responses read back with its decoder, so both directions are checked against RFC 8949 bytes rather
 * than against cbor-x itself.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cborCodec, decodeInput, ServiceError } from '../../src/protocol/index.js';
import { kinesisModel } from '../../src/streams/shapes/kinesis.generated.js';
import { cbor, Float, Tagged, uncbor } from './cbor/tiny-cbor.js';

const MS = 1_764_000_000_123; // 2025-11-24T16:00:00.123Z: needs more than 32 bits, as every current epoch ms

function decode(op: string, body: Buffer): Record<string, unknown> {
  return cborCodec.decode(kinesisModel, op, cborCodec.parse(body));
}

function failure(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ServiceError, `expected ServiceError, got ${String(e)}`);
    return e;
  }
  assert.fail('did not throw');
}

function serialization(op: string, body: Buffer): string | undefined {
  const e = failure(() => decode(op, body));
  assert.equal(e.code, 'SerializationException');
  return e.hasMessage ? e.message : undefined;
}

describe('parse', () => {
  test('a map with text keys', () => {
    assert.deepEqual(cborCodec.parse(cbor({ StreamName: 'orders', ShardCount: 2 })), {
      StreamName: 'orders',
      ShardCount: 2,
    });
    assert.deepEqual(cborCodec.parse(Buffer.from([0xa0])), {});
  });

  test('indefinite-length maps and the self-describe tag 55799 are accepted', () => {
    const indefinite = Buffer.concat([Buffer.from([0xbf]), cbor('StreamName'), cbor('s'), Buffer.from([0xff])]);
    assert.deepEqual(cborCodec.parse(indefinite), { StreamName: 's' });
    assert.deepEqual(cborCodec.parse(cbor(new Tagged(55799, { StreamName: 's' }))), { StreamName: 's' });
  });

  test('malformed CBOR, trailing bytes or a non-map → SerializationException without a message', () => {
    const bad = [
      Buffer.from([0xa1, 0x6a, 0x53]), // truncated key
      Buffer.concat([cbor({}), Buffer.from([0x00])]), // trailing item
      Buffer.from([0xff]), // a lone break
      Buffer.from([0x1c]), // reserved additional info
      cbor(['StreamName']),
      cbor('StreamName'),
      cbor(Buffer.from('{}')),
      cbor(null),
    ];
    for (const body of bad) {
      const e = failure(() => cborCodec.parse(body));
      assert.equal(e.code, 'SerializationException', body.toString('hex'));
      assert.equal(e.hasMessage, false);
      assert.equal(e.httpStatus, 400);
    }
  });

  test('a hostile __proto__ key stays data', () => {
    const parsed = cborCodec.parse(cbor(new Map([['__proto__', { polluted: true }]])));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  });
});

describe('decode: blobs and timestamps', () => {
  test('Data as a byte string becomes a Buffer with the same bytes', () => {
    const data = Buffer.from([0, 1, 2, 0xff]);
    const input = decode('PutRecord', cbor({ StreamName: 's', PartitionKey: 'k', Data: data }));
    assert.ok(Buffer.isBuffer(input['Data']));
    assert.deepEqual([...(input['Data'] as Buffer)], [...data]);
  });

  test('PutRecords: 500 byte-string records, each decoded', () => {
    const records = Array.from({ length: 500 }, (_, i) => ({
      Data: Buffer.from(`record-${i}`),
      PartitionKey: `pk-${i}`,
    }));
    const input = decode('PutRecords', cbor({ StreamName: 's', Records: records }));
    const out = input['Records'] as Array<{ Data: Buffer; PartitionKey: string }>;
    assert.equal(out.length, 500);
    assert.equal(out[499]!.Data.toString(), 'record-499');
    assert.equal(out[499]!.PartitionKey, 'pk-499');
  });

  test('a text Data is read as base64 (Jackson reads binary from text that way), with JSON’s checks', () => {
    const input = decode('PutRecord', cbor({ StreamName: 's', PartitionKey: 'k', Data: 'aGk=' }));
    assert.equal((input['Data'] as Buffer).toString(), 'hi');
    assert.equal(
      serialization('PutRecord', cbor({ StreamName: 's', PartitionKey: 'k', Data: 'abc' })),
      "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3",
    );
  });

  test('Timestamp as tag 1 + integer epoch milliseconds (the Java SDKs’ form)', () => {
    const body = cbor({
      StreamName: 's',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AT_TIMESTAMP',
      Timestamp: new Tagged(1, MS),
    });
    assert.equal(body.includes(Buffer.from([0xc1, 0x1b])), true, 'the tagged integer is a 64-bit head');
    const input = decode('GetShardIterator', body);
    assert.ok(input['Timestamp'] instanceof Date);
    assert.equal((input['Timestamp'] as Date).getTime(), MS);
  });

  test('tag 1 around a float of milliseconds, and a bare number of milliseconds, are accepted', () => {
    const base = { StreamName: 's', ShardId: '0', ShardIteratorType: 'AT_TIMESTAMP' };
    for (const ts of [new Tagged(1, new Float(MS)), MS, new Float(MS), new Tagged(1, 0)]) {
      const input = decode('GetShardIterator', cbor({ ...base, Timestamp: ts }));
      const expected = ts instanceof Tagged && ts.value === 0 ? 0 : MS;
      assert.equal((input['Timestamp'] as Date).getTime(), expected);
    }
  });

  test('nested timestamps: ListShards ShardFilter.Timestamp and StreamCreationTimestamp', () => {
    const input = decode(
      'ListShards',
      cbor({
        StreamName: 's',
        StreamCreationTimestamp: new Tagged(1, MS),
        ShardFilter: { Type: 'AT_TIMESTAMP', Timestamp: new Tagged(1, MS + 1) },
      }),
    );
    assert.equal((input['StreamCreationTimestamp'] as Date).getTime(), MS);
    assert.equal(((input['ShardFilter'] as Record<string, unknown>)['Timestamp'] as Date).getTime(), MS + 1);
  });

  test('a timestamp given as text fails as in JSON', () => {
    const body = cbor({ StreamName: 's', ShardId: '0', ShardIteratorType: 'AT_TIMESTAMP', Timestamp: '2025-11-24' });
    assert.equal(
      serialization('GetShardIterator', body),
      'class java.lang.String can not be converted to milliseconds since epoch',
    );
  });
});

describe('decode: type checks and validation shared with JSON', () => {
  test('wrong scalar types give the same texts as JSON 1.1', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['DeleteStream', { StreamName: true }],
      ['DeleteStream', { StreamName: 23 }],
      ['DeleteStream', { StreamName: [] }],
      ['DeleteStream', { StreamName: {} }],
      ['CreateStream', { StreamName: 'a', ShardCount: '23' }],
      ['CreateStream', { StreamName: 'a', ShardCount: false }],
      ['PutRecord', { StreamName: 's', PartitionKey: 'k', Data: 12 }],
      ['PutRecords', { StreamName: 's', Records: 'x' }],
      ['PutRecords', { StreamName: 's', Records: {} }],
      ['ListShards', { ShardFilter: 'x' }],
    ];
    for (const [op, body] of cases) {
      let jsonMessage: string | undefined;
      try {
        decodeInput(kinesisModel, op, body);
        assert.fail('JSON accepted it');
      } catch (e) {
        assert.ok(e instanceof ServiceError);
        jsonMessage = e.message;
      }
      assert.equal(serialization(op, cbor(body)), jsonMessage, `${op} ${JSON.stringify(body)}`);
    }
  });

  test('a byte string where text belongs is a type error', () => {
    assert.equal(
      serialization('DeleteStream', cbor({ StreamName: Buffer.from('s') })),
      'class [B can not be converted to an String',
    );
    assert.equal(
      serialization('PutRecords', cbor({ StreamName: 's', Records: Buffer.from('x') })),
      'Expected list or null',
    );
  });

  test('integers: 64-bit heads, fractions truncated, clamped like JSON; unknown tags are transparent', () => {
    const limit = (v: unknown) => decode('ListStreams', cbor({ Limit: v }))['Limit'];
    assert.equal(limit(7), 7);
    assert.equal(limit(new Float(7.9)), 7);
    const e = failure(() => limit(2n ** 40n));
    assert.equal(e.code, 'ValidationException');
    assert.match(e.message, /Value '2147483647' at 'limit'/);
    assert.equal(limit(new Tagged(4711, 9)), 9);
  });

  test('null and undefined members are dropped, unknown members ignored', () => {
    const input = decode(
      'ListStreams',
      cbor({ Limit: null, ExclusiveStartStreamName: undefined, Bogus: Buffer.alloc(1) }),
    );
    assert.deepEqual(input, {});
  });

  test('constraint violations answer the same ValidationException as JSON', () => {
    const e = failure(() => decode('CreateStream', cbor({ StreamName: 'a b', ShardCount: 0 })));
    assert.equal(e.code, 'ValidationException');
    assert.equal(
      e.message,
      "2 validation errors detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value 'a b' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    );
    const missing = failure(() => decode('PutRecord', cbor({ StreamName: 's', PartitionKey: 'k' })));
    assert.equal(
      missing.message,
      "1 validation error detected: Value null at 'data' failed to satisfy constraint: Member must not be null",
    );
  });
});

describe('encode', () => {
  test('no output → an empty map', () => {
    assert.deepEqual([...cborCodec.encodeOutput(undefined)], [0xa0]);
  });

  test('blobs are byte strings (no tag 64), timestamps tag 1 + integer epoch ms, absent members left out', () => {
    const out = {
      Records: [
        {
          SequenceNumber: '1',
          ApproximateArrivalTimestamp: new Date(MS),
          Data: new Uint8Array([1, 2, 3]),
          PartitionKey: 'k',
          EncryptionType: undefined,
        },
        {
          SequenceNumber: '2',
          ApproximateArrivalTimestamp: new Date(MS + 5),
          Data: Buffer.from('hi'),
          PartitionKey: 'k',
          EncryptionType: null,
        },
      ],
      NextShardIterator: 'it',
      MillisBehindLatest: 0,
      ChildShards: undefined,
    };
    const bytes = cborCodec.encodeOutput(out);
    assert.equal(bytes.includes(Buffer.from([0xd8, 0x40])), false, 'no typed-array tag');
    assert.ok(bytes.includes(Buffer.concat([cbor('Data'), Buffer.from([0x43, 1, 2, 3])])), 'Data is a byte string');
    const tagged = Buffer.alloc(10);
    tagged[0] = 0xc1;
    tagged[1] = 0x1b;
    tagged.writeBigUInt64BE(BigInt(MS), 2);
    assert.ok(bytes.includes(tagged), 'c1 1b <8-byte ms>');
    assert.deepEqual(uncbor(bytes), {
      Records: [
        {
          SequenceNumber: '1',
          ApproximateArrivalTimestamp: new Tagged(1, MS),
          Data: Buffer.from([1, 2, 3]),
          PartitionKey: 'k',
        },
        {
          SequenceNumber: '2',
          ApproximateArrivalTimestamp: new Tagged(1, MS + 5),
          Data: Buffer.from('hi'),
          PartitionKey: 'k',
        },
      ],
      NextShardIterator: 'it',
      MillisBehindLatest: 0,
    });
  });

  test('integers beyond 32 bits stay integers; fractions are floats; Maps become maps', () => {
    const decoded = uncbor(
      cborCodec.encodeOutput({ Big: 2 ** 40 + 1, Neg: -(2 ** 40), Frac: 0.5, Small: 300, M: new Map([['a', true]]) }),
    );
    assert.deepEqual(decoded, { Big: 2 ** 40 + 1, Neg: -(2 ** 40), Frac: new Float(0.5), Small: 300, M: { a: true } });
  });

  test('errors: {__type, message}, Message for SerializationException, no message when AWS sends none', () => {
    const notFound = new ServiceError(
      { code: 'ResourceNotFoundException', httpStatus: 400, retriable: false },
      'Stream s under account 000000000000 not found.',
    );
    assert.deepEqual(uncbor(cborCodec.encodeError(notFound)), {
      __type: 'ResourceNotFoundException',
      message: 'Stream s under account 000000000000 not found.',
    });
    const ser = failure(() => decode('DeleteStream', cbor({ StreamName: 1 })));
    assert.deepEqual(Object.keys(uncbor(cborCodec.encodeError(ser)) as object), ['__type', 'Message']);
    const bare = failure(() => cborCodec.parse(Buffer.from([0xff])));
    assert.deepEqual(uncbor(cborCodec.encodeError(bare)), { __type: 'SerializationException' });
  });
});

describe('round trip', () => {
  test('a request decoded, echoed as output, encoded, and read back gives the same CBOR items', () => {
    const request = {
      StreamName: 'orders',
      ShardId: 'shardId-000000000001',
      ShardIteratorType: 'AT_TIMESTAMP',
      Timestamp: new Tagged(1, MS),
    };
    const decoded = decode('GetShardIterator', cbor(request));
    assert.deepEqual(uncbor(cborCodec.encodeOutput(decoded)), request);

    const records = {
      StreamName: 'orders',
      Records: [
        { Data: Buffer.from([9, 8, 7]), PartitionKey: 'a', ExplicitHashKey: '0' },
        { Data: Buffer.alloc(0), PartitionKey: 'b' },
      ],
    };
    assert.deepEqual(uncbor(cborCodec.encodeOutput(decode('PutRecords', cbor(records)))), records);
  });

  test('encoded responses of consecutive calls do not overwrite each other', () => {
    const a = cborCodec.encodeOutput({ ShardIterator: 'a'.repeat(300) });
    const b = cborCodec.encodeOutput({ ShardIterator: 'b'.repeat(300) });
    assert.deepEqual(uncbor(a), { ShardIterator: 'a'.repeat(300) });
    assert.deepEqual(uncbor(b), { ShardIterator: 'b'.repeat(300) });
  });
});
