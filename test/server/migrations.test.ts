/**
 * Metadata scopes: a data directory written before service scopes (Data Streams keys at the root) is moved under
 * `kinesis/` once, atomically, when the server opens it; scheduler timers stay at the root and still fire.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListTagsForStreamCommand,
} from '@aws-sdk/client-kinesis';
import { silentLogger, type RequestContext } from '../../src/protocol/index.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import { createStreamsService } from '../../src/streams/index.js';
import { META_FORMAT, META_FORMAT_KEY, migrateMetaLayout } from '../../src/server/migrations.js';
import { startTestServer } from '../helpers/server.js';

const ACCOUNT = '000000000000';

/** Writes a data directory the way versions before scopes did: the service on the backend's root store. */
async function writeOldLayout(dataDir: string): Promise<void> {
  const backend = await openLocalBackend(join(dataDir, 'storage'));
  const svc = await createStreamsService(backend, {
    region: 'us-east-1',
    accountId: ACCOUNT,
    createStreamMs: 0,
    deleteStreamMs: 0,
    // The old version's clock runs two hours behind: the UpdateShardCount below is due an hour ago by the real
    // clock, so it is still pending when this service closes (its own timer is an hour away) and the new server
    // completes it as soon as it starts, however slow the machine is.
    updateStreamMs: 3_600_000,
    now: () => Date.now() - 7_200_000,
    shardLimit: 50,
    logger: silentLogger,
  });
  const ctx: RequestContext = {
    requestId: 'r',
    region: 'us-east-1',
    accountId: ACCOUNT,
    receivedAt: Date.now(),
    signal: new AbortController().signal,
  };
  const call = (operation: string, input: Record<string, unknown>) =>
    svc.definition.operations[operation]!.handle(input, ctx);
  await call('CreateStream', { StreamName: 'old', ShardCount: 1 });
  await call('AddTagsToStream', { StreamName: 'old', Tags: { team: 'data' } });
  await call('PutRecord', { StreamName: 'old', PartitionKey: 'k', Data: Buffer.from('hello') });
  // Pending when the old version stops: its timer (jobs/timers/…, keyed by stream id) must still end it.
  await call('UpdateShardCount', { StreamName: 'old', TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' });
  await svc.close();
  const keys = (await backend.meta.list('')).map(([key]) => key);
  assert.ok(keys.includes(`streams/${ACCOUNT}/us-east-1/old`), keys.join(', '));
  assert.ok(
    keys.some((key) => key.startsWith('jobs/timers/streams.reshard/')),
    keys.join(', '),
  );
  await backend.close();
}

describe('metadata scopes and the layout migration', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trib-migrate-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('moves a pre-scope data directory under kinesis/ on the first start only', async () => {
    await writeOldLayout(dataDir);

    const first = await startTestServer({ accountId: ACCOUNT, updateStreamMs: 300 }, dataDir);
    try {
      const { kinesis } = first;
      const tags = await kinesis.send(new ListTagsForStreamCommand({ StreamName: 'old' }));
      assert.deepEqual(tags.Tags, [{ Key: 'team', Value: 'data' }]);
      // The pending UpdateShardCount's timer fires after the move and completes on the moved stream.
      let summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'old' }));
      for (let i = 0; i < 400 && summary.StreamDescriptionSummary!.StreamStatus !== 'ACTIVE'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'old' }));
      }
      assert.equal(summary.StreamDescriptionSummary!.StreamStatus, 'ACTIVE');
      assert.equal(summary.StreamDescriptionSummary!.OpenShardCount, 2);
      // Records and iterators: the logs are keyed by stream id, the iterator secret moved with the rest.
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 'old',
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const records = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
      assert.equal(Buffer.from(records.Records![0]!.Data!).toString(), 'hello');
    } finally {
      await first.close(false);
    }

    const backend = await openLocalBackend(join(dataDir, 'storage'));
    try {
      const keys = (await backend.meta.list('')).map(([key]) => key);
      const stray = keys.filter((key) => !/^(kinesis|jobs|meta)\//.test(key));
      assert.deepEqual(stray, []);
      assert.ok(keys.includes(`kinesis/streams/${ACCOUNT}/us-east-1/old`));
      assert.ok(keys.includes('kinesis/secrets/shard-iterator'));
      assert.equal(await backend.meta.get(META_FORMAT_KEY), META_FORMAT);
      // A root key written now (as an old version would) is not moved again: the marker says format 2.
      await backend.meta.put('streams/stray', { x: 1 });
      assert.equal(await migrateMetaLayout(backend.meta, silentLogger), 0);
      assert.deepEqual(await backend.meta.get('streams/stray'), { x: 1 });
      assert.equal(await backend.meta.get('kinesis/streams/stray'), undefined);
      await backend.meta.delete('streams/stray');
    } finally {
      await backend.close();
    }

    const second = await startTestServer({ accountId: ACCOUNT }, dataDir);
    try {
      const summary = await second.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'old' }));
      assert.equal(summary.StreamDescriptionSummary!.OpenShardCount, 2);
    } finally {
      await second.close(false);
    }
  });

  it('two nodes migrating one store at once: the one whose marker write loses finds the work done', async () => {
    const backend = await openLocalBackend(join(dataDir, 'storage'));
    try {
      // Both read "no marker" before either writes it, as two nodes starting together on one cluster do.
      const [a, b] = await Promise.allSettled([
        migrateMetaLayout(backend.meta, silentLogger),
        migrateMetaLayout(backend.meta, silentLogger),
      ]);
      assert.deepEqual(
        [a.status, b.status],
        ['fulfilled', 'fulfilled'],
        String((a as PromiseRejectedResult).reason ?? (b as PromiseRejectedResult).reason),
      );
      assert.equal(await backend.meta.get(META_FORMAT_KEY), META_FORMAT);
    } finally {
      await backend.close();
    }
  });

  it('marks a fresh data directory without moving anything', async () => {
    const server = await startTestServer({ accountId: ACCOUNT }, dataDir);
    await server.close(false);
    const backend = await openLocalBackend(join(dataDir, 'storage'));
    try {
      assert.equal(await backend.meta.get(META_FORMAT_KEY), META_FORMAT);
      const keys = (await backend.meta.list('')).map(([key]) => key);
      assert.deepEqual(
        keys.filter((key) => !/^(kinesis|jobs|meta)\//.test(key)),
        [],
      );
      assert.ok(keys.includes('kinesis/secrets/shard-iterator'));
    } finally {
      await backend.close();
    }
  });
});
