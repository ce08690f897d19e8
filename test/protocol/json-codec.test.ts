import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CommonErrors,
  JSON_1_1_CONTENT_TYPE,
  ServiceError,
  encodeJsonError,
  encodeJsonOutput,
  jsonCodec,
  parseJsonBody,
  toServiceError,
} from '../../src/protocol/index.js';

function thrown(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ServiceError);
    return e;
  }
  assert.fail('did not throw');
}

describe('parseJsonBody', () => {
  test('returns the object', () => {
    assert.deepEqual(parseJsonBody(Buffer.from('{"StreamName":"s","N":[1]}')), { StreamName: 's', N: [1] });
  });

  test('invalid JSON or a non-object is SerializationException without a message', () => {
    for (const body of ['', '{', 'null', '[]', '"x"', '12', 'true']) {
      const e = thrown(() => parseJsonBody(Buffer.from(body)));
      assert.equal(e.code, 'SerializationException', body);
      assert.equal(e.hasMessage, false, body);
      assert.equal(encodeJsonError(e).toString(), '{"__type":"SerializationException"}');
    }
  });
});

describe('encodeJsonOutput', () => {
  const enc = (v: unknown) => encodeJsonOutput(v).toString('utf8');

  test('undefined output is {}', () => {
    assert.equal(enc(undefined), '{}');
  });

  test('blobs as base64, dates as plain epoch seconds, absent members omitted', () => {
    const out = enc({
      Records: [
        {
          Data: Buffer.from('hello'),
          Raw: new Uint8Array([0xff, 0x00]),
          ApproximateArrivalTimestamp: new Date(1764000000123),
          PartitionKey: 'p"\u2028',
          EncryptionType: undefined,
          Skipped: null,
        },
      ],
      Whole: new Date(1764000000000),
      Tenth: new Date(1764000000100),
      Early: new Date(5),
      Before1970: new Date(-1500),
      MillisBehindLatest: 0,
      HasMore: false,
    });
    assert.equal(
      out,
      '{"Records":[{"Data":"aGVsbG8=","Raw":"/wA=","ApproximateArrivalTimestamp":1764000000.123,"PartitionKey":"p\\"\u2028"}],' +
        '"Whole":1764000000,"Tenth":1764000000.1,"Early":0.005,"Before1970":-1.5,"MillisBehindLatest":0,"HasMore":false}',
    );
    assert.doesNotThrow(() => JSON.parse(out));
  });

  test('a Buffer slice encodes only its own bytes', () => {
    const big = Buffer.from('xxhelloxx');
    assert.equal(enc({ D: big.subarray(2, 7) }), '{"D":"aGVsbG8="}');
  });
});

describe('encodeJsonError and toServiceError', () => {
  test('message member name follows the error spec', () => {
    assert.equal(
      encodeJsonError(new ServiceError(CommonErrors.ValidationException, 'bad "x"')).toString(),
      '{"__type":"ValidationException","message":"bad \\"x\\""}',
    );
    assert.equal(
      encodeJsonError(new ServiceError(CommonErrors.SerializationException, 'Expected list or null')).toString(),
      '{"__type":"SerializationException","Message":"Expected list or null"}',
    );
    assert.equal(
      encodeJsonError(new ServiceError(CommonErrors.UnknownOperationException)).toString(),
      '{"__type":"UnknownOperationException"}',
    );
  });

  test('non-ServiceErrors become InternalFailure without leaking details', () => {
    const original = new ServiceError(CommonErrors.ValidationException, 'm');
    assert.equal(toServiceError(original), original);
    const wrapped = toServiceError(new Error('secret path /etc/x'));
    assert.equal(wrapped.code, 'InternalFailure');
    assert.equal(wrapped.httpStatus, 500);
    assert.equal(wrapped.retriable, true);
    assert.ok(!encodeJsonError(wrapped).toString().includes('secret'));
  });

  test('jsonCodec wires the functions together', () => {
    assert.equal(jsonCodec.contentType, JSON_1_1_CONTENT_TYPE);
    assert.equal(JSON_1_1_CONTENT_TYPE, 'application/x-amz-json-1.1');
    assert.equal(jsonCodec.parse, parseJsonBody);
    assert.equal(jsonCodec.encodeOutput, encodeJsonOutput);
  });
});
