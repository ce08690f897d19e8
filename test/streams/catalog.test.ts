/**
 * The catalogue as the only writer of stream state: changes of one stream are serialised and none is lost, a
 * refused or failed change leaves memory as it was, and a compare-and-set conflict with another writer is retried
 * on the stored state.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scheduler } from '../../src/jobs/index.js';
import { silentLogger } from '../../src/protocol/index.js';
import { StorageError, StorageErrorCode, type MetaStore, type StorageBackend } from '../../src/storage/index.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import { StreamCatalog, StreamStatus, UPDATE_ATTEMPTS, type StreamState } from '../../src/streams/catalog.js';
import { kinesisError } from '../../src/streams/errors.js';
import {
  ManualClock,
  TEST_ACCOUNT,
  expectServiceError,
  openInProcessService,
  type InProcessService,
} from '../helpers/service.js';

const KEY = `streams/${TEST_ACCOUNT}/us-east-1/s`;

/** A backend whose metadata writes of stream keys fail while `failing` is set (other keys pass through). */
class FailingMetaBackend implements StorageBackend {
  failing: ((key: string) => StorageError | undefined) | undefined;
  readonly logs: StorageBackend['logs'];
  readonly meta: MetaStore;
  readonly leases: StorageBackend['leases'];
  readonly capabilities: StorageBackend['capabilities'];
  constructor(private readonly inner: StorageBackend) {
    this.logs = inner.logs;
    this.leases = inner.leases;
    this.capabilities = inner.capabilities;
    const meta = inner.meta;
    const self = this;
    this.meta = {
      get: (key) => meta.get(key),
      getVersioned: (key) => meta.getVersioned(key),
      list: (prefix) => meta.list(prefix),
      batch: (changes) => meta.batch(changes),
      delete: (key, options) => meta.delete(key, options),
      watchRemote: (prefix, listener) => meta.watchRemote(prefix, listener),
      close: () => meta.close(),
      async put(key, value, options) {
        const err = self.failing?.(key);
        if (err) throw err;
        return meta.put(key, value, options);
      },
    };
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('stream catalogue: one writer', () => {
  let dir: string;
  let clock: ManualClock;
  let backend: FailingMetaBackend;
  let service: InProcessService;

  const boot = async (): Promise<void> => {
    service = await openInProcessService(dir, clock, {
      wrapBackend: (opened) => (backend = new FailingMetaBackend(opened)),
    });
  };
  const tags = async (): Promise<Record<string, string>> => {
    const out = await service.call('ListTagsForStream', { StreamName: 's' });
    return Object.fromEntries(out.Tags.map((t: { Key: string; Value: string }) => [t.Key, t.Value]));
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trib-catalog-'));
    clock = new ManualClock();
    await boot();
    await service.call('CreateStream', { StreamName: 's', ShardCount: 1 });
  });
  afterEach(async () => {
    await service.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serialises 50 concurrent AddTagsToStream: every tag is kept, also after a restart', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        service.call('AddTagsToStream', { StreamName: 's', Tags: { [`k${i}`]: `v${i}` } }),
      ),
    );
    assert.equal(Object.keys(await tags()).length, 50);
    await service.close();
    await boot();
    const after = await tags();
    assert.equal(Object.keys(after).length, 50);
    for (let i = 0; i < 50; i++) assert.equal(after[`k${i}`], `v${i}`);
  });

  it('a change refused by its mutator writes nothing and leaves memory unchanged', async () => {
    await service.call('AddTagsToStream', { StreamName: 's', Tags: { a: '1' } });
    const before = await backend.meta.getVersioned(KEY);
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, 'x']));
    await expectServiceError(
      service.call('AddTagsToStream', { StreamName: 's', Tags: many }),
      'LimitExceededException',
    );
    assert.deepEqual(await tags(), { a: '1' });
    assert.equal((await backend.meta.getVersioned(KEY))?.revision, before?.revision);
  });

  it('a change whose write fails leaves memory unchanged', async () => {
    await service.call('AddTagsToStream', { StreamName: 's', Tags: { a: '1' } });
    const described = await service.call('DescribeStreamSummary', { StreamName: 's' });
    backend.failing = (key) =>
      key.startsWith('streams/') ? new StorageError(StorageErrorCode.writeFailed, 'disk full') : undefined;
    await assert.rejects(service.call('AddTagsToStream', { StreamName: 's', Tags: { b: '2' } }), /disk full/);
    await assert.rejects(
      service.call('IncreaseStreamRetentionPeriod', { StreamName: 's', RetentionPeriodHours: 48 }),
      /disk full/,
    );
    assert.deepEqual(await tags(), { a: '1' });
    assert.deepEqual(await service.call('DescribeStreamSummary', { StreamName: 's' }), described);
    backend.failing = undefined;
    // The next change starts from the durable state, and the queue was not blocked by the failures.
    await service.call('AddTagsToStream', { StreamName: 's', Tags: { c: '3' } });
    assert.deepEqual(await tags(), { a: '1', c: '3' });
  });

  it('retries a compare-and-set conflict with a foreign write on the stored state', async () => {
    await service.call('AddTagsToStream', { StreamName: 's', Tags: { mine: '1' } });
    // Another writer (on a cluster, another node) changes the stream behind the catalogue's back.
    const stored = await backend.meta.getVersioned<StreamState>(KEY);
    assert.ok(stored);
    await backend.meta.put(
      KEY,
      { ...stored.value, tags: { ...stored.value.tags, foreign: '2' }, retentionHours: 72 },
      { expectedRevision: stored.revision },
    );
    assert.deepEqual(await tags(), { mine: '1' });
    await service.call('AddTagsToStream', { StreamName: 's', Tags: { again: '3' } });
    assert.deepEqual(await tags(), { again: '3', foreign: '2', mine: '1' });
    const summary = await service.call('DescribeStreamSummary', { StreamName: 's' });
    assert.equal(summary.StreamDescriptionSummary.RetentionPeriodHours, 72);
    assert.deepEqual((await backend.meta.get<StreamState>(KEY))?.tags, { mine: '1', foreign: '2', again: '3' });
  });

  it('gives up after a bounded number of conflicts, leaving memory at the last stored state', async () => {
    let conflicts = 0;
    backend.failing = (key) => {
      if (!key.startsWith('streams/')) return undefined;
      conflicts++;
      return new StorageError(StorageErrorCode.conflict, 'revision mismatch');
    };
    await assert.rejects(service.call('AddTagsToStream', { StreamName: 's', Tags: { b: '2' } }), /revision mismatch/);
    assert.equal(conflicts, UPDATE_ATTEMPTS);
    assert.deepEqual(await tags(), {});
  });
});

describe('stream catalogue: update', () => {
  let dir: string;
  let backend: StorageBackend;
  let scheduler: Scheduler;
  let catalog: StreamCatalog;
  const now = () => Date.UTC(2026, 0, 1);

  const stream = (): StreamState => ({
    id: 'abcdefghijklmnopqrst-uvw',
    name: 's',
    accountId: TEST_ACCOUNT,
    region: 'us-east-1',
    arn: `arn:aws:kinesis:us-east-1:${TEST_ACCOUNT}:stream/s`,
    status: StreamStatus.ACTIVE,
    mode: 'PROVISIONED',
    createdAt: now(),
    retentionHours: 24,
    shards: [],
    nextShardIndex: 0,
    tags: { a: '1' },
    shardLevelMetrics: [],
    encryptionType: 'NONE',
    maxRecordSizeKiB: 1024,
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trib-catalog-'));
    backend = await openLocalBackend(join(dir, 'storage'));
    scheduler = new Scheduler({ meta: backend.meta });
    catalog = await StreamCatalog.open({
      meta: backend.meta,
      logger: silentLogger,
      now,
      scheduler,
      onDeleted: async () => {},
    });
    await scheduler.start();
  });
  afterEach(async () => {
    await catalog.close();
    await scheduler.close();
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a mutator that throws after editing the draft changes nothing', async () => {
    const added = await catalog.add(stream());
    const revision = (await backend.meta.getVersioned(KEY))?.revision;
    await expectServiceError(
      catalog.update(added, (draft) => {
        draft.tags = { b: '2' };
        draft.retentionHours = 48;
        throw kinesisError('ResourceInUseException', 'no');
      }),
      'ResourceInUseException',
      'no',
    );
    assert.equal(catalog.getById(added.id), added);
    assert.deepEqual(added.tags, { a: '1' });
    assert.equal(added.retentionHours, 24);
    assert.equal((await backend.meta.getVersioned(KEY))?.revision, revision);
  });

  it('replaces the state instead of editing it, and states are frozen', async () => {
    const added = await catalog.add(stream());
    assert.ok(Object.isFrozen(added) && Object.isFrozen(added.tags));
    const next = await catalog.update(added, (draft) => {
      draft.tags.b = '2';
    });
    assert.notEqual(next, added);
    assert.deepEqual(added.tags, { a: '1' });
    assert.deepEqual(next.tags, { a: '1', b: '2' });
    assert.equal(catalog.get(TEST_ACCOUNT, 'us-east-1', 's'), next);
    // A mutator returning false writes nothing.
    const revision = (await backend.meta.getVersioned(KEY))?.revision;
    assert.equal(await catalog.update(next, () => false), next);
    assert.equal((await backend.meta.getVersioned(KEY))?.revision, revision);
  });

  it('a stream re-created by another writer is dropped on conflict', async () => {
    const added = await catalog.add(stream());
    await backend.meta.put(KEY, { ...stream(), id: 'zzzzzzzzzzzzzzzzzzzz-zzz' });
    await expectServiceError(
      catalog.update(added, (draft) => {
        draft.retentionHours = 48;
      }),
      'ResourceNotFoundException',
    );
    assert.equal(catalog.getById(added.id), undefined);
  });

  it('a second add of the same name is refused', async () => {
    await catalog.add(stream());
    await expectServiceError(catalog.add({ ...stream(), id: 'zzzzzzzzzzzzzzzzzzzz-zzz' }), 'ResourceInUseException');
  });
});
