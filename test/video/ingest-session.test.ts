/**
 * PutMedia's session and the media store in process, on a manual clock: the fragment size cap, IDLE acks and the
 * idle end of an upload, the connection duration cap, the per-stream byte and fragment rates (read more slowly, never
 * refused), the per-stream call rate, retention by age and by byte cap, and that a running upload does not keep
 * the chunks of fragments already persisted (ADR 0046).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/protocol/index.js';
import type { StorageBackend } from '../../src/storage/index.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import { IngestSession, type IngestLimits } from '../../src/video/media/ingest-session.js';
import { MediaStore } from '../../src/video/media/media-store.js';
import { collectGarbage } from '../helpers/gc.js';
import { ManualTimerClock } from '../helpers/timers.js';
import { clusterElement, synthMkv } from './fixtures.js';

const LIMITS: IngestLimits = {
  maxFragmentBytes: 10_000,
  maxFragmentMs: 20_000,
  maxTracks: 3,
  idleAckMs: 2_000,
  idleTimeoutMs: 30_000,
  maxConnectionMs: 45 * 60_000,
  maxBytesPerSecond: 12_500_000,
  maxFragmentsPerSecond: 5,
};

/** A body whose chunks the test hands over one by one. */
function pushBody(): { body: AsyncIterable<Buffer>; push(b: Buffer): void; end(): void } {
  const queue: Array<Buffer | null> = [];
  let wake: (() => void) | undefined;
  return {
    push: (b) => {
      queue.push(b);
      wake?.();
    },
    end: () => {
      queue.push(null);
      wake?.();
    },
    body: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const next = queue.shift();
          if (next === null) return;
          if (next !== undefined) {
            yield next;
            continue;
          }
          await new Promise<void>((r) => (wake = r));
        }
      },
    },
  };
}

/** Ack lines as they arrive (`lines`), and all of them once the session's acks end (`done`). */
function watch(session: IngestSession): { lines: string[]; done: Promise<string[]> } {
  const lines: string[] = [];
  const done = (async () => {
    for await (const chunk of session.acks) {
      for (const line of Buffer.from(chunk).toString().split('\n')) if (line) lines.push(line);
    }
    return lines;
  })();
  return { lines, done };
}

/** `EventType[:ErrorId]` of each ack line. */
function kinds(lines: readonly string[]): string[] {
  return lines.map((l) => {
    const a = JSON.parse(l) as { EventType: string; ErrorId?: number };
    return a.EventType + (a.ErrorId ? `:${a.ErrorId}` : '');
  });
}

/** A one-second fragment with a key frame of `size` bytes on track 1 and a frame on track 2. */
function second(timecode: number, size = 100) {
  return {
    timecode,
    unknownWidth: 8 as const,
    blocks: [
      { track: 1, rel: 0, key: true, size },
      { track: 2, rel: 0, key: true },
    ],
  };
}

async function collect(session: IngestSession): Promise<string[]> {
  const lines: string[] = [];
  for await (const chunk of session.acks) {
    for (const line of Buffer.from(chunk).toString().split('\n')) if (line) lines.push(line);
  }
  return lines;
}

describe('IngestSession and MediaStore', () => {
  let dir: string;
  let backend: StorageBackend;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trib-video-ingest-'));
    backend = await openLocalBackend(join(dir, 'storage'));
  });
  after(async () => {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function session(
    clock: ManualTimerClock,
    store: MediaStore,
    id: string,
    limits: IngestLimits = LIMITS,
  ): Promise<IngestSession> {
    const archive = await store.archive(id);
    return new IngestSession({
      target: { streamCreationMs: 1, persist: true, archive, publish: (make) => store.publish(id, make) },
      limits,
      clock,
      logger: silentLogger,
      timecodeType: 'RELATIVE',
      producerStartMs: 0,
    });
  }

  it('ends the upload with MAX_FRAGMENT_SIZE_REACHED as soon as a fragment passes the cap', async () => {
    const clock = new ManualTimerClock();
    const store = new MediaStore(backend.logs, silentLogger);
    const s = await session(clock, store, 'size');
    const input = pushBody();
    const lines = collect(s);
    const running = s.run(input.body);
    input.push(
      synthMkv({
        clusters: [
          {
            timecode: 0,
            unknownWidth: 8,
            blocks: [
              { track: 1, rel: 0, key: true, size: 100 },
              { track: 2, rel: 0, key: true },
            ],
          },
        ],
      }),
    );
    // The second cluster grows past 10,000 bytes while it arrives (its end never comes).
    input.push(
      clusterElement({ timecode: 1000, unknownWidth: 8, blocks: [{ track: 1, rel: 0, key: true, size: 20_000 }] }),
    );
    await running;
    const acks = (await lines).map((l) => JSON.parse(l) as { EventType: string; ErrorId?: number });
    assert.deepEqual(
      acks.map((a) => a.EventType + (a.ErrorId ? `:${a.ErrorId}` : '')),
      ['BUFFERING', 'RECEIVED', 'BUFFERING', 'ERROR:4001', 'PERSISTED'],
    );
    assert.equal((await store.archive('size')).entries.length, 1);
  });

  it('sends IDLE while no data arrives and ends the upload after the idle timeout', async () => {
    const clock = new ManualTimerClock();
    const store = new MediaStore(backend.logs, silentLogger);
    const s = await session(clock, store, 'idle');
    const input = pushBody();
    const lines = collect(s);
    const running = s.run(input.body);
    input.push(synthMkv({ clusters: [] }));
    await clock.advance(1_999);
    await clock.advance(1);
    await clock.advance(2_000);
    await clock.advance(26_000);
    assert.equal(s.stopped, true);
    await running;
    const acks = await lines;
    assert.equal(acks.length, 14, acks.join());
    for (const line of acks) assert.equal(line, '{"EventType":"IDLE"}');
  });

  it('ends an upload older than the connection cap with MAX_CONNECTION_DURATION_REACHED, keeping earlier fragments', async () => {
    const clock = new ManualTimerClock();
    const store = new MediaStore(backend.logs, silentLogger);
    const s = await session(clock, store, 'long', { ...LIMITS, maxConnectionMs: 10_000 });
    const input = pushBody();
    const acks = watch(s);
    const running = s.run(input.body);
    input.push(synthMkv({ clusters: [second(0)] }));
    input.push(clusterElement(second(1000)));
    await clock.advance(1_999);
    await clock.advance(1);
    await clock.advance(8_000);
    assert.equal(s.stopped, true);
    await running;
    const lines = await acks.done;
    const all = lines.map((l) => JSON.parse(l) as { EventType: string; ErrorId?: number; FragmentNumber?: string });
    const error = all.filter((a) => a.EventType === 'ERROR');
    assert.equal(error.length, 1, lines.join());
    assert.equal(error[0]!.ErrorId, 4003);
    // The fragment under way is the one dropped; the first was persisted.
    const buffering = all.filter((a) => a.EventType === 'BUFFERING').map((a) => a.FragmentNumber);
    assert.equal(error[0]!.FragmentNumber, buffering[1]);
    assert.deepEqual(
      all.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentNumber),
      [buffering[0]],
    );
    assert.equal((await store.archive('long')).entries.length, 1);
  });

  it('lets go of the chunks of persisted fragments while the upload goes on', async () => {
    const clock = new ManualTimerClock();
    const store = new MediaStore(backend.logs, silentLogger);
    const s = await session(clock, store, 'released');
    const input = pushBody();
    const acks = watch(s);
    const running = s.run(input.body);
    input.push(synthMkv({ clusters: [] }));
    /** Pushes a fragment in a chunk of its own (not from Buffer's shared pool); returns a weak ref to its memory. */
    const pushFragment = (timecode: number): WeakRef<ArrayBufferLike> => {
      const cluster = clusterElement(second(timecode));
      const chunk = Buffer.alloc(cluster.length);
      cluster.copy(chunk);
      input.push(chunk);
      return new WeakRef(chunk.buffer);
    };
    const persisted = (n: number): Promise<void> =>
      (async () => {
        while (kinds(acks.lines).filter((k) => k === 'PERSISTED').length < n) {
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      })();
    const first = pushFragment(0);
    const second_ = pushFragment(1000);
    // The third fragment's start ends the second one.
    pushFragment(2000);
    await persisted(2);
    await collectGarbage();
    assert.equal(s.stopped, false);
    assert.equal(first.deref(), undefined, "the first fragment's chunk is still reachable");
    assert.equal(second_.deref(), undefined, "the second fragment's chunk is still reachable");
    input.end();
    await running;
    assert.equal(kinds(await acks.done).filter((k) => k === 'PERSISTED').length, 3);
  });

  it('reads a stream faster than 5 fragments per second more slowly, without refusing a fragment', async () => {
    const clock = new ManualTimerClock();
    const store = new MediaStore(backend.logs, silentLogger);
    const s = await session(clock, store, 'fast-fragments');
    const input = pushBody();
    const acks = watch(s);
    const running = s.run(input.body);
    // Eight fragments at once: five are the second's allowance, three more cost 200 ms each.
    input.push(synthMkv({ clusters: Array.from({ length: 8 }, (_, i) => second(i * 1000)) }));
    input.push(clusterElement(second(8000)));
    await clock.advance(0);
    // The eighth fragment's end (the ninth's start) is in the chunk not read yet.
    assert.equal(s.received, 7);
    await clock.advance(599);
    assert.equal(s.received, 7);
    await clock.advance(1);
    assert.equal(s.received, 8);
    input.end();
    // The last chunk read is paid for too before the body's end is read.
    await clock.advance(5_000);
    await running;
    const lines = await acks.done;
    assert.equal(s.received, 9);
    assert.ok(!kinds(lines).some((k) => k.startsWith('ERROR')), lines.join());
    assert.equal(kinds(lines).filter((k) => k === 'PERSISTED').length, 9);
    assert.equal((await store.archive('fast-fragments')).entries.length, 9);
  });

  it('reads a stream faster than its byte rate more slowly, across uploads of the same stream', async () => {
    const clock = new ManualTimerClock();
    const store = new MediaStore(backend.logs, silentLogger);
    const limits = { ...LIMITS, maxFragmentBytes: 1_000_000, maxBytesPerSecond: 10_000 };
    const pacer = store.pacer('fast-bytes', limits);
    const archive = await store.archive('fast-bytes');
    const open = () =>
      new IngestSession({
        target: { streamCreationMs: 1, persist: true, archive, publish: () => {}, pacer },
        limits,
        clock,
        logger: silentLogger,
        timecodeType: 'RELATIVE',
        producerStartMs: 0,
      });
    const first = open();
    const firstAcks = watch(first);
    const input = pushBody();
    const running = first.run(input.body);
    // About 25,000 bytes: one second's allowance (10,000) plus 1.5 s more, before the body's end is read.
    const head = synthMkv({ clusters: [second(0, 25_000)] });
    const wait = Math.ceil((head.length * 1000) / 10_000) - 1000;
    input.push(head);
    input.end();
    await clock.advance(0);
    assert.equal(first.received, 0);
    await clock.advance(wait - 1);
    assert.equal(first.received, 0);
    await clock.advance(1);
    await running;
    assert.equal(first.received, 1);
    assert.ok(!kinds(await firstAcks.done).some((k) => k.startsWith('ERROR')));
    // A new upload of the same stream right after gets no fresh allowance: ~15,000 bytes wait ~1.5 s, where a fresh
    // allowance would make them wait ~0.5 s.
    const again = open();
    const againAcks = watch(again);
    const input2 = pushBody();
    const running2 = again.run(input2.body);
    input2.push(synthMkv({ clusters: [second(2000, 15_000)] }));
    input2.end();
    await clock.advance(0);
    await clock.advance(999);
    assert.equal(again.received, 0);
    await clock.advance(1_000);
    await running2;
    assert.equal(again.received, 1);
    assert.ok(!kinds(await againAcks.done).some((k) => k.startsWith('ERROR')));
    assert.equal(archive.entries.length, 2);
  });

  it('counts PutMedia calls per stream per second', () => {
    const store = new MediaStore(backend.logs, silentLogger);
    for (let i = 0; i < 5; i++) assert.equal(store.admitCall('s', 1000 + i, 5), true);
    assert.equal(store.admitCall('s', 1999, 5), false);
    assert.equal(store.admitCall('other', 1999, 5), true);
    assert.equal(store.admitCall('s', 2000, 5), true);
  });

  it('retention drops fragments past DataRetentionInHours, then the oldest beyond the byte cap, and orphaned archives', async () => {
    const clock = new ManualTimerClock();
    const store = new MediaStore(backend.logs, silentLogger);
    // Hours pass between fragments here: no idle end.
    const s = await session(clock, store, 'kept', {
      ...LIMITS,
      idleAckMs: 1e9,
      idleTimeoutMs: 1e9,
      maxConnectionMs: 1e9,
    });
    const input = pushBody();
    const lines = collect(s);
    const running = s.run(input.body);
    const cluster = (timecode: number) => ({
      timecode,
      unknownWidth: 8,
      blocks: [
        { track: 1, rel: 0, key: true, size: 1000 },
        { track: 2, rel: 0, key: true },
      ],
    });
    input.push(synthMkv({ clusters: [cluster(0)] }));
    for (let i = 1; i <= 4; i++) {
      await clock.advance(3_600_000);
      input.push(clusterElement(cluster(i * 1000)));
    }
    input.end();
    await running;
    await lines;
    const archive = await store.archive('kept');
    assert.equal(archive.entries.length, 5);
    await store.archive('orphan');
    await store.archive('elsewhere');
    assert.ok((await backend.logs.list()).includes('video.orphan'));
    // A stream another node created (in the metadata, not yet in this node's cache) keeps its archive.
    await store.enforceRetention([{ id: 'kept', dataRetentionInHours: 2 }], clock.t, undefined, async () => {
      return new Set(['kept', 'elsewhere']);
    });
    const listed = await backend.logs.list();
    assert.ok(listed.includes('video.elsewhere'), 'a stream the metadata still holds keeps its archive');
    assert.ok(!listed.includes('video.orphan'), 'an archive no stream owns is deleted');
    await store.archive('orphan');
    // Two hours of retention keeps the fragments that arrived in the last two hours.
    await store.enforceRetention([{ id: 'kept', dataRetentionInHours: 2 }], clock.t);
    assert.deepEqual(
      archive.entries.map((e) => e.timecode),
      [2000, 3000, 4000],
    );
    await store.enforceRetention([{ id: 'kept', dataRetentionInHours: 2 }], clock.t, 2 * archive.entries[0]!.sizeBytes);
    assert.deepEqual(
      archive.entries.map((e) => e.timecode),
      [3000, 4000],
    );
    assert.ok(!(await backend.logs.list()).includes('video.orphan'));
  });
});
