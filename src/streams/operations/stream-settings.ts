/**
 * Stream settings kept as state (validated, persisted, reflected in Describe*): enhanced monitoring,
 * capacity mode, maximum record size, warm throughput, resource policies.
 */
import { parsePolicy, PolicyError } from '../../auth/index.js';
import type { RequestContext, ResourceFacts } from '../../protocol/index.js';
import { StreamStatus } from '../catalog.js';
import { kinesisError } from '../errors.js';
import type { StreamsRuntime } from '../runtime.js';
import { shardLevelMetrics } from '../model/shard-view.js';
import { parseConsumerArn, parseStreamArn } from '../model/index.js';
import { consumerPolicyKey, consumerRegistry } from '../fan-out/consumers.js';
import type {
  DeleteResourcePolicyInput,
  DisableEnhancedMonitoringInput,
  EnableEnhancedMonitoringInput,
  EnhancedMonitoringOutput,
  GetResourcePolicyInput,
  GetResourcePolicyOutput,
  MetricsName,
  PutResourcePolicyInput,
  UpdateMaxRecordSizeInput,
  UpdateStreamModeInput,
  UpdateStreamWarmThroughputInput,
  UpdateStreamWarmThroughputOutput,
} from '../shapes/index.js';

/** The shard-level metrics `ALL` stands for, in AWS's order. */
const ALL_METRICS = [
  'IncomingBytes',
  'OutgoingRecords',
  'IteratorAgeMilliseconds',
  'IncomingRecords',
  'ReadProvisionedThroughputExceeded',
  'WriteProvisionedThroughputExceeded',
  'OutgoingBytes',
] as const satisfies readonly MetricsName[];

function expand(metrics: readonly MetricsName[]): MetricsName[] {
  return metrics.includes('ALL') ? [...ALL_METRICS] : [...new Set(metrics)];
}

async function changeMonitoring(
  rt: StreamsRuntime,
  input: EnableEnhancedMonitoringInput | DisableEnhancedMonitoringInput,
  ctx: RequestContext,
  enable: boolean,
): Promise<EnhancedMonitoringOutput> {
  const stream = rt.resolveStream(input, ctx);
  const change = expand(input.ShardLevelMetrics);
  let current: MetricsName[] = [];
  let desired: MetricsName[] = [];
  await rt.catalog.update(stream, (draft) => {
    rt.requireActive(draft);
    current = shardLevelMetrics(draft);
    desired = enable
      ? [...current, ...change.filter((m) => !current.includes(m))]
      : current.filter((m) => !change.includes(m));
    draft.shardLevelMetrics = desired;
  });
  return {
    StreamName: stream.name,
    StreamARN: stream.arn,
    CurrentShardLevelMetrics: current,
    DesiredShardLevelMetrics: desired,
  };
}

export function enableEnhancedMonitoring(
  rt: StreamsRuntime,
  input: EnableEnhancedMonitoringInput,
  ctx: RequestContext,
): Promise<EnhancedMonitoringOutput> {
  return changeMonitoring(rt, input, ctx, true);
}

export function disableEnhancedMonitoring(
  rt: StreamsRuntime,
  input: DisableEnhancedMonitoringInput,
  ctx: RequestContext,
): Promise<EnhancedMonitoringOutput> {
  return changeMonitoring(rt, input, ctx, false);
}

/** UpdateStreamMode: PROVISIONED ⇄ ON_DEMAND; the stream shows UPDATING for the update delay. */
export async function updateStreamMode(
  rt: StreamsRuntime,
  input: UpdateStreamModeInput,
  ctx: RequestContext,
): Promise<void> {
  const stream = rt.resolveStream(input, ctx);
  await rt.catalog.transition(stream, StreamStatus.UPDATING, rt.settings.updateStreamMs, (draft) => {
    rt.requireActive(draft);
    if (draft.mode === input.StreamModeDetails.StreamMode) {
      throw kinesisError(
        'InvalidArgumentException',
        `Stream ${draft.name} under account ${draft.accountId} is already in ${draft.mode} mode.`,
      );
    }
    draft.mode = input.StreamModeDetails.StreamMode;
    if (input.WarmThroughputMiBps !== undefined) draft.warmThroughputMiBps = input.WarmThroughputMiBps;
  });
}

/** UpdateMaxRecordSize: 1024–10240 KiB (the model bounds it); per-shard throughput is unchanged. */
export async function updateMaxRecordSize(
  rt: StreamsRuntime,
  input: UpdateMaxRecordSizeInput,
  ctx: RequestContext,
): Promise<void> {
  const stream = rt.resolveStream(input, ctx);
  await rt.catalog.transition(stream, StreamStatus.UPDATING, rt.settings.updateStreamMs, (draft) => {
    rt.requireActive(draft);
    draft.maxRecordSizeKiB = input.MaxRecordSizeInKiB;
  });
}

/** UpdateStreamWarmThroughput: on-demand streams only. */
export async function updateStreamWarmThroughput(
  rt: StreamsRuntime,
  input: UpdateStreamWarmThroughputInput,
  ctx: RequestContext,
): Promise<UpdateStreamWarmThroughputOutput> {
  const stream = rt.resolveStream(input, ctx);
  await rt.catalog.transition(stream, StreamStatus.UPDATING, rt.settings.updateStreamMs, (draft) => {
    rt.requireActive(draft);
    if (draft.mode !== 'ON_DEMAND') {
      throw kinesisError(
        'InvalidArgumentException',
        `Warm throughput can only be set on ON_DEMAND streams; stream ${draft.name} is ${draft.mode}.`,
      );
    }
    draft.warmThroughputMiBps = input.WarmThroughputMiBps;
  });
  return {
    StreamARN: stream.arn,
    StreamName: stream.name,
    WarmThroughput: { TargetMiBps: input.WarmThroughputMiBps, CurrentMiBps: input.WarmThroughputMiBps },
  };
}

const POLICY_PREFIX = 'policies/';

function policyTarget(rt: StreamsRuntime, resourceArn: string, ctx: RequestContext): string {
  // PutResourcePolicy API reference: the calling identity must belong to the owner's account. In enforce mode
  // the context's account is the verified caller's; authorization allowed the call, the ownership rule remains.
  const owner = resourceArn.split(':')[4];
  if (owner !== undefined && /^\d{12}$/.test(owner) && owner !== ctx.accountId) {
    // TODO(#8): AWS's message for a cross-account resource-policy call is not documented; this names the rule.
    throw kinesisError(
      'AccessDeniedException',
      `Account ${ctx.accountId} is not authorized to manage the resource policy of ${resourceArn}: only the owner's account can.`,
    );
  }
  // Consumer ARNs name a registered consumer; its policy lives beside the stream's.
  if (parseConsumerArn(resourceArn)) {
    const found = consumerRegistry(rt)?.resolveArn(resourceArn);
    if (!found) throw kinesisError('ResourceNotFoundException', `Resource ${resourceArn} not found.`);
    return consumerPolicyKey(found.consumer);
  }
  const arn = parseStreamArn(resourceArn);
  const stream = arn && rt.catalog.get(arn.accountId, arn.region, arn.streamName);
  if (!stream) throw kinesisError('ResourceNotFoundException', `Resource ${resourceArn} not found.`);
  return `${POLICY_PREFIX}${stream.id}`;
}

/**
 * PutResourcePolicy: the document must be a resource-based policy this server can evaluate (src/auth/policy.ts:
 * `Principal` required, known condition keys only), else InvalidArgumentException naming the problem; it is
 * stored verbatim and evaluated by the auth guard through {@link resourceFacts}.
 */
export async function putResourcePolicy(
  rt: StreamsRuntime,
  input: PutResourcePolicyInput,
  meta: PolicyStore,
  ctx: RequestContext,
): Promise<void> {
  const key = policyTarget(rt, input.ResourceARN, ctx);
  let document: unknown;
  try {
    document = JSON.parse(input.Policy);
  } catch {
    throw kinesisError('InvalidArgumentException', 'Policy is not valid JSON.');
  }
  try {
    parsePolicy(document, 'Policy', 'resource');
  } catch (e) {
    // TODO(#8): AWS's text for a policy it cannot accept is not documented; the message names the element.
    if (e instanceof PolicyError) throw kinesisError('InvalidArgumentException', `Invalid policy: ${e.message}`);
    throw e;
  }
  await meta.put(key, input.Policy);
}

export async function getResourcePolicy(
  rt: StreamsRuntime,
  input: GetResourcePolicyInput,
  meta: PolicyStore,
  ctx: RequestContext,
): Promise<GetResourcePolicyOutput> {
  const policy = await meta.get<string>(policyTarget(rt, input.ResourceARN, ctx));
  // AWS answers an empty policy document for a resource without one.
  return { Policy: policy ?? '{}' };
}

export async function deleteResourcePolicy(
  rt: StreamsRuntime,
  input: DeleteResourcePolicyInput,
  meta: PolicyStore,
  ctx: RequestContext,
): Promise<void> {
  const key = policyTarget(rt, input.ResourceARN, ctx);
  if ((await meta.get(key)) === undefined) {
    throw kinesisError('ResourceNotFoundException', `No resource policy found for resource ${input.ResourceARN}.`);
  }
  await meta.delete(key);
}

/**
 * What authorization needs about a stream or consumer (ServiceDefinition.resourceFacts): its stored resource
 * policy and its tags. Consumer resources given as `<stream ARN>/consumer/<name>:*` (the creation time is not
 * known before lookup, src/auth/resources.ts) are found by stream and name. Unknown resources have no facts.
 */
export async function resourceFacts(
  rt: StreamsRuntime,
  meta: PolicyStore,
  arn: string,
): Promise<ResourceFacts | undefined> {
  const named = /^(.+)\/consumer\/([^/:]+):\*$/.exec(arn);
  if (parseConsumerArn(arn) || named) {
    const registry = consumerRegistry(rt);
    let consumer = registry?.resolveArn(arn)?.consumer;
    if (named && registry) {
      const parts = parseStreamArn(named[1]!);
      const stream = parts && rt.catalog.get(parts.accountId, parts.region, parts.streamName);
      consumer = stream && registry.get(stream, named[2]!);
    }
    if (!consumer) return undefined;
    const policy = await meta.get<string>(consumerPolicyKey(consumer));
    return { tags: consumer.tags, ...(policy === undefined ? {} : { policy }) };
  }
  const parts = parseStreamArn(arn);
  const stream = parts && rt.catalog.get(parts.accountId, parts.region, parts.streamName);
  if (!stream) return undefined;
  const policy = await meta.get<string>(`${POLICY_PREFIX}${stream.id}`);
  return { tags: stream.tags, ...(policy === undefined ? {} : { policy }) };
}

/** The part of the MetaStore resource policies use. */
export interface PolicyStore {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<unknown>;
  delete(key: string): Promise<void>;
}
