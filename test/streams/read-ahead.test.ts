/**
 * GetRecords' read-ahead (src/streams/read-ahead.ts): answers served from a batch read ahead are the ones a
 * direct read gives, including when records were appended at the tip meanwhile, when retention passed the
 * batch, and when a consumer asks from another position or with another Limit.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { cborCodec, encodeCborOutput, encodeJsonOutput, jsonCodec } from '../../src/protocol/index.js';
import { kinesisModel } from '../../src/streams/shapes/index.js';
import { ManualClock, openInProcessService, type InProcessService } from '../helpers/service.js';

const STREAM = 'ahead';
const HOUR = 3_600_000;

describe('GetRecords read-ahead', () => {
  let dir: string;
  let clock: ManualClock;
  let svc: InProcessService;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-read-ahead-'));
    clock = new ManualClock();
    svc = await openInProcessService(dir, clock);
    await svc.call('CreateStream', { StreamName: STREAM, ShardCount: 1 });
  });
  afterEach(async () => {
    await svc.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes `n` records whose data is `prefix` + index, in PutRecords batches of up to 500. */
  async function write(n: number, prefix: string): Promise<void> {
    for (let i = 0; i < n; i += 500) {
      const records = [];
      for (let k = i; k < Math.min(n, i + 500); k++) {
        records.push({ Data: Buffer.from(`${prefix}${k}`), PartitionKey: `pk${k % 7}` });
      }
      const out = await svc.call('PutRecords', { StreamName: STREAM, Records: records });
      assert.equal(out.FailedRecordCount, 0);
    }
  }

  async function iterator(type = 'TRIM_HORIZON'): Promise<string> {
    const out = await svc.call('GetShardIterator', {
      StreamName: STREAM,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: type,
    });
    return out.ShardIterator;
  }

  const data = (out: { Records: { Data: Uint8Array }[] }): string[] =>
    out.Records.map((r) => Buffer.from(r.Data).toString());

  it('a consumer following NextShardIterator gets every record once, in order, from batches read ahead', async () => {
    await write(2_345, 'r');
    let it = await iterator();
    const seen: string[] = [];
    const sequence: string[] = [];
    for (;;) {
      const out = await svc.call('GetRecords', { ShardIterator: it, Limit: 100 });
      seen.push(...data(out));
      sequence.push(...out.Records.map((r: { SequenceNumber: string }) => r.SequenceNumber));
      if (out.Records.length === 0) break;
      it = out.NextShardIterator;
      await svc.svc.readAhead.idle();
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 2_345 }, (_, i) => `r${i}`),
    );
    assert.deepEqual(
      sequence,
      [...sequence].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
    );
    const stats = svc.svc.readAhead.stats();
    // 23 full batches are followed by a read-ahead; all but the first call are answered from one.
    assert.equal(stats.scheduled, 23);
    assert.equal(stats.served, 23);
  });

  it("a JSON consumer gets the text made ahead straight from the log, equal to the record objects' text; a CBOR consumer gets none made", async () => {
    await write(1_000, 'j');
    const json = (out: unknown): string => encodeJsonOutput(out, kinesisModel, 'GetRecords').toString('utf8');
    const records = (out: unknown): unknown => (JSON.parse(json(out)) as { Records: unknown }).Records;
    // The reference: the same reads answered with record objects (no codec), encoded by the shape-compiled encoder.
    const reference: unknown[] = [];
    let it = await iterator();
    for (;;) {
      const out = await svc.call('GetRecords', { ShardIterator: it, Limit: 300 });
      reference.push(JSON.parse(json({ ...out, Records: [...out.Records] })).Records);
      if (out.Records.length === 0) break;
      it = out.NextShardIterator;
    }
    await svc.svc.readAhead.idle();
    const before = svc.svc.readAhead.stats();
    it = await iterator();
    const seen: unknown[] = [];
    for (;;) {
      const out = await svc.call('GetRecords', { ShardIterator: it, Limit: 300 }, jsonCodec);
      seen.push(records(out));
      if (out.Records.length === 0) break;
      it = out.NextShardIterator;
      await svc.svc.readAhead.idle();
    }
    assert.deepEqual(seen, reference);
    assert.equal(
      (seen.flat() as { Data: string }[]).map((r) => Buffer.from(r.Data, 'base64').toString()).join(),
      Array.from({ length: 1_000 }, (_, i) => `j${i}`).join(),
    );
    // Three full batches are each followed by a read-ahead, made as JSON text since each answer before it was JSON.
    assert.equal(svc.svc.readAhead.stats().prepared - before.prepared, 3);
    assert.equal(svc.svc.readAhead.stats().served - before.served, 3);
    const prepared = svc.svc.readAhead.stats().prepared;
    it = await iterator();
    for (let i = 0; i < 3; i++) {
      const out = await svc.call('GetRecords', { ShardIterator: it, Limit: 300 }, cborCodec);
      encodeCborOutput(out);
      it = out.NextShardIterator;
      await svc.svc.readAhead.idle();
    }
    assert.equal(svc.svc.readAhead.stats().prepared, prepared);
  });

  it('a batch read ahead as JSON text is not served to a CBOR request from its position: that one gets records', async () => {
    await write(500, 'c');
    const first = await svc.call('GetRecords', { ShardIterator: await iterator(), Limit: 200 }, jsonCodec);
    encodeJsonOutput(first, kinesisModel, 'GetRecords');
    await svc.svc.readAhead.idle(); // the batch read ahead holds c200…c399 as JSON text only
    const dropped = svc.svc.readAhead.stats().dropped;
    const second = await svc.call('GetRecords', { ShardIterator: first.NextShardIterator, Limit: 200 }, cborCodec);
    assert.deepEqual(
      data(second),
      Array.from({ length: 200 }, (_, i) => `c${200 + i}`),
    );
    assert.equal(svc.svc.readAhead.stats().dropped, dropped + 1);
  });

  it('a batch that reached the tip is not served once records were appended after it', async () => {
    await write(150, 'a');
    const first = await svc.call('GetRecords', { ShardIterator: await iterator(), Limit: 100 });
    assert.equal(first.Records.length, 100);
    await svc.svc.readAhead.idle(); // the batch read ahead holds a100…a149, the tip then
    await write(30, 'b');
    const second = await svc.call('GetRecords', { ShardIterator: first.NextShardIterator, Limit: 100 });
    assert.deepEqual(data(second), [
      ...Array.from({ length: 50 }, (_, i) => `a${100 + i}`),
      ...Array.from({ length: 30 }, (_, i) => `b${i}`),
    ]);
    assert.equal(svc.svc.readAhead.stats().dropped, 1);
    assert.equal(second.MillisBehindLatest, 0);
  });

  it('a batch that reached the tip is served when nothing was appended, and the shard end is decided then', async () => {
    await write(130, 'a');
    const first = await svc.call('GetRecords', { ShardIterator: await iterator(), Limit: 100 });
    await svc.svc.readAhead.idle();
    const second = await svc.call('GetRecords', { ShardIterator: first.NextShardIterator, Limit: 100 });
    assert.deepEqual(
      data(second),
      Array.from({ length: 30 }, (_, i) => `a${100 + i}`),
    );
    assert.equal(svc.svc.readAhead.stats().served, 1);
    assert.equal(second.MillisBehindLatest, 0);
    assert.equal(typeof second.NextShardIterator, 'string');
  });

  it('a call with another Limit or position drops the batch and reads directly', async () => {
    await write(400, 'a');
    const first = await svc.call('GetRecords', { ShardIterator: await iterator(), Limit: 100 });
    await svc.svc.readAhead.idle();
    const other = await svc.call('GetRecords', { ShardIterator: first.NextShardIterator, Limit: 50 });
    assert.deepEqual(
      data(other),
      Array.from({ length: 50 }, (_, i) => `a${100 + i}`),
    );
    const stats = svc.svc.readAhead.stats();
    assert.equal(stats.served, 0);
    assert.equal(stats.dropped, 1);
  });

  it('a batch whose records passed retention meanwhile is not served', async () => {
    await write(300, 'old');
    // Just before the 24-hour retention ends for the records written above.
    clock.t += 24 * HOUR - 60_000;
    const first = await svc.call('GetRecords', { ShardIterator: await iterator(), Limit: 100 });
    assert.equal(first.Records.length, 100);
    await svc.svc.readAhead.idle(); // old100…old199 read ahead while still retained
    await write(20, 'new');
    clock.t += 120_000; // every `old` record is now past retention
    const second = await svc.call('GetRecords', { ShardIterator: first.NextShardIterator, Limit: 100 });
    assert.deepEqual(
      data(second),
      Array.from({ length: 20 }, (_, i) => `new${i}`),
    );
    assert.equal(svc.svc.readAhead.stats().served, 0);
  });
});
