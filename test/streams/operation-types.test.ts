/**
 * The generated operation types (src/streams/shapes/kinesis-types.generated.ts): compile-time checks of a few
 * shapes and of the typed handlers against the operation map, and a run-time check that the map names every
 * operation of the runtime model. The compile-time part fails `npm run build`, not a test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../../src/protocol/index.js';
import type { MetaStore } from '../../src/storage/index.js';
import type { StreamsRuntime } from '../../src/streams/runtime.js';
import {
  kinesisModel,
  type KinesisOperations,
  type PutRecordsInput,
  type PutRecordsRequestEntry,
  type StreamStatus,
  type StreamSummary,
  type _Record,
} from '../../src/streams/shapes/index.js';
import { describeAccountSettings, updateAccountSettings } from '../../src/streams/operations/account-settings.js';
import { createStream } from '../../src/streams/operations/create-stream.js';
import { deleteStream } from '../../src/streams/operations/delete-stream.js';
import { describeStream } from '../../src/streams/operations/describe-stream.js';
import { describeStreamSummary } from '../../src/streams/operations/describe-stream-summary.js';
import { describeLimits } from '../../src/streams/operations/limits.js';
import { listShards } from '../../src/streams/operations/list-shards.js';
import { listStreams } from '../../src/streams/operations/list-streams.js';
import {
  decreaseStreamRetentionPeriod,
  increaseStreamRetentionPeriod,
} from '../../src/streams/operations/retention.js';
import {
  deleteResourcePolicy,
  disableEnhancedMonitoring,
  enableEnhancedMonitoring,
  getResourcePolicy,
  putResourcePolicy,
  updateMaxRecordSize,
  updateStreamMode,
  updateStreamWarmThroughput,
} from '../../src/streams/operations/stream-settings.js';
import {
  addTagsToStream,
  listTagsForResource,
  listTagsForStream,
  removeTagsFromStream,
  tagResource,
  untagResource,
} from '../../src/streams/operations/tags.js';
import type { ReshardingEnv } from '../../src/streams/resharding/checks.js';
import { mergeShards } from '../../src/streams/resharding/merge-shards.js';
import { splitShard } from '../../src/streams/resharding/split-shard.js';
import { updateShardCount } from '../../src/streams/resharding/update-shard-count.js';
import {
  deregisterStreamConsumer,
  describeStreamConsumer,
  listStreamConsumers,
  registerStreamConsumer,
  type ConsumerOperationContext,
} from '../../src/streams/fan-out/consumer-operations.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

// --- Shapes -------------------------------------------------------------------------------------------

const entry: PutRecordsRequestEntry = { Data: new Uint8Array([1, 2, 3]), PartitionKey: 'pk' };
const putRecords: PutRecordsInput = {
  StreamName: 'orders',
  Records: [entry, { Data: Buffer.from('x'), PartitionKey: 'pk', ExplicitHashKey: '0' }],
};
// @ts-expect-error PartitionKey is a required member of PutRecordsRequestEntry
const missingKey: PutRecordsRequestEntry = { Data: new Uint8Array() };
// @ts-expect-error Records is a required member of PutRecordsInput
const missingRecords: PutRecordsInput = { StreamName: 'orders' };
// @ts-expect-error input lists are readonly: handlers must not change their input
putRecords.Records.push(entry);
// @ts-expect-error enums are unions of the model's values
const badStatus: StreamStatus = 'BROKEN';
const summary: StreamSummary = {
  StreamName: 'orders',
  StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders',
  StreamStatus: 'ACTIVE',
  // @ts-expect-error timestamps are Date values (the output encoders write only Dates as timestamps)
  StreamCreationTimestamp: 1_764_000_000,
};
const record: _Record = { SequenceNumber: '1', Data: new Uint8Array(), PartitionKey: 'pk' };
void [missingKey, missingRecords, badStatus, summary, record];

assertType<Equal<KinesisOperations['PutRecords']['input'], PutRecordsInput>>();
assertType<Equal<KinesisOperations['CreateStream']['output'], void>>();
assertType<Equal<KinesisOperations['ListShards']['input']['StreamCreationTimestamp'], Date | undefined>>();
assertType<Equal<KinesisOperations['GetRecords']['output']['Records'], _Record[]>>();

// --- Handlers against the operation map ------------------------------------------------------------------

/** A handler of `Op` as the server calls it: the operation's decoded input in, its output (or a promise) out. */
type Typed<Op extends keyof KinesisOperations> = (
  input: KinesisOperations[Op]['input'],
) => KinesisOperations[Op]['output'] | Promise<KinesisOperations[Op]['output']>;

/** Never called: it only has to compile, wiring each typed handler the way src/streams/index.ts does. */
export function typedHandlers(
  rt: StreamsRuntime,
  ctx: RequestContext,
  meta: MetaStore,
  env: ReshardingEnv,
  fo: ConsumerOperationContext,
): { [Op in keyof KinesisOperations]?: Typed<Op> } {
  return {
    AddTagsToStream: (i) => addTagsToStream(rt, i, ctx),
    CreateStream: (i) => createStream(rt, i, ctx),
    DecreaseStreamRetentionPeriod: (i) => decreaseStreamRetentionPeriod(rt, i, ctx),
    DeleteResourcePolicy: (i) => deleteResourcePolicy(rt, i, meta, ctx),
    DeleteStream: (i) => deleteStream(rt, i, ctx),
    DeregisterStreamConsumer: (i) => deregisterStreamConsumer(fo, i, ctx),
    DescribeAccountSettings: () => describeAccountSettings(meta, ctx, 0),
    DescribeLimits: (i) => describeLimits(rt, i, ctx),
    DescribeStream: (i) => describeStream(rt, i, ctx),
    DescribeStreamConsumer: (i) => describeStreamConsumer(fo, i, ctx),
    DescribeStreamSummary: (i) => describeStreamSummary(rt, i, ctx),
    DisableEnhancedMonitoring: (i) => disableEnhancedMonitoring(rt, i, ctx),
    EnableEnhancedMonitoring: (i) => enableEnhancedMonitoring(rt, i, ctx),
    GetResourcePolicy: (i) => getResourcePolicy(rt, i, meta, ctx),
    IncreaseStreamRetentionPeriod: (i) => increaseStreamRetentionPeriod(rt, i, ctx),
    ListShards: (i) => listShards(rt, i, ctx),
    ListStreamConsumers: (i) => listStreamConsumers(fo, i, ctx),
    ListStreams: (i) => listStreams(rt, i, ctx),
    ListTagsForResource: (i) => listTagsForResource(rt, i),
    ListTagsForStream: (i) => listTagsForStream(rt, i, ctx),
    MergeShards: (i) => mergeShards(env, i, ctx),
    PutResourcePolicy: (i) => putResourcePolicy(rt, i, meta, ctx),
    RegisterStreamConsumer: (i) => registerStreamConsumer(fo, i, ctx),
    RemoveTagsFromStream: (i) => removeTagsFromStream(rt, i, ctx),
    SplitShard: (i) => splitShard(env, i, ctx),
    TagResource: (i) => tagResource(rt, i),
    UntagResource: (i) => untagResource(rt, i),
    UpdateAccountSettings: (i) => updateAccountSettings(meta, i, ctx, 0),
    UpdateMaxRecordSize: (i) => updateMaxRecordSize(rt, i, ctx),
    UpdateShardCount: (i) => updateShardCount(env, i, ctx),
    UpdateStreamMode: (i) => updateStreamMode(rt, i, ctx),
    UpdateStreamWarmThroughput: (i) => updateStreamWarmThroughput(rt, i, ctx),
  };
}

// --- The operation map covers the model ----------------------------------------------------------------

/** Exactly the keys of KinesisOperations: a missing or extra name does not compile. */
const OPERATION_NAMES: { readonly [Op in keyof KinesisOperations]: true } = {
  AddTagsToStream: true,
  CreateStream: true,
  DecreaseStreamRetentionPeriod: true,
  DeleteResourcePolicy: true,
  DeleteStream: true,
  DeregisterStreamConsumer: true,
  DescribeAccountSettings: true,
  DescribeLimits: true,
  DescribeStream: true,
  DescribeStreamConsumer: true,
  DescribeStreamSummary: true,
  DisableEnhancedMonitoring: true,
  EnableEnhancedMonitoring: true,
  GetRecords: true,
  GetResourcePolicy: true,
  GetShardIterator: true,
  IncreaseStreamRetentionPeriod: true,
  ListShards: true,
  ListStreamConsumers: true,
  ListStreams: true,
  ListTagsForResource: true,
  ListTagsForStream: true,
  MergeShards: true,
  PutRecord: true,
  PutRecords: true,
  PutResourcePolicy: true,
  RegisterStreamConsumer: true,
  RemoveTagsFromStream: true,
  SplitShard: true,
  StartStreamEncryption: true,
  StopStreamEncryption: true,
  SubscribeToShard: true,
  TagResource: true,
  UntagResource: true,
  UpdateAccountSettings: true,
  UpdateMaxRecordSize: true,
  UpdateShardCount: true,
  UpdateStreamMode: true,
  UpdateStreamWarmThroughput: true,
};

test('KinesisOperations names exactly the operations of the runtime model', () => {
  assert.deepEqual(Object.keys(OPERATION_NAMES).sort(), Object.keys(kinesisModel.operations).sort());
});

/** Operations whose map entry says `output: void`. */
type VoidOutput = {
  [Op in keyof KinesisOperations]: KinesisOperations[Op]['output'] extends void ? Op : never;
}[keyof KinesisOperations];

/** Exactly the operations with `output: void`: a missing or extra name does not compile. */
const VOID_OUTPUT: { readonly [Op in VoidOutput]: true } = {
  AddTagsToStream: true,
  CreateStream: true,
  DecreaseStreamRetentionPeriod: true,
  DeleteResourcePolicy: true,
  DeleteStream: true,
  DeregisterStreamConsumer: true,
  IncreaseStreamRetentionPeriod: true,
  MergeShards: true,
  PutResourcePolicy: true,
  RemoveTagsFromStream: true,
  SplitShard: true,
  StartStreamEncryption: true,
  StopStreamEncryption: true,
  TagResource: true,
  UntagResource: true,
  UpdateMaxRecordSize: true,
  UpdateStreamMode: true,
};

test('KinesisOperations says output: void exactly for the operations without an output shape', () => {
  const withoutOutput = Object.entries(kinesisModel.operations)
    .filter(([, op]) => op.output === undefined)
    .map(([name]) => name);
  assert.deepEqual(Object.keys(VOID_OUTPUT).sort(), withoutOutput.sort());
});
