/**
 * What each operation is authorized against: the IAM action (`<prefix>:<Operation>`) and the resource ARNs.
 * Each service declares a {@link ResourceRule} per operation in its operation traits (src/protocol/service.ts);
 * {@link authorizationTable} turns a service's declarations into the table {@link resolveAuthorization} reads.
 * Source of the rules: the Service Authorization Reference, e.g. "Actions, resources, and condition keys for
 * Amazon Kinesis Data Streams" (resource types `stream` and `consumer`; `*` for account-level actions). Pure code.
 *
 * Operations a table does not list are authorized against `*`, so only a policy granting every resource
 * allows them (never more than the author wrote).
 */
import type { OperationTraits, ResourceFacts, ResourceRule } from '../protocol/index.js';

/** Where the request is scoped: the caller's region and account. */
export interface AuthorizationScope {
  readonly region: string;
  readonly accountId: string;
}

/** The authorization data of one service. */
export interface ServiceAuthorization {
  /** IAM action prefix, e.g. `kinesis`. */
  readonly actionPrefix: string;
  /** Resource rule per operation; missing operations use `account` (`*`). */
  readonly rules: Readonly<Record<string, ResourceRule>>;
  /** IAM action per operation when it is not `<actionPrefix>:<Operation>`. */
  readonly actions?: Readonly<Record<string, string>>;
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
  /** Input member carrying the request's tags, per operation (trait `requestTags`). */
  readonly requestTags?: Readonly<Record<string, string>>;
  /** The resource policy and tags of an existing resource (ServiceDefinition.resourceFacts). */
  readonly facts?: (arn: string) => ResourceFacts | undefined | Promise<ResourceFacts | undefined>;
}

const account = { kind: 'account' } as const;

/**
 * The authorization table of one service from its operations' traits (`resource`, `action`), plus the
 * service's resolver for `service` rules.
 */
export function authorizationTable(
  actionPrefix: string,
  operations: Readonly<Record<string, { readonly traits?: OperationTraits }>>,
  resolve?: ServiceAuthorization['resolve'],
  facts?: ServiceAuthorization['facts'],
): ServiceAuthorization {
  const rules: Record<string, ResourceRule> = {};
  const actions: Record<string, string> = {};
  const requestTags: Record<string, string> = {};
  for (const [operation, { traits }] of Object.entries(operations)) {
    if (traits?.resource !== undefined) rules[operation] = traits.resource;
    if (traits?.action !== undefined) actions[operation] = traits.action;
    if (traits?.requestTags !== undefined) requestTags[operation] = traits.requestTags;
  }
  return { actionPrefix, rules, actions, requestTags, ...(resolve ? { resolve } : {}), ...(facts ? { facts } : {}) };
}

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
 * The account that owns a resource: the fifth field of its ARN (`arn:aws:kinesis:<region>:<account>:…`);
 * undefined for `*` and for ARNs without an account.
 */
export function resourceAccount(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

/**
 * Resolves action and resources:
 * 1. action = the operation's declared action, else `<actionPrefix>:<operation>`;
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
  const action = table.actions?.[operation] ?? `${table.actionPrefix}:${operation}`;
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
    case 'named': {
      const name = text(rule.member);
      return { action, resources: [name === undefined ? '*' : `${base}:${rule.type}/${name}`] };
    }
    case 'service':
      return { action, resources: table.resolve?.(operation, input, scope) ?? [`${base}:stream/*`] };
  }
}
