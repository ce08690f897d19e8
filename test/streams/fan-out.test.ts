/**
 * Enhanced fan-out end to end with the default @aws-sdk/client-kinesis v3 client (HTTP/2, h2c):
 * consumer registration and its errors, SubscribeToShard pushing records, continuation, the 5-second
 * rule, exception messages surfacing inside `for await`, DeleteStream with consumers, persistence.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  ListStreamConsumersCommand,
  ListTagsForResourceCommand,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
  TagResourceCommand,
  type KinesisClient,
  type StartingPosition,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rejects } from '../helpers/assert.js';

const ACCOUNT = '000000000000';
const enc = new TextEncoder();
const dec = new TextDecoder();

type Events = AsyncIterator<SubscribeToShardEventStream>;

async function subscribe(
  kinesis: KinesisClient,
  consumerArn: string,
  position: StartingPosition,
  shardId = 'shardId-000000000000',
): Promise<Events> {
  const res = await kinesis.send(
    new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: position }),
  );
  return res.EventStream![Symbol.asyncIterator]();
}

/** Reads events until `count` records arrived; returns their data and the last event's continuation. */
async function records(
  events: Events,
  count: number,
): Promise<{ data: string[]; continuation: string; millisBehind: number }> {
  const data: string[] = [];
  let continuation = '';
  let millisBehind = -1;
  while (data.length < count) {
    const { value, done } = await events.next();
    assert.ok(!done, 'event stream ended early');
    const event = value.SubscribeToShardEvent;
    assert.ok(event, `unexpected event ${JSON.stringify(value)}`);
    for (const r of event.Records ?? []) data.push(dec.decode(r.Data));
    continuation = event.ContinuationSequenceNumber!;
    millisBehind = event.MillisBehindLatest!;
  }
  return { data, continuation, millisBehind };
}

describe('enhanced fan-out with the AWS SDK v3', () => {
  let t: TestServer;
  let kinesis: KinesisClient;
  let streamArn: string;
  before(async () => {
    t = await startTestServer();
    kinesis = t.kinesis;
    await kinesis.send(new CreateStreamCommand({ StreamName: 'efo', ShardCount: 1 }));
    streamArn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/efo`;
  });
  after(async () => {
    await t.close();
  });

  const put = (data: string, stream = 'efo') =>
    kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: 'k', Data: enc.encode(data) }));
  const register = async (name: string, arn = streamArn) =>
    (await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: name }))).Consumer!;

  describe('consumers', () => {
    it('registers, describes, lists and deregisters a consumer', async () => {
      const c = await register('app-1');
      assert.equal(c.ConsumerName, 'app-1');
      assert.match(c.ConsumerARN!, new RegExp(`^${streamArn}/consumer/app-1:\\d+$`));
      assert.equal(c.ConsumerStatus, 'ACTIVE'); // --create-stream-ms 0: ACTIVE at once
      assert.ok(c.ConsumerCreationTimestamp instanceof Date);

      const byArn = (await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: c.ConsumerARN })))
        .ConsumerDescription!;
      assert.equal(byArn.StreamARN, streamArn);
      assert.equal(byArn.ConsumerARN, c.ConsumerARN);
      const byName = (
        await kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'app-1' }))
      ).ConsumerDescription!;
      assert.deepEqual(byName, byArn);

      const summary = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'efo' })))
        .StreamDescriptionSummary!;
      assert.equal(summary.ConsumerCount, 1);

      await kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: c.ConsumerARN }));
      await rejects(
        kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: c.ConsumerARN })),
        'ResourceNotFoundException',
      );
    });

    it('pages ListStreamConsumers with MaxResults and NextToken', async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'efo-list', ShardCount: 1 }));
      const arn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/efo-list`;
      for (const name of ['c', 'a', 'b']) await register(name, arn);
      const first = await kinesis.send(new ListStreamConsumersCommand({ StreamARN: arn, MaxResults: 2 }));
      assert.deepEqual(
        first.Consumers!.map((c) => c.ConsumerName),
        ['a', 'b'],
      );
      assert.ok(first.NextToken);
      const second = await kinesis.send(
        new ListStreamConsumersCommand({ StreamARN: arn, MaxResults: 2, NextToken: first.NextToken }),
      );
      assert.deepEqual(
        second.Consumers!.map((c) => c.ConsumerName),
        ['c'],
      );
      assert.equal(second.NextToken, undefined);
      await rejects(
        kinesis.send(new ListStreamConsumersCommand({ StreamARN: arn, StreamCreationTimestamp: new Date(1000) })),
        'ResourceNotFoundException',
      );
    });

    it('rejects duplicate names, unknown consumers and streams, and a 21st consumer', async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'efo-limit', ShardCount: 1 }));
      const arn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/efo-limit`;
      await register('dup', arn);
      await rejects(register('dup', arn), 'ResourceInUseException', /Consumer dup .*already exists/);
      for (let i = 1; i < 20; i++) await register(`c${i}`, arn);
      await rejects(register('one-too-many', arn), 'LimitExceededException');

      await rejects(
        kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'nobody' })),
        'ResourceNotFoundException',
      );
      await rejects(
        kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: `${arn}/consumer/nobody:1700000000` })),
        'ResourceNotFoundException',
      );
      await rejects(
        register('x', `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/missing`),
        'ResourceNotFoundException',
        `Stream missing under account ${ACCOUNT} not found.`,
      );
      await rejects(
        subscribe(kinesis, `${arn}/consumer/nobody:1700000000`, { Type: 'LATEST' }),
        'ResourceNotFoundException',
      );
    });

    it('tags consumers through their ARN', async () => {
      const c = await register('tagged');
      await kinesis.send(new TagResourceCommand({ ResourceARN: c.ConsumerARN, Tags: { team: 'data' } }));
      const tags = await kinesis.send(new ListTagsForResourceCommand({ ResourceARN: c.ConsumerARN }));
      assert.deepEqual(tags.Tags, [{ Key: 'team', Value: 'data' }]);
      await kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: c.ConsumerARN }));
    });

    it('deletes a stream with consumers only with EnforceConsumerDeletion', async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'efo-del', ShardCount: 1 }));
      const arn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/efo-del`;
      const c = await register('reader', arn);
      const events = await subscribe(kinesis, c.ConsumerARN!, { Type: 'LATEST' });
      await rejects(kinesis.send(new DeleteStreamCommand({ StreamName: 'efo-del' })), 'ResourceInUseException');
      await kinesis.send(new DeleteStreamCommand({ StreamName: 'efo-del', EnforceConsumerDeletion: true }));
      // The open subscription ends with an exception message, thrown inside the event loop.
      await rejects(
        (async () => {
          for (;;) {
            const { done } = await events.next();
            if (done) return;
          }
        })(),
        'ResourceNotFoundException',
      );
      // A stream re-created under the same name starts without consumers.
      await kinesis.send(new CreateStreamCommand({ StreamName: 'efo-del', ShardCount: 1 }));
      const list = await kinesis.send(new ListStreamConsumersCommand({ StreamARN: arn }));
      assert.deepEqual(list.Consumers, []);
    });
  });

  describe('SubscribeToShard', () => {
    it('pushes records written after the subscription started', async () => {
      const c = await register('live');
      const events = await subscribe(kinesis, c.ConsumerARN!, { Type: 'LATEST' });
      await put('one');
      const two = await put('two');
      const got = await records(events, 2);
      assert.deepEqual(got.data, ['one', 'two']);
      // ContinuationSequenceNumber is the last record delivered.
      assert.equal(got.continuation, two.SequenceNumber);
      assert.equal(got.millisBehind, 0);
      await events.return?.();
    });

    it('delivers from TRIM_HORIZON and resumes after a re-subscribe with AFTER_SEQUENCE_NUMBER', async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'efo-resume', ShardCount: 1 }));
      const arn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/efo-resume`;
      for (const d of ['a', 'b', 'c']) await put(d, 'efo-resume');
      const reader = await register('reader', arn);
      const reader2 = await register('reader2', arn);

      const first = await subscribe(kinesis, reader.ConsumerARN!, { Type: 'TRIM_HORIZON' });
      const got = await records(first, 3);
      assert.deepEqual(got.data, ['a', 'b', 'c']);
      await first.return?.();

      for (const d of ['d', 'e']) await put(d, 'efo-resume');
      // A second consumer resumes from the first one's continuation point (no 5-second rule across consumers).
      const resumed = await subscribe(kinesis, reader2.ConsumerARN!, {
        Type: 'AFTER_SEQUENCE_NUMBER',
        SequenceNumber: got.continuation,
      });
      assert.deepEqual((await records(resumed, 2)).data, ['d', 'e']);
      await resumed.return?.();

      // AT_TIMESTAMP from the epoch starts at the oldest record.
      const third = await register('reader3', arn);
      const fromTime = await subscribe(kinesis, third.ConsumerARN!, { Type: 'AT_TIMESTAMP', Timestamp: new Date(0) });
      assert.deepEqual((await records(fromTime, 5)).data, ['a', 'b', 'c', 'd', 'e']);
      await fromTime.return?.();

      await rejects(
        subscribe(kinesis, third.ConsumerARN!, { Type: 'AT_SEQUENCE_NUMBER' }, 'shardId-000000000000'),
        'InvalidArgumentException',
      );
      await rejects(
        subscribe(kinesis, third.ConsumerARN!, { Type: 'LATEST' }, 'shardId-000000000009'),
        'ResourceNotFoundException',
      );
    });

    it('ends a subscription with an exception message when its consumer is deregistered', async () => {
      const c = await register('leaving');
      const events = await subscribe(kinesis, c.ConsumerARN!, { Type: 'LATEST' });
      await kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: c.ConsumerARN }));
      await rejects(
        (async () => {
          for (;;) {
            const { done } = await events.next();
            if (done) return;
          }
        })(),
        'ResourceNotFoundException',
      );
    });

    it('refuses a second subscription within 5 s and lets one after 5 s take over', { timeout: 20_000 }, async () => {
      const c = await register('twice');
      const old = await subscribe(kinesis, c.ConsumerARN!, { Type: 'LATEST' });
      await rejects(
        subscribe(kinesis, c.ConsumerARN!, { Type: 'LATEST' }),
        'ResourceInUseException',
        /^Another active subscription exists for this consumer/,
      );
      await new Promise((resolve) => setTimeout(resolve, 5_100));
      const fresh = await subscribe(kinesis, c.ConsumerARN!, { Type: 'LATEST' });
      await rejects(
        (async () => {
          for (;;) {
            const { done } = await old.next();
            if (done) return;
          }
        })(),
        'ResourceInUseException',
      );
      await put('after-takeover');
      assert.deepEqual((await records(fresh, 1)).data, ['after-takeover']);
      await fresh.return?.();
    });
  });
});

describe('enhanced fan-out across restarts', () => {
  it('keeps consumers, limits CREATING consumers to 5 and refuses subscriptions until ACTIVE', async () => {
    const first = await startTestServer();
    await first.kinesis.send(new CreateStreamCommand({ StreamName: 'slow', ShardCount: 1 }));
    await first.close(false);

    // Consumers now stay CREATING for a minute (they follow --create-stream-ms).
    const slow = await startTestServer({ createStreamMs: 60_000 }, first.dataDir);
    const arn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/slow`;
    try {
      const created = [];
      for (let i = 0; i < 5; i++) {
        const c = (
          await slow.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: `c${i}` }))
        ).Consumer!;
        assert.equal(c.ConsumerStatus, 'CREATING');
        created.push(c);
      }
      await rejects(
        slow.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'sixth' })),
        'LimitExceededException',
      );
      await rejects(
        subscribe(slow.kinesis, created[0]!.ConsumerARN!, { Type: 'LATEST' }),
        'ResourceInUseException',
        /is not in ACTIVE status/,
      );
    } finally {
      await slow.close(false);
    }

    // After another restart the consumers are still there.
    const again = await startTestServer({}, first.dataDir);
    try {
      const list = (await again.kinesis.send(new ListStreamConsumersCommand({ StreamARN: arn }))).Consumers!;
      assert.deepEqual(
        list.map((c) => c.ConsumerName),
        ['c0', 'c1', 'c2', 'c3', 'c4'],
      );
      // Their transition is due 60 s after registration (persisted), so they are still CREATING.
      assert.ok(list.every((c) => c.ConsumerStatus === 'CREATING'));
    } finally {
      await again.close();
    }
  });
});
