/**
 * The case table of the differential test against kinesalite (test/streams/kinesalite-parity.test.ts), as data.
 *
 * Each world is one Tributary server and one kinesalite process started with the same delays, fed the same steps
 * in order. A step is a request sent to both; its answers must agree on status, `__type`, message and body (values
 * that differ by nature, such as sequence numbers, iterators and timestamps, only have to be present on both
 * sides). A step marked `intended` names a row of `AWS_DIFFERENCES` (src/streams/aws-differences.ts): there
 * Tributary follows the current AWS model or documentation, and the test checks that the two still differ.
 *
 * Placeholders in string values, resolved per side: `$<save>.<member>` is a member of the answer a previous step
 * saved under `save`. `{ waitFor }` polls DescribeStreamSummary on both sides until the stream has that status.
 */

export interface RequestStep {
  readonly op: string;
  readonly body: unknown;
  /** Keep this answer for `$<save>.<member>` placeholders in later steps. */
  readonly save?: string;
  /** Id of an `AWS_DIFFERENCES` row: Tributary follows AWS here, kinesalite answers otherwise. */
  readonly intended?: string;
  /** The message holds the current time: compare it with every run of digits replaced. */
  readonly timeInMessage?: boolean;
}

export interface WaitStep {
  readonly waitFor: { readonly stream: string; readonly status: string };
}

export type Step = RequestStep | WaitStep;

export interface World {
  readonly name: string;
  /** Delays of both servers (ms). */
  readonly createStreamMs: number;
  readonly updateStreamMs: number;
  readonly deleteStreamMs: number;
  readonly steps: readonly Step[];
}

/** Long enough that a transition never completes during the test. */
const FOREVER = 3_600_000;

const S0 = 'shardId-000000000000';
const S1 = 'shardId-000000000001';
/** A hash key in the upper half of the key space: shard 1 of a two-shard stream. */
const UPPER = '200000000000000000000000000000000000000';
const ITERATOR_OF_NOTHING =
  'AAAAAAAAAAFmaQMQA5dW0RFWulc9scgcaMHKeKAVnjaJMMdQnOgUFoSGqdr2bPCQ5rQ7sbVJALJwGWXxWVKyLg4aCujitaEBGZoRTSX7BVyxNCqhv2Vvtg==';
const TAB_KEY = 'a\tb';

const req = (op: string, body: unknown, extra: Partial<RequestStep> = {}): RequestStep => ({ op, body, ...extra });
const wait = (stream: string, status = 'ACTIVE'): WaitStep => ({ waitFor: { stream, status } });
const P = { StreamName: 'parity' };
/** kinesalite makes no state check for this operation; AWS needs the stream ACTIVE (or UPDATING). */
const STATE: Partial<RequestStep> = { intended: 'state-checks' };

/** The stream `parity` (2 shards, ACTIVE) and every request that does not need a stream in transition. */
const fast: World = {
  name: 'fast',
  createStreamMs: 0,
  updateStreamMs: 0,
  deleteStreamMs: 0,
  steps: [
    // CreateStream
    req('CreateStream', { StreamName: 'parity', ShardCount: 2 }),
    wait('parity'),
    req('CreateStream', { StreamName: 'parity', ShardCount: 2 }),
    req('CreateStream', { StreamName: 'x', ShardCount: 'a' }),
    req('CreateStream', { StreamName: 'x', ShardCount: true }),
    req('CreateStream', { StreamName: 1, ShardCount: 1 }),
    req('CreateStream', { StreamName: 'x'.repeat(129), ShardCount: 0 }),
    req('CreateStream', { StreamName: 'a b', ShardCount: 0 }),
    req('CreateStream', { StreamName: ['a'], ShardCount: 1 }),
    req('CreateStream', { StreamName: { a: 1 }, ShardCount: 1 }),
    req('CreateStream', { ShardCount: 1 }),
    req('CreateStream', { StreamName: 'x', ShardCount: 100000 }),
    req('CreateStream', { StreamName: 'x' }),
    req(
      'CreateStream',
      { StreamName: 'ondemand', StreamModeDetails: { StreamMode: 'ON_DEMAND' } },
      { intended: 'optional-shard-count' },
    ),
    // DescribeStream, DescribeStreamSummary, ListStreams
    req('DescribeStream', { StreamName: 'nope' }),
    req('DescribeStream', { StreamName: 'parity', Limit: 0 }),
    req('DescribeStream', { StreamName: 'parity', ExclusiveStartShardId: 'a'.repeat(129) }),
    req('DescribeStream', {}, { intended: 'stream-arn' }),
    req('DescribeStreamSummary', { StreamName: 'nope' }),
    req('DescribeStreamSummary', {}, { intended: 'stream-arn' }),
    req('ListStreams', { Limit: 0 }),
    req('ListStreams', { Limit: 'x' }),
    req('ListStreams', { ExclusiveStartStreamName: '' }),
    // PutRecord
    req('PutRecord', P),
    req('PutRecord', { ...P, PartitionKey: 'a', Data: 'abc' }),
    req('PutRecord', { ...P, PartitionKey: 'a', Data: 'ab!=' }),
    req('PutRecord', { ...P, PartitionKey: 'a', Data: 'YQ==', ExplicitHashKey: 'x' }),
    req('PutRecord', { ...P, PartitionKey: 'a', Data: 'YQ==', ExplicitHashKey: '-1' }, { intended: 'model-patterns' }),
    req('PutRecord', {
      ...P,
      PartitionKey: 'a',
      Data: 'YQ==',
      ExplicitHashKey: '340282366920938463463374607431768211456',
    }),
    req('PutRecord', { ...P, PartitionKey: '', Data: 'YQ==' }),
    req('PutRecord', { ...P, PartitionKey: 'k'.repeat(257), Data: 'YQ==' }),
    req('PutRecord', { ...P, PartitionKey: 'a', Data: 'YQ==', SequenceNumberForOrdering: 'abc' }),
    req('PutRecord', { ...P, PartitionKey: 'a', Data: 'YQ==', SequenceNumberForOrdering: '0' }),
    req(
      'PutRecord',
      { ...P, PartitionKey: 'a', Data: 'YQ==', SequenceNumberForOrdering: '-1' },
      { intended: 'model-patterns' },
    ),
    req('PutRecord', { StreamName: 'nope', PartitionKey: 'a', Data: 'YQ==' }),
    req('PutRecord', { PartitionKey: 'a', Data: 'YQ==' }, { intended: 'stream-arn' }),
    req('PutRecord', { ...P, PartitionKey: 'a', Data: 'YQ==' }, { save: 'r0' }),
    req('PutRecord', { ...P, PartitionKey: 'a', Data: 'YQ==', ExplicitHashKey: UPPER }, { save: 'r1' }),
    req('PutRecord', { ...P, PartitionKey: 'a', Data: 'YQ==', SequenceNumberForOrdering: '$r0.SequenceNumber' }),
    // PutRecords
    req('PutRecords', { ...P, Records: [] }),
    req('PutRecords', { ...P, Records: [{ PartitionKey: 'a' }, { Data: 'YQ==' }] }),
    req('PutRecords', { ...P, Records: {} }),
    req(
      'PutRecords',
      { ...P, Records: [{ PartitionKey: 'a', Data: 'YQ==', ExplicitHashKey: '-1' }] },
      { intended: 'model-patterns' },
    ),
    req('PutRecords', { StreamName: 'nope', Records: [{ PartitionKey: 'a', Data: 'YQ==' }] }),
    // GetShardIterator
    req('GetShardIterator', { ...P, ShardId: S0, ShardIteratorType: 'BAD' }),
    req('GetShardIterator', { ...P, ShardId: S0, ShardIteratorType: 'TRIM_HORIZON', StartingSequenceNumber: '123' }),
    req('GetShardIterator', { ...P, ShardId: S0, ShardIteratorType: 'LATEST', StartingSequenceNumber: '123' }),
    req('GetShardIterator', { ...P, ShardId: 'shardId-000000000005', ShardIteratorType: 'LATEST' }),
    req('GetShardIterator', { ...P, ShardId: 'shardId-2147483648', ShardIteratorType: 'LATEST' }),
    req('GetShardIterator', { ...P, ShardId: 'abc', ShardIteratorType: 'LATEST' }),
    req('GetShardIterator', { ...P, ShardId: S0, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: 'abc' }),
    req('GetShardIterator', { ...P, ShardId: S0, ShardIteratorType: 'AT_TIMESTAMP' }),
    req(
      'GetShardIterator',
      { ...P, ShardId: S0, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: 4102444800 },
      { timeInMessage: true },
    ),
    req('GetShardIterator', { ...P, ShardId: S0, ShardIteratorType: 'AT_SEQUENCE_NUMBER' }),
    req('GetShardIterator', { ...P, ShardId: S0, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' }),
    req('GetShardIterator', {
      ...P,
      ShardId: S0,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: 'x',
    }),
    req('GetShardIterator', {
      ...P,
      ShardId: S0,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: '5',
    }),
    req('GetShardIterator', {
      ...P,
      ShardId: S0,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: '$r1.SequenceNumber',
    }),
    req('GetShardIterator', {
      ...P,
      ShardId: S0,
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      StartingSequenceNumber: '$r0.SequenceNumber',
    }),
    req('GetShardIterator', { StreamName: 'nope', ShardId: S0, ShardIteratorType: 'LATEST' }),
    req('GetShardIterator', { StreamName: 'nope', ShardId: 'shardId-2147483648', ShardIteratorType: 'LATEST' }),
    req('GetShardIterator', { ...P, ShardId: S0, ShardIteratorType: 'TRIM_HORIZON' }, { save: 'it0' }),
    // GetRecords
    req('GetRecords', { ShardIterator: 'abc' }),
    req('GetRecords', { ShardIterator: ITERATOR_OF_NOTHING, Limit: 0 }),
    req('GetRecords', { ShardIterator: ITERATOR_OF_NOTHING }),
    req('GetRecords', { ShardIterator: '$it0.ShardIterator', Limit: 100001 }),
    req('GetRecords', {}),
    // ListShards
    req('ListShards', {}),
    req('ListShards', { StreamName: 'parity', MaxResults: 0 }),
    req('ListShards', { StreamName: 'parity', NextToken: 'abc' }),
    req('ListShards', { StreamName: 'nope' }),
    // Retention
    req('IncreaseStreamRetentionPeriod', { ...P, RetentionPeriodHours: 1 }),
    req('IncreaseStreamRetentionPeriod', { ...P, RetentionPeriodHours: 23 }),
    req('IncreaseStreamRetentionPeriod', { StreamName: 'nope', RetentionPeriodHours: 48 }),
    req('IncreaseStreamRetentionPeriod', { ...P, RetentionPeriodHours: 48 }),
    req('IncreaseStreamRetentionPeriod', { ...P, RetentionPeriodHours: 24 }),
    req('IncreaseStreamRetentionPeriod', { ...P, RetentionPeriodHours: 200 }, { intended: 'retention-8760' }),
    req('DecreaseStreamRetentionPeriod', { ...P, RetentionPeriodHours: 23 }),
    req('DecreaseStreamRetentionPeriod', { ...P, RetentionPeriodHours: 300 }, { intended: 'retention-8760' }),
    req('DecreaseStreamRetentionPeriod', { StreamName: 'nope', RetentionPeriodHours: 24 }),
    req('DecreaseStreamRetentionPeriod', { ...P, RetentionPeriodHours: 24 }),
    // Tags
    req('AddTagsToStream', { ...P, Tags: {} }),
    req('AddTagsToStream', { ...P, Tags: { '': 'a' } }),
    req('AddTagsToStream', { ...P, Tags: { a: 'v'.repeat(257) } }),
    req('AddTagsToStream', { ...P, Tags: { [TAB_KEY]: 'a' } }),
    req('AddTagsToStream', { ...P, Tags: { a: 'x\ny' } }),
    req('AddTagsToStream', { ...P, Tags: { 'a%b': 'a' } }),
    req('AddTagsToStream', { ...P, Tags: { a: '50%' } }),
    req('AddTagsToStream', { ...P, Tags: { 'a*b': 'a' } }),
    req('AddTagsToStream', { StreamName: 'nope', Tags: { a: 'b' } }),
    req('AddTagsToStream', { ...P, Tags: { 'é.ü/ =+-@_': 'ok' } }),
    req('AddTagsToStream', { ...P, Tags: { k1: 'v', k2: 'v', k3: 'v', k4: 'v', k5: 'v' } }),
    req('ListTagsForStream', { ...P, Limit: 0 }),
    req('ListTagsForStream', { ...P, Limit: 3, ExclusiveStartTagKey: 'k1' }),
    req('ListTagsForStream', { StreamName: 'nope' }),
    req('RemoveTagsFromStream', { ...P, TagKeys: [] }),
    req('RemoveTagsFromStream', { ...P, TagKeys: ['a%b'] }),
    req('RemoveTagsFromStream', { ...P, TagKeys: [TAB_KEY] }),
    req('RemoveTagsFromStream', { StreamName: 'nope', TagKeys: ['a'] }),
    req('RemoveTagsFromStream', { ...P, TagKeys: ['k1', 'missing'] }),
    req(
      'AddTagsToStream',
      {
        ...P,
        Tags: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])),
      },
      { intended: 'tag-limit-50' },
    ),
    // MergeShards, SplitShard (stream in ACTIVE)
    req('MergeShards', { ...P, ShardToMerge: S0, AdjacentShardToMerge: 'shardId-000000000005' }),
    req('MergeShards', { ...P, ShardToMerge: S0, AdjacentShardToMerge: 'shardId-2147483648' }),
    req('MergeShards', { ...P, ShardToMerge: S1, AdjacentShardToMerge: S0 }),
    req('MergeShards', { StreamName: 'nope', ShardToMerge: S0, AdjacentShardToMerge: S1 }),
    req('MergeShards', { StreamName: 'nope', ShardToMerge: 'shardId-2147483648', AdjacentShardToMerge: S1 }),
    req('SplitShard', { ...P, ShardToSplit: S0, NewStartingHashKey: '1' }),
    req('SplitShard', { ...P, ShardToSplit: S0, NewStartingHashKey: 'a' }),
    req('SplitShard', { ...P, ShardToSplit: S1, NewStartingHashKey: '340282366920938463463374607431768211455' }),
    req('SplitShard', { ...P, ShardToSplit: 'shardId-000000000005', NewStartingHashKey: '100' }),
    req('SplitShard', { ...P, ShardToSplit: 'shardId-2147483648', NewStartingHashKey: '100' }),
    req('SplitShard', { StreamName: 'nope', ShardToSplit: S0, NewStartingHashKey: '100' }),
    req('SplitShard', { StreamName: 'nope', ShardToSplit: 'shardId-2147483648', NewStartingHashKey: '100' }),
    // A merge, then the closed parents
    req('MergeShards', { ...P, ShardToMerge: S0, AdjacentShardToMerge: S1 }),
    wait('parity'),
    req('SplitShard', { ...P, ShardToSplit: S0, NewStartingHashKey: '100' }, { intended: 'closed-shards' }),
    req('MergeShards', { ...P, ShardToMerge: S0, AdjacentShardToMerge: S1 }, { intended: 'closed-shards' }),
    req('GetShardIterator', { ...P, ShardId: S0, ShardIteratorType: 'LATEST' }),
    req('PutRecord', { ...P, PartitionKey: 'a', Data: 'YQ==', SequenceNumberForOrdering: '$r0.SequenceNumber' }),
    // DeleteStream
    req('DeleteStream', { StreamName: 'nope' }),
    req('DeleteStream', {}, { intended: 'stream-arn' }),
    // Operations kinesalite does not implement
    req('DescribeLimits', {}, { intended: 'newer-operations' }),
    req(
      'ListStreamConsumers',
      { StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/parity' },
      {
        intended: 'newer-operations',
      },
    ),
  ],
};

/** Streams in UPDATING and DELETING: resharding and deletion never finish here. */
const slow: World = {
  name: 'slow',
  createStreamMs: 0,
  updateStreamMs: FOREVER,
  deleteStreamMs: FOREVER,
  steps: [
    req('CreateStream', { StreamName: 'updating', ShardCount: 2 }),
    req('CreateStream', { StreamName: 'deleting', ShardCount: 1 }),
    wait('updating'),
    wait('deleting'),
    req('SplitShard', { StreamName: 'updating', ShardToSplit: S0, NewStartingHashKey: '100' }),
    req('DeleteStream', { StreamName: 'deleting' }),
    wait('updating', 'UPDATING'),
    wait('deleting', 'DELETING'),
    ...['updating', 'deleting'].flatMap((name): Step[] => {
      const s = { StreamName: name };
      return [
        req('CreateStream', { ...s, ShardCount: 1 }),
        req('PutRecord', { ...s, PartitionKey: 'a', Data: 'YQ==' }),
        req('PutRecords', { ...s, Records: [{ PartitionKey: 'a', Data: 'YQ==' }] }),
        req('GetShardIterator', { ...s, ShardId: S0, ShardIteratorType: 'LATEST' }, name === 'deleting' ? STATE : {}),
        req('SplitShard', { ...s, ShardToSplit: S1, NewStartingHashKey: UPPER }),
        req('MergeShards', { ...s, ShardToMerge: S0, AdjacentShardToMerge: S1 }),
        req('AddTagsToStream', { ...s, Tags: { a: 'b' } }, name === 'deleting' ? STATE : {}),
        req('RemoveTagsFromStream', { ...s, TagKeys: ['a'] }, name === 'deleting' ? STATE : {}),
        req('ListTagsForStream', s),
        req('IncreaseStreamRetentionPeriod', { ...s, RetentionPeriodHours: 48 }, STATE),
        req('DecreaseStreamRetentionPeriod', { ...s, RetentionPeriodHours: 24 }, STATE),
        req('ListShards', s),
        req('DeleteStream', s),
      ];
    }),
  ],
};

/** A stream that stays CREATING. */
const creating: World = {
  name: 'creating',
  createStreamMs: FOREVER,
  updateStreamMs: 0,
  deleteStreamMs: 0,
  steps: [
    req('CreateStream', { StreamName: 'creating', ShardCount: 1 }),
    wait('creating', 'CREATING'),
    ...((): Step[] => {
      const s = { StreamName: 'creating' };
      return [
        req('CreateStream', { ...s, ShardCount: 1 }),
        req('PutRecord', { ...s, PartitionKey: 'a', Data: 'YQ==' }),
        req('PutRecords', { ...s, Records: [{ PartitionKey: 'a', Data: 'YQ==' }] }),
        req('GetShardIterator', { ...s, ShardId: S0, ShardIteratorType: 'LATEST' }),
        req('SplitShard', { ...s, ShardToSplit: S0, NewStartingHashKey: '100' }),
        req('MergeShards', { ...s, ShardToMerge: S0, AdjacentShardToMerge: S1 }),
        req('AddTagsToStream', { ...s, Tags: { a: 'b' } }, STATE),
        req('RemoveTagsFromStream', { ...s, TagKeys: ['a'] }, STATE),
        req('ListTagsForStream', s),
        req('IncreaseStreamRetentionPeriod', { ...s, RetentionPeriodHours: 48 }, STATE),
        req('DecreaseStreamRetentionPeriod', { ...s, RetentionPeriodHours: 24 }, STATE),
        req('ListShards', s, STATE),
        req('DescribeStream', s),
        req('DeleteStream', s),
      ];
    })(),
  ],
};

export const WORLDS: readonly World[] = [fast, slow, creating];
