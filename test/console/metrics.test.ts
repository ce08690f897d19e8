/**
 * The console's reading of /metrics (console/src/metrics.ts): the Prometheus text parser on the format's corner
 * cases, a stream's figures read from a real server's exposition after real puts and reads, the rates between two
 * readings (a counter reset included) and the bounded history the charts draw.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import {
  counterRates,
  parsePrometheusText,
  RateHistory,
  type StreamFigures,
  streamFigures,
} from '../../console/src/metrics.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('console metrics: Prometheus text parser', () => {
  it('reads names, labels with escapes, special values and timestamps; skips comments and bad lines', () => {
    const text = [
      '# HELP x_total A counter.',
      '# TYPE x_total counter',
      'x_total{a="1",b="q\\"uote",c="back\\\\slash",d="new\\nline"} 42',
      'plain 3.5 1700000000000',
      'spaced{ a="x" , } -1e3',
      'inf{le="+Inf"} +Inf',
      'ninf -Inf',
      'nan NaN',
      '',
      'broken{a="unterminated} 1',
      'novalue{a="1"}',
      'word{a="1"} abc',
    ].join('\n');
    const samples = parsePrometheusText(text);
    assert.deepEqual(
      samples.map((s) => [s.name, s.labels, s.value]),
      [
        ['x_total', { a: '1', b: 'q"uote', c: 'back\\slash', d: 'new\nline' }, 42],
        ['plain', {}, 3.5],
        ['spaced', { a: 'x' }, -1000],
        ['inf', { le: '+Inf' }, Number.POSITIVE_INFINITY],
        ['ninf', {}, Number.NEGATIVE_INFINITY],
        ['nan', {}, Number.NaN],
      ],
    );
    assert.deepEqual(
      parsePrometheusText(text, (name) => name === 'plain').map((s) => s.name),
      ['plain'],
    );
  });

  it('reads a label value that contains a brace, a comma and an equals sign', () => {
    const [s] = parsePrometheusText('m{stream_name="a},b=c",region="r"} 7\n');
    assert.deepEqual(s, { name: 'm', labels: { stream_name: 'a},b=c', region: 'r' }, value: 7 });
  });
});

describe('console metrics: a stream read from a real server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  it("finds the stream's incoming and outgoing counters and iterator age among other streams' series", async () => {
    const k = server.kinesis;
    await k.send(new CreateStreamCommand({ StreamName: 'charted', ShardCount: 1 }));
    await k.send(new CreateStreamCommand({ StreamName: 'charted-other', ShardCount: 1 }));
    const data = new Uint8Array(10);
    const entries = Array.from({ length: 3 }, () => ({ Data: data, PartitionKey: 'pk' })); // 10 + 2 bytes each
    await k.send(new PutRecordsCommand({ StreamName: 'charted', Records: entries }));
    await k.send(new PutRecordsCommand({ StreamName: 'charted-other', Records: [...entries, ...entries] }));
    const it0 = await k.send(
      new GetShardIteratorCommand({
        StreamName: 'charted',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const read = await k.send(new GetRecordsCommand({ ShardIterator: it0.ShardIterator, Limit: 2 }));
    assert.equal(read.Records?.length, 2);

    const text = await (await fetch(`${server.server.url}/metrics`)).text();
    // The account of the test credentials in open mode: check it from the series rather than assume it.
    const accountId = parsePrometheusText(text, (n) => n === 'aws_kinesis_incoming_records_total').find(
      (s) => s.labels['stream_name'] === 'charted',
    )?.labels['account_id'];
    assert.ok(accountId);
    const mine = streamFigures(text, { accountId, region: 'us-east-1', streamName: 'charted' });
    assert.equal(mine.incomingRecords, 3);
    assert.equal(mine.incomingBytes, 36);
    assert.equal(mine.outgoingRecords, 2);
    assert.equal(mine.outgoingBytes, 24); // data and partition key, as for incoming
    assert.equal(typeof mine.iteratorAgeMs, 'number');
    const other = streamFigures(text, { accountId, region: 'us-east-1', streamName: 'charted-other' });
    assert.equal(other.incomingRecords, 6);
    assert.equal(other.outgoingRecords, 0);
    // Another region's stream of the same name is another series.
    const elsewhere = streamFigures(text, { accountId, region: 'eu-west-1', streamName: 'charted' });
    assert.equal(elsewhere.incomingRecords, 0);
  });

  it("adds up the stream's enhanced fan-out consumers as one outgoing series, apart from GetRecords", async () => {
    const k = server.kinesis;
    await k.send(new CreateStreamCommand({ StreamName: 'fanned', ShardCount: 1 }));
    const arn = (await k.send(new DescribeStreamSummaryCommand({ StreamName: 'fanned' }))).StreamDescriptionSummary!
      .StreamARN!;
    await k.send(
      new PutRecordsCommand({
        StreamName: 'fanned',
        Records: ['a', 'bb', 'ccc'].map((d) => ({ PartitionKey: 'pk', Data: new TextEncoder().encode(d) })),
      }),
    );
    // Two consumers each read the three records pushed by SubscribeToShard.
    for (const name of ['fan-1', 'fan-2']) {
      const consumer = (await k.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: name })))
        .Consumer!;
      const out = await k.send(
        new SubscribeToShardCommand({
          ConsumerARN: consumer.ConsumerARN,
          ShardId: 'shardId-000000000000',
          StartingPosition: { Type: 'TRIM_HORIZON' },
        }),
      );
      const events = out.EventStream![Symbol.asyncIterator]();
      let received = 0;
      while (received < 3) {
        const { value, done } = await events.next();
        assert.ok(!done);
        received += value.SubscribeToShardEvent?.Records?.length ?? 0;
      }
      await events.return?.();
    }
    const text = await (await fetch(`${server.server.url}/metrics`)).text();
    const accountId = arn.split(':')[4]!;
    const figures = streamFigures(text, { accountId, region: 'us-east-1', streamName: 'fanned' });
    assert.equal(figures.fanOutRecords, 6);
    assert.equal(figures.fanOutBytes, 2 * (1 + 2 + 3 + 3 * 2)); // data plus partition key, per consumer
    assert.equal(figures.outgoingRecords, 0);
  });
});

describe('console metrics: rates and history', () => {
  const zero: StreamFigures = {
    incomingRecords: 0,
    incomingBytes: 0,
    outgoingRecords: 0,
    outgoingBytes: 0,
    iteratorAgeMs: 0,
    fanOutRecords: 0,
    fanOutBytes: 0,
  };

  it('divides counter increases by the seconds between readings and keeps the later iterator age', () => {
    const before = { ...zero, incomingRecords: 100, incomingBytes: 1000, outgoingRecords: 50, outgoingBytes: 500 };
    const after = {
      ...before,
      incomingRecords: 150,
      incomingBytes: 3000,
      iteratorAgeMs: 1234,
      fanOutRecords: 25,
      fanOutBytes: 250,
    };
    assert.deepEqual(counterRates(before, after, 5), {
      incomingRecords: 10,
      incomingBytes: 400,
      outgoingRecords: 0,
      outgoingBytes: 0,
      iteratorAgeMs: 1234,
      fanOutRecords: 5,
      fanOutBytes: 50,
    });
  });

  it('reads a counter that went down as reset: its increase is its new value', () => {
    const before = { ...zero, incomingRecords: 500 };
    const after = { ...zero, incomingRecords: 20 };
    assert.equal(counterRates(before, after, 2).incomingRecords, 10);
    assert.equal(counterRates(before, after, 0).incomingRecords, 0);
  });

  it('keeps the last N points, column by column, dropping the oldest', () => {
    const h = new RateHistory(3);
    for (let i = 1; i <= 5; i++) {
      h.push(i, {
        incomingRecords: i,
        incomingBytes: 10 * i,
        outgoingRecords: 0,
        outgoingBytes: 0,
        iteratorAgeMs: 0,
        fanOutRecords: i,
        fanOutBytes: 0,
      });
    }
    assert.equal(h.length, 3);
    assert.deepEqual(h.times, [3, 4, 5]);
    assert.deepEqual(h.columns.incomingRecords, [3, 4, 5]);
    assert.deepEqual(h.columns.incomingBytes, [30, 40, 50]);
    assert.deepEqual(h.columns.fanOutRecords, [3, 4, 5]);
  });
});
