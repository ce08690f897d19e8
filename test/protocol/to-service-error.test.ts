/** What a failure that is not a ServiceError answers: InternalFailure, except a full disk (retriable, with a message). */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceError, toServiceError } from '../../src/protocol/index.js';
import { StorageError, StorageErrorCode } from '../../src/storage/index.js';

it('a full disk answers ServiceUnavailable with a message; other faults InternalFailure without one', () => {
  const full = toServiceError(new StorageError(StorageErrorCode.noSpace, 'ENOSPC'));
  assert.equal(full.code, 'ServiceUnavailable');
  assert.equal(full.httpStatus, 503);
  assert.equal(full.retriable, true);
  assert.equal(full.message, 'The server has no disk space left for this change. Retry after space is freed.');
  const other = toServiceError(new StorageError(StorageErrorCode.writeFailed, 'EIO'));
  assert.equal(other.code, 'InternalFailure');
  assert.equal(other.hasMessage, false);
  const answered = new ServiceError({ code: 'X', httpStatus: 400, retriable: false });
  assert.equal(toServiceError(answered), answered);
});
