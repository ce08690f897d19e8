/**
 * A failed append's late publish must not fork the replicas of a shard log (docs/adr/0049), on a real 3-node cluster.
 *
 * nats-server 2.9.10 judged `Nats-Expected-Last-Msg-Id` on each replica's own last message id, which a replica that
 * caught up from a snapshot does not restore (`processCatchupMsg` sets the last sequence, not the last id; the id
 * stays the one of the first record it caught up). A publish of a failed append that arrives late (a reconnecting
 * client flushes it, a resumed server delivers it) and expects that id was refused by the leader and stored by that
 * replica alone, at the sequence the leader then gave an acknowledged record: reads that replica answered returned
 * the failed record there. The case, step by step, with the fault-injection seam `wrapPublish` holding a publish back:
 * 1. a record every replica holds; a follower killed; an append of two records fails, its first stored, its second's
 *    publish held back; more than 8 MiB written, so the leader compacts its Raft log;
 * 2. the follower restarted catches up from a snapshot;
 * 3. the held publish is delivered, then one more record is acknowledged;
 * 4. direct gets through every node (any replica may answer) find exactly the acknowledged records at their offsets.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type NatsPublisher, openNatsBackend } from '../../src/storage/nats/index.js';
import { StorageError, StorageErrorCode, type StorageBackend } from '../../src/storage/index.js';
import { type NatsCluster, natsServerMissing, startNatsCluster } from './nats-harness.js';

const skip = natsServerMissing();
const STREAM = 'DIV_L_div';
const MARK = 'HELD-BACK';
/** What each small record's value contains. */
const LABELS = [MARK, 'after', 'first', 'zero'];

/** Polls `check` every 100 ms until it holds (rejects after 60 s, naming `what`). */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function contains(data: Uint8Array | null, text: string): boolean {
  return data !== null && Buffer.from(data).includes(text);
}

describe('nats replicas after a late publish', { skip }, () => {
  let cluster: NatsCluster;
  let backend: StorageBackend | undefined;
  before(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
  });
  after(async () => {
    await backend?.close();
    await cluster?.stop();
  });

  it("a failed append's publish delivered after a follower caught up from a snapshot stores nothing on any replica", async () => {
    /** The first attempt of the held publish, to deliver later. */
    let held: (() => Promise<unknown>) | undefined;
    backend = await openNatsBackend({
      servers: cluster.urls,
      replicas: 3,
      prefix: 'DIV',
      attemptTimeoutMs: 2000,
      appendDeadlineMs: 5000,
      wrapPublish: (publisher: NatsPublisher): NatsPublisher => ({
        publish(subject, payload, msgId, expect, timeoutMs) {
          if (!Buffer.from(payload).includes(MARK))
            return publisher.publish(subject, payload, msgId, expect, timeoutMs);
          held ??= () => publisher.publish(subject, payload, msgId, expect, timeoutMs).catch(() => undefined);
          // Lost in transit as far as the writer knows: no acknowledgement within the attempt's time.
          return new Promise((_, reject) =>
            setTimeout(
              () => reject(new StorageError(StorageErrorCode.unavailable, 'held back by the test')),
              timeoutMs,
            ),
          );
        },
      }),
    });
    const log = await backend.logs.open('div');
    const enc = new TextEncoder();
    const leader = await cluster.streamLeader(STREAM);
    assert.notEqual(leader, undefined, 'the stream has a leader');
    const follower = [0, 1, 2].find((i) => i !== leader)!;
    const other = [0, 1, 2].find((i) => i !== leader && i !== follower)!;

    // 1. A record every replica holds; then a follower is down while an append's first record is stored and its
    // second publish never arrives (the append fails), and while more than the leader keeps in its Raft log is
    // written (it compacts past 8 MiB).
    await log.append([{ key: 'k', value: enc.encode('zero') }], 0);
    await until(
      'the follower applied the first record',
      async () => (await cluster.replicaLastSeq(follower, STREAM)) === 1,
    );
    await cluster.kill(follower, 'SIGKILL');
    await assert.rejects(
      log.append(
        [
          { key: 'k', value: enc.encode('first') },
          { key: 'k', value: enc.encode(MARK) },
        ],
        1,
      ),
      (err: unknown) => err instanceof StorageError && err.code === StorageErrorCode.unavailable,
    );
    assert.ok(held, 'the second publish was held back');
    // Random bytes: the server compresses Raft entries, and compressible records would not fill its log.
    const big = randomBytes(1024 * 1024);
    for (let i = 0; i < 9; i++) await log.append([{ key: 'k', value: big }], 2 + i);
    // 2. Restarted, the follower catches up from a snapshot.
    await cluster.restart(follower);
    const end = (await cluster.replicaLastSeq(leader!, STREAM))!;
    await until('the follower caught up', async () => (await cluster.replicaLastSeq(follower, STREAM)) === end);

    // 3. The held publish arrives late; then one more record is acknowledged.
    await held!();
    const r = await log.append([{ key: 'k', value: enc.encode('after') }], 20);
    await until(
      'every replica applied the last record',
      async () =>
        (await cluster.replicaLastSeq(follower, STREAM))! >= r.firstOffset + 1 &&
        (await cluster.replicaLastSeq(other, STREAM))! >= r.firstOffset + 1,
    );

    // 4. Whichever replica answers a read (direct gets go to any of them), it holds the acknowledged records at
    // their offsets and the failed one nowhere: ten reads of each sequence through each node.
    const answers = new Map<number, Set<string>>();
    for (let seq = 1; seq <= r.firstOffset + 1; seq++) {
      const seen = new Set<string>();
      for (const node of [0, 1, 2])
        for (let k = 0; k < 10; k++) {
          const data = await cluster.directGet(node, STREAM, seq);
          seen.add(data === null ? 'nothing' : (LABELS.find((l) => contains(data, l)) ?? 'big'));
        }
      answers.set(seq, seen);
    }
    const expected = new Map<number, Set<string>>([
      [1, new Set(['zero'])],
      [2, new Set(['first'])],
    ]);
    for (let seq = 3; seq <= r.firstOffset; seq++) expected.set(seq, new Set(['big']));
    expected.set(r.firstOffset + 1, new Set(['after']));
    assert.deepEqual(answers, expected, `the copies the replicas serve (n${follower + 1} caught up from a snapshot)`);
    const all = await log.read(0, { maxRecords: 100, maxBytes: Number.MAX_SAFE_INTEGER });
    assert.equal(all.length, r.firstOffset + 1, 'offsets are dense');
    assert.equal(Buffer.from(all[r.firstOffset]!.value).toString(), 'after');
    assert.ok(!all.some((x) => Buffer.from(x.value).includes(MARK)), 'the failed record is nowhere');
  });
});
