import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeInput, validationMessage } from '../../src/protocol/index.js';
import { ServiceError } from '../../src/protocol/service-error.js';
import type { ServiceModel } from '../../src/protocol/shapes.js';
import { kinesisModel } from '../../src/streams/shapes/kinesis.generated.js';

function validation(op: string, raw: Record<string, unknown>, model: ServiceModel = kinesisModel): string {
  try {
    decodeInput(model, op, raw);
  } catch (e) {
    assert.ok(e instanceof ServiceError);
    assert.equal(e.code, 'ValidationException');
    assert.equal(e.messageField, 'message');
    assert.equal(e.hasMessage, true);
    return e.message;
  }
  assert.fail(`${op} ${JSON.stringify(raw).slice(0, 200)} passed validation`);
}

const item = (v: string, path: string, rule: string) => `Value ${v} at '${path}' failed to satisfy constraint: ${rule}`;
const one = (i: string) => `1 validation error detected: ${i}`;
const STREAM_NAME_PATTERN = 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+';

describe('validation message format', () => {
  test('AWS example: CreateStream with a bad name and ShardCount 0 (AWS member order)', () => {
    assert.equal(
      validation('CreateStream', { StreamName: 'a b', ShardCount: 0 }),
      '2 validation errors detected: ' +
        "Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value 'a b' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    );
  });

  test('singular wording and unquoted null for a missing required member', () => {
    assert.equal(
      validation('PutRecords', { StreamName: 's' }),
      one(item('null', 'records', 'Member must not be null')),
    );
  });

  test('every failing rule of a member is listed, in AWS order', () => {
    assert.equal(
      validation('PutRecords', { StreamName: '', Records: [] }),
      '3 validation errors detected: ' +
        [
          item("'[]'", 'records', 'Member must have length greater than or equal to 1'),
          item("''", 'streamName', STREAM_NAME_PATTERN),
          item("''", 'streamName', 'Member must have length greater than or equal to 1'),
        ].join('; '),
    );
  });

  test('a valid input passes and is returned decoded', () => {
    const out = decodeInput(kinesisModel, 'CreateStream', { StreamName: 'ok-name_1.2', ShardCount: 1 });
    assert.deepEqual(out, { StreamName: 'ok-name_1.2', ShardCount: 1 });
  });
});

describe('constraint kinds', () => {
  test('string max length counts UTF-16 units like Java', () => {
    const ok = '\u{1F600}'.repeat(128);
    assert.doesNotThrow(() => decodeInput(kinesisModel, 'PutRecord', { StreamName: 's', PartitionKey: ok, Data: '' }));
    const long = '\u{1F600}'.repeat(129);
    assert.equal(
      validation('PutRecord', { StreamName: 's', PartitionKey: long, Data: '' }),
      one(item(`'${long}'`, 'partitionKey', 'Member must have length less than or equal to 256')),
    );
  });

  test('patterns must match the whole value', () => {
    assert.equal(
      validation('PutRecord', { StreamName: 's', PartitionKey: 'p', Data: '', ExplicitHashKey: '12a' }),
      one(item("'12a'", 'explicitHashKey', 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})')),
    );
    assert.equal(
      validation('DeleteStream', { StreamName: 'abc def' }),
      one(item("'abc def'", 'streamName', STREAM_NAME_PATTERN)),
    );
  });

  test('enum values in AWS order', () => {
    assert.equal(
      validation('GetShardIterator', { StreamName: 's', ShardId: 'shardId-0', ShardIteratorType: 'NOPE' }),
      one(
        item(
          "'NOPE'",
          'shardIteratorType',
          'Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]',
        ),
      ),
    );
  });

  test('numeric ranges', () => {
    assert.equal(
      validation('UpdateMaxRecordSize', {
        StreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
        MaxRecordSizeInKiB: 1023,
      }),
      one(item("'1023'", 'maxRecordSizeInKiB', 'Member must have value greater than or equal to 1024')),
    );
    assert.equal(
      validation('UpdateMaxRecordSize', {
        StreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
        MaxRecordSizeInKiB: 10241,
      }),
      one(item("'10241'", 'maxRecordSizeInKiB', 'Member must have value less than or equal to 10240')),
    );
  });

  test('list size, and scalar list elements as one aggregated rule', () => {
    assert.equal(
      validation('RemoveTagsFromStream', { StreamName: 's', TagKeys: ['a', ''] }),
      one(
        item(
          "'[a, ]'",
          'tagKeys',
          'Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]',
        ),
      ),
    );
    assert.equal(
      validation('EnableEnhancedMonitoring', { StreamName: 's', ShardLevelMetrics: ['IncomingBytes', 'Foo'] }),
      one(
        item(
          "'[IncomingBytes, Foo]'",
          'shardLevelMetrics',
          'Member must satisfy constraint: [Member must satisfy enum value set: [IncomingBytes, IncomingRecords, OutgoingBytes, ' +
            'OutgoingRecords, WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded, IteratorAgeMilliseconds, ALL]]',
        ),
      ),
    );
    assert.equal(
      validation('EnableEnhancedMonitoring', { StreamName: 's', ShardLevelMetrics: [] }),
      one(item("'[]'", 'shardLevelMetrics', 'Member must have length greater than or equal to 1')),
    );
  });

  test('map size, keys and values', () => {
    assert.equal(
      validation('AddTagsToStream', { StreamName: 's', Tags: {} }),
      one(item("'{}'", 'tags', 'Member must have length greater than or equal to 1')),
    );
    assert.equal(
      validation('AddTagsToStream', { StreamName: 's', Tags: { a: '1', '': '2' } }),
      one(
        item(
          "'{a=1, =2}'",
          'tags',
          'Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]',
        ),
      ),
    );
    const v = 'x'.repeat(257);
    assert.equal(
      validation('AddTagsToStream', { StreamName: 's', Tags: { c: v } }),
      one(
        item(
          `'{c=${v}}'`,
          'tags',
          'Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]',
        ),
      ),
    );
  });

  test('nested structures: required members and enums under the parent path', () => {
    assert.equal(
      validation('CreateStream', { StreamName: 's', StreamModeDetails: {} }),
      one(item('null', 'streamModeDetails.streamMode', 'Member must not be null')),
    );
    assert.equal(
      validation('SubscribeToShard', {
        ConsumerARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1',
        ShardId: 'shardId-000000000000',
        StartingPosition: { Type: 'X' },
      }),
      one(
        item(
          "'X'",
          'startingPosition.type',
          'Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]',
        ),
      ),
    );
  });

  test('list elements: 1-based .N.member paths in AWS member order', () => {
    const records = [
      { PartitionKey: 'a', Data: '' },
      { PartitionKey: 'b', Data: '' },
      { Data: 'AAAA', ExplicitHashKey: 'x', PartitionKey: '' },
    ];
    assert.equal(
      validation('PutRecords', { StreamName: 's', Records: records }),
      '2 validation errors detected: ' +
        [
          item("''", 'records.3.member.partitionKey', 'Member must have length greater than or equal to 1'),
          item(
            "'x'",
            'records.3.member.explicitHashKey',
            'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})',
          ),
        ].join('; '),
    );
    assert.equal(
      validation('PutRecords', { StreamName: 's', Records: [{ Data: '' }] }),
      one(item('null', 'records.1.member.partitionKey', 'Member must not be null')),
    );
  });

  test('at most 10 items; lists of structures render as Java objects', () => {
    const records = Array.from({ length: 501 }, () => ({ PartitionKey: '', Data: '' }));
    const msg = validation('PutRecords', { StreamName: '', Records: records });
    assert.ok(msg.startsWith('10 validation errors detected: '), msg.slice(0, 80));
    const items = msg.slice('10 validation errors detected: '.length).split('; ');
    assert.equal(items.length, 10);
    assert.match(
      items[0]!,
      /^Value '\[(com\.amazonaws\.kinesis\.v20131202\.PutRecordsRequestEntry@[0-9a-f]+, ){500}com\.amazonaws\.kinesis\.v20131202\.PutRecordsRequestEntry@[0-9a-f]+\]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500$/,
    );
    for (let i = 1; i < 10; i++) {
      assert.equal(
        items[i],
        item("''", `records.${i}.member.partitionKey`, 'Member must have length greater than or equal to 1'),
      );
    }
  });
});

/** A tiny model for shapes Kinesis does not have (blob min, doubles, maps of structures). */
const tinyModel: ServiceModel = {
  metadata: {
    apiVersion: '2020-01-01',
    protocol: 'json',
    jsonVersion: '1.1',
    targetPrefix: 'Tiny',
    endpointPrefix: 'tiny',
    serviceId: 'Tiny',
  },
  operations: { Op: { input: 'OpInput', errors: [] } },
  shapes: {
    OpInput: {
      type: 'structure',
      members: { Blob: { shape: 'SmallBlob' }, Ratio: { shape: 'Ratio' }, Things: { shape: 'ThingMap' } },
    },
    SmallBlob: { type: 'blob', min: 1, max: 3 },
    Ratio: { type: 'double', min: 0.5, max: 2 },
    ThingMap: { type: 'map', key: { shape: 'Name' }, value: { shape: 'Thing' } },
    Name: { type: 'string' },
    Thing: { type: 'structure', members: { Size: { shape: 'Size' } }, required: ['Size'] },
    Size: { type: 'long', min: 0 },
  },
};

describe('rendering of other shape types', () => {
  test('blobs render as a Java ByteBuffer with their byte length', () => {
    assert.equal(
      validation('Op', { Blob: 'AAAAAA==' }, tinyModel),
      one(
        item("'java.nio.HeapByteBuffer[pos=0 lim=4 cap=4]'", 'blob', 'Member must have length less than or equal to 3'),
      ),
    );
    assert.equal(
      validation('Op', { Blob: '' }, tinyModel),
      one(
        item(
          "'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]'",
          'blob',
          'Member must have length greater than or equal to 1',
        ),
      ),
    );
  });

  test('doubles render like Java doubles', () => {
    assert.equal(
      validation('Op', { Ratio: 3 }, tinyModel),
      one(item("'3.0'", 'ratio', 'Member must have value less than or equal to 2')),
    );
    assert.equal(
      validation('Op', { Ratio: 0.25 }, tinyModel),
      one(item("'0.25'", 'ratio', 'Member must have value greater than or equal to 0.5')),
    );
  });

  test('structure map values are checked under <map>.<key>', () => {
    assert.equal(
      validation('Op', { Things: { a: { Size: 1 }, b: {}, c: { Size: -1 } } }, tinyModel),
      '2 validation errors detected: ' +
        [
          item('null', 'things.b.size', 'Member must not be null'),
          item("'-1'", 'things.c.size', 'Member must have value greater than or equal to 0'),
        ].join('; '),
    );
  });

  test('validationMessage returns undefined for valid values', () => {
    assert.equal(validationMessage(tinyModel, 'OpInput', { Ratio: 1 }), undefined);
  });
});
