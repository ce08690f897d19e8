import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { consumerArn, parseConsumerArn, parseStreamArn, streamArn } from '../../../src/streams/model/arn.js';

const STREAM = 'arn:aws:kinesis:us-east-1:123456789012:stream/orders';

test('streamArn builds the AWS form', () => {
  assert.equal(streamArn({ region: 'us-east-1', accountId: '123456789012', streamName: 'orders' }), STREAM);
  assert.equal(
    streamArn({ region: 'cn-north-1', accountId: '123456789012', streamName: 's', partition: 'aws-cn' }),
    'arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s',
  );
});

test('parseStreamArn', () => {
  assert.deepEqual(parseStreamArn(STREAM), {
    partition: 'aws',
    region: 'us-east-1',
    accountId: '123456789012',
    streamName: 'orders',
  });
  for (const bad of [
    '',
    'arn:aws:kinesis:us-east-1:12345678901:stream/orders', // 11-digit account
    'arn:aws:kinesis:us-east-1:123456789012:stream/', // empty name
    'arn:aws:kinesis:us-east-1:123456789012:stream/a b',
    `arn:aws:kinesis:us-east-1:123456789012:stream/${'x'.repeat(129)}`,
    'arn:aws:firehose:us-east-1:123456789012:deliverystream/orders',
    'arn:other:kinesis:us-east-1:123456789012:stream/orders',
    'arn:aws:kinesis::123456789012:stream/orders',
    `${STREAM}/consumer/c:1700000000`,
    `${STREAM} `,
  ]) {
    assert.equal(parseStreamArn(bad), undefined, bad);
  }
});

test('consumerArn and parseConsumerArn', () => {
  const arn = consumerArn(STREAM, 'app-1', 1700000000);
  assert.equal(arn, `${STREAM}/consumer/app-1:1700000000`);
  assert.deepEqual(parseConsumerArn(arn), {
    streamArn: STREAM,
    partition: 'aws',
    region: 'us-east-1',
    accountId: '123456789012',
    streamName: 'orders',
    consumerName: 'app-1',
    createdSeconds: 1700000000,
  });
  for (const bad of [
    STREAM,
    `${STREAM}/consumer/app-1`,
    `${STREAM}/consumer/app-1:`,
    `${STREAM}/consumer/a b:1`,
    `${STREAM}/consumer/app:1x`,
  ]) {
    assert.equal(parseConsumerArn(bad), undefined, bad);
  }
});

test('ARNs round trip for valid names', () => {
  const name = fc.stringMatching(/^[a-zA-Z0-9_.-]{1,128}$/);
  const region = fc.constantFrom('us-east-1', 'eu-west-2', 'ap-southeast-1', 'local');
  const account = fc.stringMatching(/^[0-9]{12}$/);
  fc.assert(
    fc.property(
      name,
      region,
      account,
      name,
      fc.integer({ min: 0, max: 2 ** 36 }),
      (streamName, r, accountId, consumerName, t) => {
        const s = streamArn({ region: r, accountId, streamName });
        assert.deepEqual(parseStreamArn(s), { partition: 'aws', region: r, accountId, streamName });
        const c = parseConsumerArn(consumerArn(s, consumerName, t));
        assert.equal(c?.streamArn, s);
        assert.equal(c?.streamName, streamName);
        assert.equal(c?.consumerName, consumerName);
        assert.equal(c?.createdSeconds, t);
      },
    ),
  );
});
