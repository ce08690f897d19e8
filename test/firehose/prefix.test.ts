/** S3 object keys and prefix expressions (src/firehose/prefix.ts rules 1–5). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluatePrefix, keyLayout, objectName } from '../../src/firehose/prefix.js';

const T = Date.UTC(2026, 7, 27, 10, 5, 9, 123); // 2026-08-27T10:05:09.123Z

function expectInvalid(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: { code?: string; message?: string }) => {
    assert.equal(e.code, 'InvalidArgumentException');
    assert.match(String(e.message), pattern);
    return true;
  });
}

describe('prefixes', () => {
  it('defaults to YYYY/MM/dd/HH/ in UTC', () => {
    assert.equal(evaluatePrefix(keyLayout(undefined, undefined).prefix, T, undefined), '2026/08/27/10/');
  });

  it('appends the default time path to a prefix without a timestamp expression', () => {
    assert.equal(evaluatePrefix(keyLayout('logs/', undefined).prefix, T, undefined), 'logs/2026/08/27/10/');
    assert.equal(evaluatePrefix(keyLayout('myPrefix', undefined).prefix, T, undefined), 'myPrefix2026/08/27/10/');
  });

  it('evaluates timestamp expressions with literals, and CustomTimeZone', () => {
    const layout = keyLayout(
      "year=!{timestamp:yyyy}/month=!{timestamp:MM}/!{timestamp:'d'dd'h'HH}/",
      'err/!{firehose:error-output-type}/',
    );
    assert.equal(evaluatePrefix(layout.prefix, T, undefined), 'year=2026/month=08/d27h10/');
    assert.equal(evaluatePrefix(layout.prefix, T, 'America/New_York'), 'year=2026/month=08/d27h06/');
    assert.equal(
      evaluatePrefix(
        keyLayout('!{timestamp:yyyy-MM-dd HH:mm:ss.SSS}', 'e!{firehose:error-output-type}').prefix,
        T,
        'Asia/Tokyo',
      ),
      '2026-08-27 19:05:09.123',
    );
  });

  it('evaluates error output prefixes', () => {
    const layout = keyLayout('data/!{timestamp:yyyy}/', 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM}/');
    assert.equal(
      evaluatePrefix(layout.errorPrefix, T, undefined, 'processing-failed'),
      'errors/processing-failed/2026/08/',
    );
    const implicit = keyLayout('data/', undefined);
    assert.equal(
      evaluatePrefix(implicit.errorPrefix, T, undefined, 'processing-failed'),
      'data/processing-failed/2026/08/27/10/',
    );
  });

  it('gives each random-string occurrence 11 fresh characters', () => {
    const layout = keyLayout('!{firehose:random-string}/!{firehose:random-string}/', 'e/!{firehose:error-output-type}');
    const [a, b] = evaluatePrefix(layout.prefix, T, undefined).split('/');
    assert.match(a!, /^[A-Za-z0-9]{11}$/);
    assert.match(b!, /^[A-Za-z0-9]{11}$/);
    assert.notEqual(a, b);
  });

  it('refuses bad expressions and combinations', () => {
    expectInvalid(() => keyLayout('a/!{timestamp:yyyy', 'e/!{firehose:error-output-type}'), /unterminated/);
    expectInvalid(() => keyLayout('a/!{nope:x}/', 'e/!{firehose:error-output-type}'), /unsupported expression/);
    expectInvalid(() => keyLayout('a/!{timestamp:yyyy}/', undefined), /ErrorOutputPrefix cannot be null/);
    expectInvalid(
      () => keyLayout('a/!{firehose:error-output-type}/', 'e/!{firehose:error-output-type}'),
      /must not contain/,
    );
    expectInvalid(() => keyLayout('a/', 'e/!{timestamp:yyyy}/'), /must contain !\{firehose:error-output-type\}/);
    expectInvalid(
      () => keyLayout('!{timestamp:yyyyQ}', 'e/!{firehose:error-output-type}'),
      /unsupported pattern letter 'Q'/,
    );
    expectInvalid(
      () => keyLayout('!{partitionKeyFromQuery:id}/', 'e/!{firehose:error-output-type}'),
      /dynamic partitioning/,
    );
  });

  it('refuses an evaluated prefix over 512 characters', () => {
    const layout = keyLayout(`${'a'.repeat(500)}/!{timestamp:yyyy/MM/dd/HH/}`, 'e/!{firehose:error-output-type}');
    expectInvalid(() => evaluatePrefix(layout.prefix, T, undefined), /512/);
  });

  it('names objects <stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><ext>', () => {
    assert.match(
      objectName('orders', 3, T, undefined, '.gz'),
      /^orders-3-2026-08-27-10-05-09-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.gz$/,
    );
  });
});
