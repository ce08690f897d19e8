/**
 * The delivery loop lets go of the records it delivered while it keeps running. Its wait for the next batch ends on
 * the worker's AbortSignal through `unlessAborted` (src/jobs/abort.ts); a `Promise.race` with a promise settled only
 * at the stop would keep every batch read until the worker stops (docs/adr/0046-promise-race-retained-every-chunk.md).
 * The worker runs for real here, on a record source of this test that hands out batches of fresh buffers, and the
 * test watches those buffers through WeakRefs after a full garbage collection.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DeliveryContext, type DeliveryEvent, DeliveryWorker } from '../../src/firehose/delivery.js';
import type { RecordSource, SourceBatch } from '../../src/firehose/sources.js';
import type { DeliveryStreamState } from '../../src/firehose/catalog.js';
import { silentLogger } from '../../src/protocol/index.js';
import { collectGarbage } from '../helpers/gc.js';
import { ManualTimerClock } from '../helpers/timers.js';

/** A source whose batches the test pushes; it keeps nothing once a batch is handed out. */
class PushedSource implements RecordSource {
  #queue: SourceBatch[] = [];
  #waiter: ((batch: SourceBatch | undefined) => void) | undefined;
  #offset = 0;
  committed = 0;

  push(data: Buffer): void {
    this.#offset++;
    const batch: SourceBatch = { records: [{ data, arrivedAt: 0 }], position: { offset: this.#offset } };
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) waiter(batch);
    else this.#queue.push(batch);
  }

  next(signal: AbortSignal): Promise<SourceBatch | undefined> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      // The abort listener goes once the batch came: a listener left on the long-lived signal would keep this
      // promise's resolver, hence the batch, for the worker's whole run.
      const onAbort = (): void => resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = (batch) => {
        signal.removeEventListener('abort', onAbort);
        resolve(batch);
      };
    });
  }

  reached(): boolean {
    return true;
  }

  async commit(): Promise<void> {
    this.committed++;
  }

  close(): void {}
}

/** The parts of a delivery stream's state the loop reads: ACTIVE, an S3 destination that delivers every batch. */
const STATE = {
  id: 'ds-1',
  name: 'retention',
  versionId: 1,
  type: 'DirectPut',
  status: 'ACTIVE',
  destination: {
    kind: 's3',
    s3: {
      BucketARN: 'arn:aws:s3:::b',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
      CompressionFormat: 'UNCOMPRESSED',
    },
  },
} as unknown as DeliveryStreamState;

describe('delivery loop', () => {
  it('lets go of delivered records while it keeps running', async () => {
    const clock = new ManualTimerClock();
    const source = new PushedSource();
    const puts: string[] = [];
    const events: DeliveryEvent[] = [];
    const ctx: DeliveryContext = {
      clock,
      logger: silentLogger,
      objects: {
        async put(_bucket, key) {
          puts.push(key);
        },
        close() {},
      },
      retry: { initialMs: 1_000, maxMs: 1_000, factor: 1, jitter: 0, random: () => 0 },
      retryWindowMs: 60_000,
      state: (id) => (id === STATE.id ? STATE : undefined),
      openSource: async () => source,
      flushTarget: () => undefined,
      emit: (event) => events.push(event),
    };
    const worker = new DeliveryWorker('firehose/delivery/test', STATE.id, ctx);
    const stop = new AbortController();
    const running = worker.run(stop.signal, { fencingToken: 1 });

    /** Pushes one record in memory of its own (not Buffer's shared pool); returns a weak ref to that memory. */
    const pushRecord = (): WeakRef<ArrayBufferLike> => {
      const data = Buffer.alloc(256 * 1024, 1);
      source.push(data);
      return new WeakRef(data.buffer);
    };
    const delivered = async (n: number): Promise<void> => {
      while (source.committed < n) await new Promise<void>((resolve) => setImmediate(resolve));
    };
    const first = pushRecord();
    await delivered(1);
    const second = pushRecord();
    await delivered(2);
    // The last batch handled may linger in the suspended loop's locals until the next one replaces it: a third.
    pushRecord();
    await delivered(3);
    assert.equal(puts.length, 3);
    // The worker now waits for a fourth batch; what it delivered before must not be reachable from that wait.
    await collectGarbage();
    assert.ok(first.deref() === undefined, "the first batch's record is still reachable");
    assert.ok(second.deref() === undefined, "the second batch's record is still reachable");
    assert.ok(
      events.every((e) => e.type === 'buffered' || e.type === 'delivered'),
      events.map((e) => e.type).join(),
    );
    stop.abort();
    await running;
  });
});
