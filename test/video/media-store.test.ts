/** The media store's connection bookkeeping: one producer per stream, a bounded number of readers per stream. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogStore } from '../../src/storage/index.js';
import { silentLogger } from '../../src/protocol/index.js';
import { MediaStore } from '../../src/video/media/media-store.js';

// The bookkeeping never touches the archive's logs.
const NO_LOGS = {} as LogStore;

describe('MediaStore connections', () => {
  it('keeps the first producer of a stream and refuses others until it is released', () => {
    const store = new MediaStore(NO_LOGS, silentLogger);
    const first = { stop: () => assert.fail('the first producer must not be stopped') };
    const second = { stop: () => {} };
    assert.equal(store.claim('s1', first), true);
    assert.equal(store.claim('s1', first), true, 'claiming again is idempotent');
    assert.equal(store.claim('s1', second), false);
    assert.equal(store.claim('s2', second), true, 'another stream has its own producer');
    store.release('s1', second);
    assert.equal(store.claim('s1', second), false, 'only the holder releases');
    store.release('s1', first);
    assert.equal(store.claim('s1', second), true);
  });

  it('holds at most `limit` readers per stream and kind; release is idempotent', () => {
    const store = new MediaStore(NO_LOGS, silentLogger);
    const held = [0, 1, 2].map(() => store.holdReader('s1', 'GetMedia', 3));
    assert.ok(held.every((r) => r !== undefined));
    assert.equal(store.holdReader('s1', 'GetMedia', 3), undefined);
    assert.ok(store.holdReader('s1', 'GetMediaForFragmentList', 5), 'kinds are counted apart');
    assert.ok(store.holdReader('s2', 'GetMedia', 3), 'streams are counted apart');
    held[0]!();
    held[0]!();
    const next = store.holdReader('s1', 'GetMedia', 3);
    assert.ok(next);
    assert.equal(store.holdReader('s1', 'GetMedia', 3), undefined, 'a double release frees one connection only');
  });
});
