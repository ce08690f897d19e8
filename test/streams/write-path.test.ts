/**
 * The write path when some shards cannot store (a full disk): records of shards that stored succeed, the
 * others fail on their own (per-record InternalFailure), so retrying the failed ones never duplicates; when no
 * shard stored anything the request fails as a whole with ServiceUnavailable.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interceptAppend, StorageError, StorageErrorCode, type StorageBackend } from '../../src/storage/index.js';
import { withWrappedLogs } from '../helpers/backend.js';
import { expectServiceError, ManualClock, openInProcessService, type InProcessService } from '../helpers/service.js';

/** Logs whose id ends with a refused shard index refuse appends as a full disk does. */
function refusing(inner: StorageBackend, refused: Set<string>): StorageBackend {
  return withWrappedLogs(inner, (logId, log) =>
    interceptAppend(log, (entries, now, next) =>
      refused.has(logId.slice(logId.lastIndexOf('.') + 1))
        ? Promise.reject(new StorageError(StorageErrorCode.noSpace, 'no space left on device'))
        : next(entries, now),
    ),
  );
}

const LOW = '0';
const HIGH = (2n ** 127n + 1n).toString();

describe('write path with a shard that cannot store', () => {
  let dir: string;
  let service: InProcessService;
  const refused = new Set<string>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trib-write-path-'));
    service = await openInProcessService(dir, new ManualClock(), { wrapBackend: (b) => refusing(b, refused) });
    await service.call('CreateStream', { StreamName: 'w', ShardCount: 2 });
  });
  after(async () => {
    await service.close();
    await rm(dir, { recursive: true, force: true });
  });

  const record = (key: string, hashKey: string) => ({
    PartitionKey: key,
    ExplicitHashKey: hashKey,
    Data: Buffer.from(key),
  });

  it('stores what it can and fails the rest per record', async () => {
    refused.add('1');
    const out = await service.call('PutRecords', {
      StreamName: 'w',
      Records: [record('a', LOW), record('b', HIGH), record('c', LOW)],
    });
    assert.equal(out.FailedRecordCount, 1);
    assert.equal(out.Records[0].ShardId, 'shardId-000000000000');
    assert.equal(out.Records[2].ShardId, 'shardId-000000000000');
    assert.deepEqual(out.Records[1], {
      ErrorCode: 'InternalFailure',
      ErrorMessage: 'The server has no disk space left for these records. Retry after space is freed.',
    });
    const { ShardIterator } = await service.call('GetShardIterator', {
      StreamName: 'w',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const read = await service.call('GetRecords', { ShardIterator });
    assert.deepEqual(
      read.Records.map((r: { PartitionKey: string }) => r.PartitionKey),
      ['a', 'c'],
    );
  });

  it('fails the whole request with ServiceUnavailable when nothing was stored', async () => {
    refused.add('0');
    refused.add('1');
    await expectServiceError(
      service.call('PutRecords', { StreamName: 'w', Records: [record('d', LOW), record('e', HIGH)] }),
      'ServiceUnavailable',
      'The server has no disk space left for these records. Retry after space is freed.',
    );
    await expectServiceError(
      service.call('PutRecord', { StreamName: 'w', PartitionKey: 'f', Data: Buffer.from('f') }),
      'ServiceUnavailable',
    );
  });
});
