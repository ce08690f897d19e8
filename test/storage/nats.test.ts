/**
 * The storage conformance suite on NATS JetStream: a real 3-node loopback cluster (test/storage/nats-harness.ts,
 * on free ports), three replicas per stream and bucket. One cluster serves every case of this file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storageConformance } from '../../src/storage/conformance/index.js';
import { destroyNatsData, natsCapabilities, openNatsBackend, versionAtLeast } from '../../src/storage/nats/index.js';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { type NatsCluster, natsServerMissing, startNatsCluster } from './nats-harness.js';

const skip = natsServerMissing();
let cluster: NatsCluster | undefined;
let time = 1_700_000_000_000;

if (!skip) {
  before(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
  });
  after(async () => {
    await cluster?.stop();
  });

  storageConformance('nats (3 nodes, R3)', {
    open: () => openNatsBackend({ servers: cluster!.urls, replicas: 3, prefix: 'CONF', now: () => time }),
    reset: () => destroyNatsData(cluster!.urls, 'CONF'),
    advanceClock: (ms: number) => {
      time += ms;
    },
    concurrentOpen: true,
  });
}

describe('nats backend specifics', { skip }, () => {
  it('capabilities follow the server version', () => {
    const old = natsCapabilities('2.9.10', 3);
    assert.equal(old.backend, 'nats');
    assert.equal(old.replicated, true);
    assert.deepEqual(
      Object.entries(old.features).filter(([, on]) => on),
      [],
    );
    const v211 = natsCapabilities('2.11.4', 1);
    assert.equal(v211.replicated, false);
    assert.equal(v211.features.batchDirectGet, true);
    assert.equal(v211.features.atomicBatch, false);
    assert.equal(versionAtLeast('2.10.23', '2.10.0'), true);
    assert.equal(versionAtLeast('2.9.10', '2.10.0'), false);
  });

  it('a metadata bucket made with one revision per key keeps 16 once a backend opens it (change feed, ADR 0036)', async () => {
    await destroyNatsData(cluster!.urls, 'UPG');
    const nc = await connect({ servers: [...cluster!.urls] });
    try {
      await new Kvm(nc).create('UPG_meta', { replicas: 3, history: 1, allow_direct: false });
      const b = await openNatsBackend({ servers: cluster!.urls, replicas: 3, prefix: 'UPG' });
      await b.close();
      const { config } = await (await jetstreamManager(nc)).streams.info('KV_UPG_meta');
      assert.equal(config.max_msgs_per_subject, 16);
    } finally {
      await nc.close();
      await destroyNatsData(cluster!.urls, 'UPG');
    }
  });

  it('a record appended through one connection is read through another, with dense offsets across writers', async () => {
    await destroyNatsData(cluster!.urls, 'XNODE');
    const a = await openNatsBackend({ servers: [cluster!.urls[0]!], replicas: 3, prefix: 'XNODE' });
    const b = await openNatsBackend({ servers: [cluster!.urls[2]!], replicas: 3, prefix: 'XNODE' });
    try {
      const la = await a.logs.open('shared');
      const lb = await b.logs.open('shared');
      await la.append([{ key: 'k', value: new Uint8Array([1]) }], 1000);
      // b's view is stale (it opened an empty log): its append is chained after a's record, not over it.
      const r = await lb.append(
        [
          { key: 'k', value: new Uint8Array([2]) },
          { key: 'k', value: new Uint8Array([3]) },
        ],
        500,
      );
      assert.deepEqual(r, { firstOffset: 1, timestamp: 1000 });
      const seen = await la.read(0, { maxRecords: 10, maxBytes: 1e6 });
      assert.deepEqual(
        seen.map((x) => [x.offset, x.value[0], x.timestamp]),
        [
          [0, 1, 1000],
          [1, 2, 1000],
          [2, 3, 1000],
        ],
      );
      assert.equal(la.nextOffset, 3, 'reading past the known end refreshes the view');
      await b.meta.put('doc', { v: 1 });
      assert.deepEqual(await a.meta.get('doc'), { v: 1 });
      const lease = await a.leases.acquire('job', 'node-a', 60_000);
      assert.ok(lease);
      assert.equal(await b.leases.acquire('job', 'node-b', 60_000), undefined);
      assert.equal(await b.leases.holder('job'), 'node-a');
    } finally {
      await Promise.all([a.close(), b.close()]);
      await destroyNatsData(cluster!.urls, 'XNODE');
    }
  });
});
