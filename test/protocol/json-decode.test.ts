import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeInput } from '../../src/protocol/index.js';
import { ServiceError } from '../../src/protocol/service-error.js';
import type { ServiceModel } from '../../src/protocol/shapes.js';
import { kinesisModel } from '../../src/streams/shapes/kinesis.generated.js';

function decodeError(op: string, raw: Record<string, unknown>, model: ServiceModel = kinesisModel): ServiceError {
  try {
    decodeInput(model, op, raw);
  } catch (e) {
    assert.ok(e instanceof ServiceError, `expected ServiceError, got ${String(e)}`);
    return e;
  }
  assert.fail(`${op} ${JSON.stringify(raw)} did not throw`);
}

function serialization(op: string, raw: Record<string, unknown>): string {
  const e = decodeError(op, raw);
  assert.equal(e.code, 'SerializationException');
  assert.equal(e.messageField, 'Message');
  assert.equal(e.hasMessage, true);
  return e.message;
}

const BIG = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';

describe('decodeInput type checks (SerializationException)', () => {
  test('string members', () => {
    assert.equal(
      serialization('DeleteStream', { StreamName: true }),
      'class java.lang.Boolean can not be converted to an String',
    );
    assert.equal(serialization('DeleteStream', { StreamName: 23 }), `${BIG} can not be converted to an String`);
    assert.equal(serialization('DeleteStream', { StreamName: 34.56 }), `${BIG} can not be converted to an String`);
    assert.equal(serialization('DeleteStream', { StreamName: [] }), 'Start of list found where not expected');
    assert.equal(
      serialization('DeleteStream', { StreamName: {} }),
      'Start of structure or map found where not expected.',
    );
  });

  test('integer and long members', () => {
    assert.equal(
      serialization('CreateStream', { StreamName: 'a', ShardCount: '23' }),
      'class java.lang.String can not be converted to an Integer',
    );
    assert.equal(
      serialization('CreateStream', { StreamName: 'a', ShardCount: true }),
      'class java.lang.Boolean can not be converted to an Integer',
    );
    assert.equal(
      serialization('CreateStream', { StreamName: 'a', ShardCount: [1] }),
      'Start of list found where not expected',
    );
    assert.equal(
      serialization('CreateStream', { StreamName: 'a', ShardCount: {} }),
      'Start of structure or map found where not expected.',
    );
    assert.equal(
      serialization('CreateStream', { StreamName: 'a', WarmThroughputMiBps: '1' }),
      'class java.lang.String can not be converted to an Integer',
    );
  });

  test('boolean members', () => {
    assert.equal(
      serialization('DeleteStream', { EnforceConsumerDeletion: 'hello' }),
      "'HELLO' can not be converted to an Boolean",
    );
    assert.equal(
      serialization('DeleteStream', { EnforceConsumerDeletion: 1 }),
      `${BIG} can not be converted to an Boolean`,
    );
    assert.deepEqual(decodeInput(kinesisModel, 'DeleteStream', { StreamName: 's', EnforceConsumerDeletion: 'true' }), {
      StreamName: 's',
      EnforceConsumerDeletion: true,
    });
  });

  test('blob members and base64 errors', () => {
    const base = { StreamName: 's', PartitionKey: 'p' };
    assert.equal(
      serialization('PutRecord', { ...base, Data: true }),
      'class java.lang.Boolean can not be converted to a Blob',
    );
    assert.equal(serialization('PutRecord', { ...base, Data: 23 }), `${BIG} can not be converted to a Blob`);
    assert.equal(
      serialization('PutRecord', { ...base, Data: {} }),
      'Start of structure or map found where not expected.',
    );
    assert.equal(
      serialization('PutRecord', { ...base, Data: '23456' }),
      "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5",
    );
    assert.equal(
      serialization('PutRecord', { ...base, Data: '=+/=' }),
      "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='",
    );
    assert.equal(
      serialization('PutRecord', { ...base, Data: 'ab-_' }),
      "'ab-_' can not be converted to a Blob: Invalid Base64 character: '-'",
    );
    assert.equal(
      serialization('PutRecord', { ...base, Data: '+/+=' }),
      "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected",
    );
    assert.equal(
      serialization('PutRecord', { ...base, Data: 'QR==' }),
      "'QR==' can not be converted to a Blob: Invalid last non-pad Base64 character dectected",
    );
  });

  test('timestamp members', () => {
    const base = { ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_TIMESTAMP' };
    assert.equal(
      serialization('GetShardIterator', { ...base, Timestamp: '23' }),
      'class java.lang.String can not be converted to milliseconds since epoch',
    );
    assert.equal(
      serialization('GetShardIterator', { ...base, Timestamp: true }),
      'class java.lang.Boolean can not be converted to milliseconds since epoch',
    );
    assert.equal(
      serialization('GetShardIterator', { ...base, Timestamp: [] }),
      'Start of list found where not expected',
    );
  });

  test('lists, maps and structures in the wrong place', () => {
    assert.equal(serialization('PutRecords', { Records: 'x' }), 'Expected list or null');
    assert.equal(serialization('PutRecords', { Records: 5 }), 'Expected list or null');
    assert.equal(serialization('PutRecords', { Records: {} }), 'Start of structure or map found where not expected.');
    assert.equal(serialization('PutRecords', { Records: ['x'] }), 'Expected null');
    assert.equal(serialization('PutRecords', { Records: [[]] }), 'Start of list found where not expected');
    assert.equal(serialization('PutRecords', { Records: [{ Data: 5 }] }), `${BIG} can not be converted to a Blob`);
    assert.equal(serialization('AddTagsToStream', { Tags: 'x' }), 'Expected map or null');
    assert.equal(serialization('AddTagsToStream', { Tags: [] }), 'Start of list found where not expected');
    assert.equal(serialization('AddTagsToStream', { Tags: { a: 1 } }), `${BIG} can not be converted to an String`);
    assert.equal(serialization('CreateStream', { StreamName: 'a', StreamModeDetails: 'x' }), 'Expected null');
  });

  test('type errors win over validation errors and follow body order', () => {
    assert.equal(
      serialization('CreateStream', { StreamName: 'a b', ShardCount: 'x' }),
      'class java.lang.String can not be converted to an Integer',
    );
    assert.equal(serialization('PutRecord', { Data: 5, PartitionKey: 5 }), `${BIG} can not be converted to a Blob`);
    assert.equal(serialization('PutRecord', { PartitionKey: 5, Data: 5 }), `${BIG} can not be converted to an String`);
  });

  test('unknown operation', () => {
    const e = decodeError('NoSuchOperation', {});
    assert.equal(e.code, 'UnknownOperationException');
    assert.equal(e.hasMessage, false);
  });
});

describe('decodeInput conversions', () => {
  test('drops unknown members and nulls; converts blobs to Buffers', () => {
    const out = decodeInput(kinesisModel, 'PutRecords', {
      StreamName: 's',
      Bogus: 1,
      StreamARN: null,
      Records: [
        { Data: 'aGVsbG8=', PartitionKey: 'p', Extra: 'x', ExplicitHashKey: null },
        { Data: '', PartitionKey: 'q' },
      ],
    });
    assert.deepEqual(Object.keys(out).sort(), ['Records', 'StreamName']);
    const records = out['Records'] as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(records[0]!).sort(), ['Data', 'PartitionKey']);
    assert.ok(Buffer.isBuffer(records[0]!['Data']));
    assert.equal((records[0]!['Data'] as Buffer).toString('utf8'), 'hello');
    assert.equal((records[1]!['Data'] as Buffer).length, 0);
  });

  test('timestamps: epoch seconds, fractional, to Date', () => {
    const base = { ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_TIMESTAMP' };
    const whole = decodeInput(kinesisModel, 'GetShardIterator', { ...base, Timestamp: 1764000000 });
    assert.deepEqual(whole['Timestamp'], new Date(1764000000000));
    const frac = decodeInput(kinesisModel, 'GetShardIterator', { ...base, Timestamp: 1764000000.123 });
    assert.equal((frac['Timestamp'] as Date).getTime(), 1764000000123);
  });

  test('integers truncate toward zero and clamp to the Java int range', () => {
    const lim = (v: number) => decodeInput(kinesisModel, 'GetRecords', { ShardIterator: 'it', Limit: v })['Limit'];
    assert.equal(lim(10.9), 10);
    const big = decodeError('GetRecords', { ShardIterator: 'it', Limit: 1e12 });
    assert.match(big.message, /Value '2147483647' at 'limit'/);
    const neg = decodeError('GetRecords', { ShardIterator: 'it', Limit: -0.5 });
    assert.match(
      neg.message,
      /Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1/,
    );
  });

  test('maps keep their keys, including __proto__, as own properties', () => {
    const raw = JSON.parse('{"StreamName":"s","Tags":{"__proto__":"x","b":"y","n":null}}') as Record<string, unknown>;
    const out = decodeInput(kinesisModel, 'AddTagsToStream', raw);
    const tags = out['Tags'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(tags), ['__proto__', 'b']);
    assert.equal(Object.getPrototypeOf(tags), Object.prototype);
  });

  test('operations without input members accept anything', () => {
    assert.deepEqual(decodeInput(kinesisModel, 'DescribeLimits', { Whatever: [1, 2] }), {});
  });
});
