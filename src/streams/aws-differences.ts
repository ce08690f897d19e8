/**
 * Where Tributary follows AWS rather than kinesalite (docs/errors.md): behaviour that the current API model or AWS documentation
 * changed after kinesalite 3.3.3 learned its rules from AWS. Rendered into docs/errors.md; the differential test
 * (test/streams/kinesalite-parity.test.ts) names a row for every case that is meant to differ and checks that it
 * still does.
 */

export interface AwsDifference {
  /** Stable id the differential test refers to. */
  readonly id: string;
  /** Operations concerned. */
  readonly operations: string;
  /** What Tributary does (AWS's behaviour today). */
  readonly tributary: string;
  /** What kinesalite does. */
  readonly kinesalite: string;
  /** The AWS documentation page or model shape that says so. */
  readonly source: string;
}

export const AWS_DIFFERENCES: readonly AwsDifference[] = [
  {
    id: 'stream-arn',
    operations: 'every stream operation',
    tributary:
      'StreamName is optional when StreamARN is given; with neither, InvalidArgumentException "Either StreamName or StreamARN should be provided."',
    kinesalite: 'ValidationException: StreamName must not be null',
    source:
      'API model: StreamARN member of every stream input (e.g. DescribeStreamInput); API reference, DescribeStream',
  },
  {
    id: 'optional-shard-count',
    operations: 'CreateStream',
    tributary:
      'ShardCount may be left out for an ON_DEMAND stream (StreamModeDetails); a provisioned stream still needs it',
    kinesalite: 'ValidationException: ShardCount must not be null',
    source: 'API model: CreateStreamInput.ShardCount is optional; API reference, CreateStream (StreamModeDetails)',
  },
  {
    id: 'retention-8760',
    operations: 'IncreaseStreamRetentionPeriod, DecreaseStreamRetentionPeriod',
    tributary: 'RetentionPeriodHours up to 8,760 hours (365 days)',
    kinesalite: 'ValidationException above 168 hours',
    source:
      'API reference, IncreaseStreamRetentionPeriod ("maximum value of a stream\'s retention period is 8760 hours")',
  },
  {
    id: 'tag-limit-50',
    operations: 'AddTagsToStream',
    tributary: 'at most 50 tags per stream; LimitExceededException above',
    kinesalite: 'InvalidArgumentException "... cannot have more than 10 tags associated with it."',
    source:
      'API model: AddTagsToStream errors include LimitExceededException; Developer Guide, "Tag your Amazon Kinesis Data Streams resources" (50 tags)',
  },
  {
    id: 'model-patterns',
    operations: 'PutRecord, PutRecords',
    tributary:
      'ValidationException when ExplicitHashKey or SequenceNumberForOrdering does not match the model\'s pattern (e.g. "-1")',
    kinesalite:
      'InvalidArgumentException "Invalid ExplicitHashKey. …" / "ExclusiveMinimumSequenceNumber … is invalid."',
    source: 'API model: HashKey pattern 0|([1-9]\\d{0,38}), SequenceNumber pattern 0|([1-9]\\d{0,128})',
  },
  {
    id: 'state-checks',
    operations:
      'AddTagsToStream, RemoveTagsFromStream, Increase/DecreaseStreamRetentionPeriod, ListShards, GetShardIterator',
    tributary:
      'ResourceInUseException "… not ACTIVE, instead in state …" for a stream being created (tags, retention, ListShards), deleted (tags, retention) or resharded (retention); GetShardIterator on a DELETING stream answers the shard as not found',
    kinesalite: 'makes no state check: these succeed',
    source:
      'API reference of each operation, Errors: ResourceInUseException ("the resource must be in the ACTIVE state"); ResourceNotFoundException for GetShardIterator',
  },
  {
    id: 'closed-shards',
    operations: 'SplitShard, MergeShards',
    tributary:
      'InvalidArgumentException "Shard … has already been merged or split, and thus is not eligible for merging or splitting." for a closed shard',
    kinesalite: 'splits or merges the closed shard again',
    source:
      'API reference, SplitShard and MergeShards (only open shards can be split or merged); Developer Guide, "Reshard a stream"',
  },
  {
    id: 'new-response-fields',
    operations: 'DescribeStream, DescribeStreamSummary, ListStreams, PutRecord, PutRecords, ListShards',
    tributary:
      'answers the members the current model adds (StreamModeDetails, StreamSummaries, EncryptionType, StreamARN, ConsumerCount, MaxRecordSizeInKiB, …)',
    kinesalite: 'leaves them out',
    source: 'API model: StreamDescription, StreamDescriptionSummary, ListStreamsOutput, PutRecordOutput shapes',
  },
  {
    id: 'newer-operations',
    operations: 'DescribeLimits, consumers, encryption, monitoring, policies, account settings and later operations',
    tributary: 'implemented as in the current model',
    kinesalite: 'UnknownOperationException',
    source: 'API model 2013-12-02 (botocore data/kinesis/2013-12-02/service-2.json), operations list',
  },
];
