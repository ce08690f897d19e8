/**
 * What each operation is authorized against: the IAM action (`<prefix>:<Operation>`) and the
 * resource ARNs, as data per service plus a small resolver. Source: the Service Authorization
 * Reference, "Actions, resources, and condition keys for Amazon Kinesis Data Streams" (resource
 * types `stream` and `consumer`; `*` for account-level actions). Pure code.
 *
 * A service without a table here can supply its own {@link ServiceAuthorization}; operations a
 * table does not list are authorized against `*`, so only a policy granting every resource
 * allows them (never more than the author wrote).
 */

/** Where the request is scoped: the caller's region and account. */
export interface AuthorizationScope {
  readonly region: string;
  readonly accountId: string;
}

/** How one operation finds its resource in the decoded input. */
export type ResourceRule =
  /** `*`: account-level operations (ListStreams, DescribeLimits, …). */
  | { readonly kind: 'account' }
  /** A stream: `StreamARN`, else built from `StreamName`. */
  | { readonly kind: 'stream' }
  /** A consumer: `ConsumerARN`, else `<StreamARN>/consumer/<ConsumerName>:*`. */
  | { readonly kind: 'consumer' }
  /** Any ARN given in a member (`ResourceARN`, `ChannelARN`), else `*`. */
  | { readonly kind: 'arn'; readonly member: string }
  /** The resource is only known to the service (GetRecords' iterator encodes its stream). */
  | { readonly kind: 'service' };

/** The authorization data of one service. */
export interface ServiceAuthorization {
  /** IAM action prefix, e.g. `kinesis`. */
  readonly actionPrefix: string;
  /** Resource rule per operation; missing operations use `account` (`*`). */
  readonly rules: Readonly<Record<string, ResourceRule>>;
  /**
   * For `service` rules: the resource ARNs, found by the service itself (e.g. by decoding a shard
   * iterator). Undefined or returning undefined → every stream of the caller's account
   * (`arn:…:stream/*`), which only a policy covering all streams allows.
   */
  readonly resolve?: (
    operation: string,
    input: Readonly<Record<string, unknown>>,
    scope: AuthorizationScope,
  ) => readonly string[] | undefined;
}

const account = { kind: 'account' } as const;
const stream = { kind: 'stream' } as const;
const consumer = { kind: 'consumer' } as const;

/** Kinesis Data Streams: every operation of the 2013-12-02 API and its resource type. */
export const KINESIS_AUTHORIZATION: ServiceAuthorization = {
  actionPrefix: 'kinesis',
  rules: {
    AddTagsToStream: stream,
    CreateStream: stream,
    DecreaseStreamRetentionPeriod: stream,
    DeleteStream: stream,
    DescribeStream: stream,
    DescribeStreamSummary: stream,
    DisableEnhancedMonitoring: stream,
    EnableEnhancedMonitoring: stream,
    GetShardIterator: stream,
    IncreaseStreamRetentionPeriod: stream,
    ListShards: stream,
    ListStreamConsumers: stream,
    ListTagsForStream: stream,
    MergeShards: stream,
    PutRecord: stream,
    PutRecords: stream,
    RegisterStreamConsumer: stream,
    RemoveTagsFromStream: stream,
    SplitShard: stream,
    StartStreamEncryption: stream,
    StopStreamEncryption: stream,
    UpdateShardCount: stream,
    UpdateStreamMode: stream,
    UpdateStreamWarmThroughput: stream,
    UpdateMaxRecordSize: stream,
    UpdateStreamRecordDistributionStrategy: stream,
    GetRecords: { kind: 'service' },
    DescribeStreamConsumer: consumer,
    DeregisterStreamConsumer: consumer,
    SubscribeToShard: consumer,
    TagResource: { kind: 'arn', member: 'ResourceARN' },
    UntagResource: { kind: 'arn', member: 'ResourceARN' },
    ListTagsForResource: { kind: 'arn', member: 'ResourceARN' },
    PutResourcePolicy: { kind: 'arn', member: 'ResourceARN' },
    GetResourcePolicy: { kind: 'arn', member: 'ResourceARN' },
    DeleteResourcePolicy: { kind: 'arn', member: 'ResourceARN' },
    DescribeChannel: { kind: 'arn', member: 'ChannelARN' },
    DeleteChannel: { kind: 'arn', member: 'ChannelARN' },
    UpdateChannel: { kind: 'arn', member: 'ChannelARN' },
    ListStreams: account,
    DescribeLimits: account,
    DescribeAccountSettings: account,
    UpdateAccountSettings: account,
    ListChannels: account,
    CreateChannel: account,
  },
};

/** Built-in tables by service name (ServiceDefinition.name). */
export const AUTHORIZATION_TABLES: Readonly<Record<string, ServiceAuthorization>> = { kinesis: KINESIS_AUTHORIZATION };

/** `aws`, `aws-cn` or `aws-us-gov`, from the region name (AWS partitions). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The IAM action and resource ARNs of one call. */
export interface ResolvedAuthorization {
  readonly action: string;
  readonly resources: readonly string[];
}

/**
 * Resolves action and resources:
 * 1. action = `<actionPrefix>:<operation>`;
 * 2. resource by the operation's rule (default `account` → `*`);
 * 3. stream: `StreamARN` if given, else `arn:<partition>:<prefix>:<region>:<account>:stream/<StreamName>`;
 * 4. consumer: `ConsumerARN`, else `<stream ARN>/consumer/<ConsumerName>:*` (the creation time is unknown);
 * 5. service: the service's resolver, else `…:stream/*`.
 */
export function resolveAuthorization(
  table: ServiceAuthorization,
  operation: string,
  input: Readonly<Record<string, unknown>>,
  scope: AuthorizationScope,
): ResolvedAuthorization {
  const action = `${table.actionPrefix}:${operation}`;
  const rule = table.rules[operation] ?? account;
  const base = `arn:${partitionOf(scope.region)}:${table.actionPrefix}:${scope.region}:${scope.accountId}`;
  const text = (name: string): string | undefined => {
    const v = input[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const streamArn = (): string => text('StreamARN') ?? `${base}:stream/${text('StreamName') ?? '*'}`;
  switch (rule.kind) {
    case 'account':
      return { action, resources: ['*'] };
    case 'stream':
      return { action, resources: [streamArn()] };
    case 'consumer':
      return { action, resources: [text('ConsumerARN') ?? `${streamArn()}/consumer/${text('ConsumerName') ?? '*'}:*`] };
    case 'arn':
      return { action, resources: [text(rule.member) ?? '*'] };
    case 'service':
      return { action, resources: table.resolve?.(operation, input, scope) ?? [`${base}:stream/*`] };
  }
}
