/**
 * Failures on a real 3-node cluster (free ports), one cluster for the file:
 * - Leader kill: writers append to one R3 shard log while the server leading its JetStream stream is killed with
 *   SIGKILL and later restarted.
 * - Network trouble without root tricks: the leading server is stopped with SIGSTOP until the others elected a new
 *   leader (so longer than the election timeout) and writes were acknowledged without it, then resumed with SIGCONT;
 *   once whichever server leads, once the server the gateway's connection is on, made the stream's leader first (the
 *   client must notice the pause itself and reconnect, ADR 0055).
 * Every acknowledged record is read back exactly once, at its acknowledged offset, with offsets dense and each
 * writer's batches in order. The longest gap between two acknowledgements is reported (a diagnostic, never asserted).
 * - A metadata write through an election: the NATS server leading the metadata bucket is killed and a compare-and-set
 *   write is sent at once; it is stored, once, when the bucket has a leader again.
 * - The change feed through a hung server: the server a watching node is connected to is paused while another node
 *   changes a key three times; once the watcher is back, it has reported every change, in order (ADR 0036).
 * - Reads through a leader kill: readers read a log (to its end, which asks the leader) while its leader is killed;
 *   every read answers, complete and in order (the backend retries through the election).
 */
import { type TestContext, after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openNatsBackend } from '../../src/storage/nats/index.js';
import { type LogRecord, type StorageBackend, isStorageError } from '../../src/storage/index.js';
import { type NatsCluster, natsServerMissing, startNatsCluster } from './nats-harness.js';

const skip = natsServerMissing();

describe('nats leader kill', { skip }, () => {
  let cluster: NatsCluster;
  let backend: StorageBackend | undefined;
  before(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
  });
  after(async () => {
    await backend?.close();
    await cluster?.stop();
  });

  it('every acknowledged append survives a SIGKILL of the stream leader, once and in order', async (t) => {
    backend = await openNatsBackend({ servers: cluster.urls, replicas: 3, prefix: 'FAIL' });
    const log = await backend.logs.open('busy');
    const writers = 4;
    const batches = 50;
    const size = 20;
    const killAfter = (writers * batches * size) / 4;
    const acked: AckedBatch[] = [];
    const failed: unknown[] = [];
    let ackedRecords = 0;
    let lastAck = Date.now();
    let longestGap = 0;
    let victim: number | undefined;
    let killing: Promise<void> | undefined;
    const enc = new TextEncoder();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let b = 0; b < batches; b++) {
          const entries = Array.from({ length: size }, (_, i) => ({
            key: `w${w}`,
            value: enc.encode(`${w}:${b}:${i}`),
          }));
          try {
            const r = await log.append(entries, Date.now());
            acked.push({ first: r.firstOffset, writer: w, batch: b });
            ackedRecords += size;
            const now = Date.now();
            longestGap = Math.max(longestGap, now - lastAck);
            lastAck = now;
          } catch (err) {
            failed.push(err);
          }
          if (ackedRecords >= killAfter && !killing) {
            killing = (async () => {
              victim = await cluster.streamLeader('FAIL_L_busy');
              assert.notEqual(victim, undefined, 'the stream has a leader');
              await cluster.kill(victim!, 'SIGKILL');
            })();
          }
        }
      }),
    );
    await killing;
    await cluster.restart(victim!);
    t.diagnostic(
      `killed n${victim! + 1} after ${killAfter} records; longest gap between acks ${longestGap} ms; ` +
        `${failed.length} appends failed (${failed.map((e) => (e as { code?: string }).code).join(',')})`,
    );
    const all = await log.read(0, { maxRecords: 1_000_000, maxBytes: Number.MAX_SAFE_INTEGER });
    assertEachAckedOnceInOrder(all, acked, size, writers);
    assert.ok(acked.length >= (writers * batches) / 4, 'writes went on around the kill');
  });

  it('writes go on while the stream leader is paused with SIGSTOP past an election, and nothing acknowledged is lost', async (t) => {
    await backend?.close();
    backend = await openNatsBackend({ servers: cluster.urls, replicas: 3, prefix: 'PAUSE' });
    await writesThroughPausedLeader(t, cluster, backend, { stream: 'PAUSE_L_paused', log: 'paused' });
  });

  it('writes go on while the server the gateway is connected to, leading the stream, is paused past an election', async (t) => {
    await backend?.close();
    // The client's own server hanging is the case where the client itself must notice the pause (its pings) and
    // reconnect elsewhere, possibly dialling the paused server first (ADR 0055).
    const name = 'paused-own-server';
    backend = await openNatsBackend({ servers: cluster.urls, replicas: 3, prefix: 'POWN', name });
    await writesThroughPausedLeader(t, cluster, backend, {
      stream: 'POWN_L_own',
      log: 'own',
      async place() {
        const own = await cluster.clientNode(name);
        assert.notEqual(own, undefined, "the gateway's connection is on a node");
        assert.ok(await cluster.moveStreamLeader('POWN_L_own', own!), "the gateway's node leads the stream");
        return own!;
      },
    });
  });

  it('a metadata write sent while its bucket elects a leader is not failed for want of a leader', async (t) => {
    await backend?.close();
    backend = await openNatsBackend({ servers: cluster.urls, replicas: 3, prefix: 'MELECT' });
    const first = await backend.meta.put('doc', { v: 0 });
    const victim = await cluster.streamLeader('KV_MELECT_meta');
    assert.notEqual(victim, undefined, 'the bucket has a leader');
    await cluster.kill(victim!, 'SIGKILL');
    try {
      // Sent at once: the surviving servers drop the dead leader's interest with its route, so until they elect
      // another leader the publish finds no responders, which stores nothing and is sent again (ADR 0055).
      const started = Date.now();
      const outcome = await backend.meta.put('doc', { v: 1 }, { expectedRevision: first }).then(
        (revision) => ({ revision }),
        (err: unknown) => ({ err }),
      );
      if ('revision' in outcome) {
        t.diagnostic(
          `killed n${victim! + 1}, the bucket's leader; the write was stored after ${Date.now() - started} ms`,
        );
        assert.deepEqual(await backend.meta.getVersioned('doc'), { value: { v: 1 }, revision: outcome.revision });
      } else {
        // A publish whose answer did not come in time may have been stored, so it is not sent again: a retriable
        // failure, never one for want of a leader ("no responders").
        const err = outcome.err as Error & { cause?: Error };
        t.diagnostic(
          `killed n${victim! + 1}, the bucket's leader; the write failed after ${Date.now() - started} ms: ${err.message}`,
        );
        assert.ok(isStorageError(err) && err.retriable, `a retriable storage error, got ${String(err)}`);
        assert.notEqual(err.cause?.name, 'JetStreamNotEnabled', 'no write fails because no server answered');
      }
    } finally {
      await cluster.restart(victim!);
    }
  });

  it("the change feed reports every change another node made to a key while the watching node's server hung", async (t) => {
    await backend?.close();
    backend = undefined;
    const name = 'feed-watcher';
    const watcher = await openNatsBackend({ servers: cluster.urls, replicas: 3, prefix: 'FEED', name });
    const watched = await cluster.clientNode(name);
    assert.notEqual(watched, undefined, "the watcher's connection is on a node");
    // The writer and the bucket's leader are elsewhere, so writes go on while the watcher's server hangs.
    const others = [0, 1, 2].filter((i) => i !== watched);
    assert.ok(await cluster.moveStreamLeader('KV_FEED_meta', others[0]!), 'another node leads the bucket');
    const writer = await openNatsBackend({
      servers: others.map((i) => cluster.urls[i]!),
      replicas: 3,
      prefix: 'FEED',
    });
    const seen: Array<[string, unknown]> = [];
    const progress = new EventTarget();
    const stop = watcher.meta.watchRemote('doc/', (c) => {
      seen.push([c.key, c.value]);
      progress.dispatchEvent(new Event('change'));
    });
    let paused = false;
    try {
      await cluster.kill(watched!, 'SIGSTOP');
      paused = true;
      await writer.meta.put('doc/a', { v: 1 });
      await writer.meta.put('doc/a', { v: 2 });
      await writer.meta.delete('doc/a');
      // The watcher's client leaves the hung server (pings, ADR 0055) and subscribes again elsewhere; what was
      // pushed to it meanwhile is lost in transit and its ordered consumer starts again after the last change it got.
      const deadline = Date.now() + 60_000;
      let now: number | undefined = watched;
      while (now === undefined || now === watched) {
        assert.ok(Date.now() < deadline, 'the watcher reconnected to another server');
        await new Promise((r) => setTimeout(r, 250));
        now = await cluster.clientNode(name);
      }
      await cluster.kill(watched!, 'SIGCONT');
      paused = false;
      // Right after SIGCONT the bucket answered "no responders" once (its leadership moving while the resumed server
      // rejoined): a retriable error, as for the read-back of the SIGSTOP cases.
      const writeDeadline = Date.now() + 60_000;
      for (;;) {
        try {
          await writer.meta.put('doc/end', true);
          break;
        } catch (err) {
          if (!isStorageError(err) || !err.retriable || Date.now() > writeDeadline) throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`doc/end not reported within 60 s; seen ${JSON.stringify(seen)}`)),
          60_000,
        );
        const check = (): void => {
          if (!seen.some(([k]) => k === 'doc/end')) return;
          clearTimeout(timer);
          resolve();
        };
        progress.addEventListener('change', check);
        check();
      });
      t.diagnostic(`paused n${watched! + 1}, the watcher's server; reported ${JSON.stringify(seen)}`);
      // Up to the first doc/end: a retried put of it may have been stored twice.
      assert.deepEqual(seen.slice(0, seen.findIndex(([k]) => k === 'doc/end') + 1), [
        ['doc/a', { v: 1 }],
        ['doc/a', { v: 2 }],
        ['doc/a', undefined],
        ['doc/end', true],
      ]);
    } finally {
      stop();
      if (paused) await cluster.kill(watched!, 'SIGCONT');
      await Promise.all([watcher.close(), writer.close()]);
    }
  });

  it('reads go on through a SIGKILL of the stream leader: every read answers, complete and in order', async (t) => {
    await backend?.close();
    backend = await openNatsBackend({ servers: cluster.urls, replicas: 3, prefix: 'READ' });
    const log = await backend.logs.open('read');
    const enc = new TextEncoder();
    const total = 200;
    for (let b = 0; b < total / 20; b++)
      await log.append(
        Array.from({ length: 20 }, (_, i) => ({ key: 'k', value: enc.encode(String(b * 20 + i)) })),
        Date.now(),
      );
    const dec = new TextDecoder();
    const failures: string[] = [];
    let reads = 0;
    let longest = 0;
    let stop = false;
    const progress = new EventTarget();
    const readers = Array.from({ length: 3 }, async () => {
      while (!stop) {
        const started = Date.now();
        try {
          const got = await log.read(0, { maxRecords: 10_000, maxBytes: 1 << 20 });
          assert.deepEqual(
            got.map((r) => dec.decode(r.value)),
            Array.from({ length: total }, (_, i) => String(i)),
          );
          reads++;
          longest = Math.max(longest, Date.now() - started);
          progress.dispatchEvent(new Event('read'));
        } catch (err) {
          failures.push((err as { code?: string }).code ?? String(err));
          progress.dispatchEvent(new Event('read'));
        }
      }
    });
    const moreReads = (n: number, what: string): Promise<void> => {
      const target = reads + failures.length + n;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${what}: fewer than ${n} reads within 60 s`)), 60_000);
        const check = (): void => {
          if (reads + failures.length < target) return;
          clearTimeout(timer);
          progress.removeEventListener('read', check);
          resolve();
        };
        progress.addEventListener('read', check);
        check();
      });
    };
    let victim: number | undefined;
    try {
      await moreReads(10, 'before the kill');
      victim = await cluster.streamLeader('READ_L_read');
      assert.notEqual(victim, undefined, 'the stream has a leader');
      await cluster.kill(victim!, 'SIGKILL');
      const killedAt = reads;
      // A new leader is elected while the readers go on.
      let newLeader: number | undefined;
      const deadline = Date.now() + 60_000;
      while (newLeader === undefined || newLeader === victim) {
        assert.ok(Date.now() < deadline, 'no new leader was elected');
        await new Promise((r) => setTimeout(r, 250));
        newLeader = await cluster.streamLeader('READ_L_read');
      }
      await moreReads(10, 'after the election');
      t.diagnostic(
        `killed n${victim! + 1} (the stream leader) under 3 readers; n${newLeader + 1} took over; ` +
          `${reads - killedAt} reads answered meanwhile; longest read ${longest} ms`,
      );
    } finally {
      stop = true;
      await Promise.all(readers);
      if (victim !== undefined) await cluster.restart(victim);
    }
    assert.deepEqual(failures, [], 'no read failed');
  });
});

/**
 * Three writers append to one R3 log; once they have 20 batches acknowledged the stream's leader (or, with `place`,
 * the node it returns, made the leader first) is stopped with SIGSTOP until another leader is elected and 20 more
 * batches were acknowledged, then resumed. Every acknowledged batch is read back once, at its offsets, in each
 * writer's order; the longest gap between two acknowledgements is reported, never asserted.
 */
async function writesThroughPausedLeader(
  t: TestContext,
  cluster: NatsCluster,
  backend: StorageBackend,
  options: { stream: string; log: string; place?: () => Promise<number> },
): Promise<void> {
  const log = await backend.logs.open(options.log);
  const enc = new TextEncoder();
  const size = 10;
  const acked: AckedBatch[] = [];
  const failed: string[] = [];
  let lastAck = Date.now();
  let longestGap = 0;
  let stop = false;
  const progress = new EventTarget();
  // Placed before the load, so the stream's leadership does not move under the writers.
  let victim = await options.place?.();
  const writers = Array.from({ length: 3 }, async (_, w) => {
    for (let b = 0; !stop; b++) {
      const entries = Array.from({ length: size }, (_, i) => ({ key: `w${w}`, value: enc.encode(`${w}:${b}:${i}`) }));
      try {
        const r = await log.append(entries, Date.now());
        acked.push({ first: r.firstOffset, writer: w, batch: b });
        const now = Date.now();
        longestGap = Math.max(longestGap, now - lastAck);
        lastAck = now;
        progress.dispatchEvent(new Event('ack'));
      } catch (err) {
        failed.push((err as { code?: string }).code ?? String(err));
      }
    }
  });
  /** Resolves once `n` more batches were acknowledged than now (rejects after the deadline). */
  const moreAcks = (n: number, what: string): Promise<void> => {
    const target = acked.length + n;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: fewer than ${n} acks within 60 s`)), 60_000);
      const check = (): void => {
        if (acked.length < target) return;
        clearTimeout(timer);
        progress.removeEventListener('ack', check);
        resolve();
      };
      progress.addEventListener('ack', check);
      check();
    });
  };
  let paused = false;
  try {
    await moreAcks(20, 'before the pause');
    victim ??= await cluster.streamLeader(options.stream);
    assert.notEqual(victim, undefined, 'the stream has a leader');
    await cluster.kill(victim!, 'SIGSTOP');
    paused = true;
    const pausedAt = acked.length;
    const pausedTime = Date.now();
    // Paused past the election timeout: the other servers elected another leader.
    let newLeader: number | undefined;
    const deadline = Date.now() + 60_000;
    while (newLeader === undefined || newLeader === victim) {
      assert.ok(Date.now() < deadline, 'no new leader was elected while the leader was paused');
      await new Promise((r) => setTimeout(r, 250));
      newLeader = await cluster.streamLeader(options.stream);
    }
    const electedAfter = Date.now() - pausedTime;
    await moreAcks(20, 'while paused');
    const whilePaused = acked.length - pausedAt;
    await cluster.kill(victim!, 'SIGCONT');
    paused = false;
    await moreAcks(20, 'after resuming');
    t.diagnostic(
      `paused n${victim! + 1} (the stream leader); n${newLeader + 1} took over (seen ${electedAfter} ms after the ` +
        `pause); ${whilePaused} batches of ${size} ` +
        `acknowledged while it was paused; longest gap between acks ${longestGap} ms; ${failed.length} appends ` +
        `failed (${[...new Set(failed)].join(',')})`,
    );
  } finally {
    if (paused) await cluster.kill(victim!, 'SIGCONT');
    stop = true;
    await Promise.all(writers);
  }
  // Right after SIGCONT the cluster may still answer "temporarily unavailable" (a retriable storage error) while
  // the resumed server rejoins: the read-back retries those, within a deadline.
  const readDeadline = Date.now() + 60_000;
  let all: LogRecord[];
  for (;;) {
    try {
      all = await log.read(0, { maxRecords: 1_000_000, maxBytes: Number.MAX_SAFE_INTEGER });
      break;
    } catch (err) {
      if (!isStorageError(err) || !err.retriable || Date.now() > readDeadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  assertEachAckedOnceInOrder(all, acked, size, 3);
}

/** An acknowledged batch: its first offset, and the writer and batch its values name (`<writer>:<batch>:<i>`). */
interface AckedBatch {
  readonly first: number;
  readonly writer: number;
  readonly batch: number;
}

/**
 * What the failure tests promise of a shard's log after the fault: offsets dense from 0, no value stored twice, every
 * acknowledged batch's `size` records at its acknowledged offsets, and each writer's batches in the order it sent them.
 */
function assertEachAckedOnceInOrder(
  all: readonly LogRecord[],
  acked: readonly AckedBatch[],
  size: number,
  writers: number,
): void {
  assert.deepEqual(
    all.map((r) => r.offset),
    Array.from({ length: all.length }, (_, i) => i),
    'offsets are dense',
  );
  const dec = new TextDecoder();
  const values = all.map((r) => dec.decode(r.value));
  assert.equal(new Set(values).size, values.length, 'no record is stored twice');
  for (const a of acked) {
    for (let i = 0; i < size; i++) assert.equal(values[a.first + i], `${a.writer}:${a.batch}:${i}`);
  }
  for (let w = 0; w < writers; w++) {
    const mine = acked.filter((a) => a.writer === w).map((a) => a.first);
    assert.deepEqual(
      mine,
      [...mine].sort((x, y) => x - y),
      `writer ${w}'s batches are in order`,
    );
  }
}
