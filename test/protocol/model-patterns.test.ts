/**
 * Every string pattern of every model the server serves compiles (src/protocol/validate.ts `compilePattern`), so no
 * request meets a pattern JavaScript cannot run. The models are Java regular expressions (botocore's service-2.json);
 * kinesisanalytics' KinesisAnalyticsARN uses a possessive count (`\d{12}+`); the validation message names the
 * pattern as the model writes it, as AWS's does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePattern } from '../../src/protocol/validate.js';
import { decodeInput } from '../../src/protocol/index.js';
import { ServiceError } from '../../src/protocol/service-error.js';
import type { ServiceModel } from '../../src/protocol/shapes.js';
import { firehoseModel } from '../../src/firehose/shapes/firehose.generated.js';
import { kinesisVideoMediaModel } from '../../src/video/shapes/kinesis-video-media.generated.js';
import { kinesisVideoModel } from '../../src/video/shapes/kinesisvideo.generated.js';
import { kinesisVideoArchivedMediaModel } from '../../src/video/shapes/kinesis-video-archived-media.generated.js';
import { kinesisModel } from '../../src/streams/shapes/kinesis.generated.js';
import { kinesisAnalyticsModel } from '../../src/analytics/shapes/kinesisanalytics.generated.js';
import { kinesisAnalyticsV2Model } from '../../src/analytics/shapes/kinesisanalyticsv2.generated.js';

const MODELS: Record<string, ServiceModel> = {
  firehose: firehoseModel,
  kinesisVideoMedia: kinesisVideoMediaModel,
  kinesisVideo: kinesisVideoModel,
  kinesisVideoArchivedMedia: kinesisVideoArchivedMediaModel,
  kinesis: kinesisModel,
  kinesisAnalytics: kinesisAnalyticsModel,
  kinesisAnalyticsV2: kinesisAnalyticsV2Model,
};

test('every pattern of the served models compiles', () => {
  let patterns = 0;
  for (const [service, model] of Object.entries(MODELS)) {
    for (const [name, shape] of Object.entries(model.shapes)) {
      const pattern = (shape as { pattern?: string }).pattern;
      if (pattern === undefined) continue;
      patterns++;
      assert.doesNotThrow(() => compilePattern(pattern), `${service} ${name}: ${pattern}`);
    }
  }
  assert.ok(patterns > 100, `only ${patterns} patterns found`);
});

test("a possessive fixed count matches as Java's does", () => {
  const arn = compilePattern(
    'arn:aws:kinesisanalytics:[a-z]{2}-[a-z]+-\\d{1}+:\\d{12}+:application/[a-zA-Z0-9_.-]{1,128}',
  );
  assert.ok(arn.test('arn:aws:kinesisanalytics:us-east-1:123456789012:application/app'));
  assert.ok(!arn.test('arn:aws:kinesisanalytics:us-east-1:12345678901:application/app'));
  assert.ok(!arn.test('arn:aws:kinesisanalytics:us-east-12:123456789012:application/app'));
  // Inside a class and after an escape the characters are literal.
  assert.ok(compilePattern('[{]\\{1}+').test('{{1}}'));
});

test('kinesisanalytics ListTagsForResource checks the ARN pattern with the validation message', () => {
  const good = 'arn:aws:kinesisanalytics:us-east-1:123456789012:application/app';
  assert.deepEqual(decodeInput(kinesisAnalyticsModel, 'ListTagsForResource', { ResourceARN: good }), {
    ResourceARN: good,
  });
  const bad = 'arn:aws:kinesisanalytics:us-east-1:1234:application/app';
  assert.throws(
    () => decodeInput(kinesisAnalyticsModel, 'ListTagsForResource', { ResourceARN: bad }),
    (e: unknown) => {
      assert.ok(e instanceof ServiceError);
      assert.equal(e.code, 'ValidationException');
      const pattern = 'arn:aws:kinesisanalytics:[a-z]{2}-[a-z]+-\\d{1}+:\\d{12}+:application/[a-zA-Z0-9_.-]{1,128}';
      assert.ok(
        e.message.endsWith(`failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`),
        e.message,
      );
      return true;
    },
  );
});
