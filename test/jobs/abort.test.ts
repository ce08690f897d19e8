/**
 * unlessAborted (src/jobs/abort.ts): passes a promise's outcome through, gives way to the signal, and leaves
 * nothing on a long-lived signal once a wait is over (ADR 0046).
 */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { ABORTED, unlessAborted } from '../../src/jobs/index.js';
import { collectGarbage } from '../helpers/gc.js';

describe('unlessAborted', () => {
  it('settles as the promise does while the signal has not aborted', async () => {
    const stop = new AbortController();
    assert.equal(await unlessAborted(Promise.resolve(7), stop.signal), 7);
    await assert.rejects(unlessAborted(Promise.reject(new Error('boom')), stop.signal), /boom/);
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0);
  });

  it('resolves with ABORTED when the signal aborts first, or has already aborted', async () => {
    const stop = new AbortController();
    const waiting = unlessAborted(new Promise<number>(() => {}), stop.signal);
    stop.abort();
    assert.equal(await waiting, ABORTED);
    assert.equal(await unlessAborted(Promise.resolve(1), stop.signal), ABORTED);
    // A rejection of the abandoned promise is not reported as unhandled.
    assert.equal(await unlessAborted(Promise.reject(new Error('late')), stop.signal), ABORTED);
  });

  it('does not keep the results of finished waits alive while the signal lives on', async () => {
    const stop = new AbortController();
    const refs: Array<WeakRef<object>> = [];
    // Each wait in a frame of its own, so that no local of the test's frame holds a result.
    const waitOnce = async (): Promise<void> => {
      const result = { chunk: Buffer.alloc(1024) };
      refs.push(new WeakRef(result));
      await unlessAborted(Promise.resolve(result), stop.signal);
    };
    for (let i = 0; i < 3; i++) await waitOnce();
    await collectGarbage();
    assert.deepEqual(
      refs.map((r) => r.deref() === undefined),
      [true, true, true],
    );
    assert.equal(stop.signal.aborted, false);
  });
});
