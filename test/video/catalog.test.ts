/**
 * The Kinesis Video catalogue on the shared ResourceCatalog, in process on the local backend: both kinds under their
 * own keys, counts per account and region, lookup by ARN (also after a reopen), the caller's in-use text, and
 * listeners that get the previous state (the media plane drops a stream's media when it is gone).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '../../src/protocol/index.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import {
  type ChannelState,
  newIncarnationId,
  newVersion,
  type ResourceState,
  type StreamState,
  VideoCatalog,
} from '../../src/video/catalog.js';

function stream(name: string, accountId = '111111111111'): StreamState {
  return {
    kind: 'stream',
    id: newIncarnationId(),
    name,
    accountId,
    region: 'us-east-1',
    arn: `arn:aws:kinesisvideo:us-east-1:${accountId}:stream/${name}/1700000000000`,
    status: 'ACTIVE',
    version: newVersion(),
    creationMs: 1_700_000_000_000,
    tags: {},
    kmsKeyId: 'alias/aws/kinesisvideo',
    dataRetentionInHours: 1,
    storageTier: 'HOT',
    configurations: {},
  };
}

function channel(name: string): ChannelState {
  return {
    kind: 'channel',
    id: newIncarnationId(),
    name,
    accountId: '111111111111',
    region: 'us-east-1',
    arn: `arn:aws:kinesisvideo:us-east-1:111111111111:channel/${name}/1700000000000`,
    status: 'ACTIVE',
    version: newVersion(),
    creationMs: 1_700_000_000_000,
    tags: {},
    type: 'SINGLE_MASTER',
    messageTtlSeconds: 60,
  };
}

describe('VideoCatalog', () => {
  it('keeps streams and channels apart, finds them by ARN (also after a reopen) and reports changes with the previous state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-video-catalog-'));
    let backend = await openLocalBackend(join(dir, 'storage'));
    try {
      let catalog = await VideoCatalog.open(backend.meta, silentLogger);
      const changes: Array<[string | undefined, string | undefined]> = [];
      const stop = catalog.onChange((next, previous) =>
        changes.push([
          next && `${next.name}:${next.kind === 'stream' ? next.dataRetentionInHours : ''}`,
          previous?.name,
        ]),
      );
      const cam = await catalog.add(stream('cam'), 'cam in use');
      await catalog.add(stream('other', '222222222222'), 'in use');
      // A channel may have a stream's name: the kinds have their own keys.
      await catalog.add(channel('cam'), 'channel in use');
      await assert.rejects(catalog.add(stream('cam'), 'The stream cam already exists.'), (e: Error) => {
        assert.equal(e.name, 'ResourceInUseException');
        assert.equal(e.message, 'The stream cam already exists.');
        return true;
      });
      assert.equal(catalog.count('stream', '111111111111', 'us-east-1'), 1);
      assert.equal(catalog.count('channel', '111111111111', 'us-east-1'), 1);
      assert.equal(catalog.byArn(cam.arn)?.id, cam.id);
      assert.equal(catalog.get('channel', '111111111111', 'us-east-1', 'cam')?.kind, 'channel');

      const updated = await catalog.update(cam, (d) => {
        d.dataRetentionInHours = 5;
      });
      assert.equal(catalog.byArn(cam.arn), updated);
      assert.throws(() => {
        (updated as { status: string }).status = 'DELETING';
      });
      await catalog.remove(cam.id);
      assert.equal(catalog.byArn(cam.arn), undefined);
      assert.equal(catalog.byId(cam.id), undefined);
      stop();
      await catalog.remove(catalog.get('channel', '111111111111', 'us-east-1', 'cam')!.id);
      assert.deepEqual(changes, [
        ['cam:1', undefined],
        ['other:1', undefined],
        ['cam:', undefined],
        ['cam:5', 'cam'],
        [undefined, 'cam'],
      ]);

      await backend.close();
      backend = await openLocalBackend(join(dir, 'storage'));
      catalog = await VideoCatalog.open(backend.meta, silentLogger);
      const other = catalog.get('stream', '222222222222', 'us-east-1', 'other')!;
      assert.equal(catalog.byArn(other.arn)?.id, other.id);
      assert.deepEqual(
        catalog.all().map((s: ResourceState) => s.name),
        ['other'],
      );
    } finally {
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
