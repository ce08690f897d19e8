/**
 * Stream settings kept as state (validated, persisted, reflected in Describe*): enhanced monitoring,
 * capacity mode, maximum record size, warm throughput, resource policies.
 */
import type { RequestContext } from '../../protocol/index.js';
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

function policyTarget(rt: StreamsRuntime, resourceArn: string): string {
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

/** PutResourcePolicy: stored verbatim (evaluation of resource policies belongs to the auth layer). */
export async function putResourcePolicy(
  rt: StreamsRuntime,
  input: PutResourcePolicyInput,
  meta: PolicyStore,
): Promise<void> {
  const key = policyTarget(rt, input.ResourceARN);
  try {
    JSON.parse(input.Policy);
  } catch {
    throw kinesisError('InvalidArgumentException', 'Policy is not valid JSON.');
  }
  await meta.put(key, input.Policy);
}

export async function getResourcePolicy(
  rt: StreamsRuntime,
  input: GetResourcePolicyInput,
  meta: PolicyStore,
): Promise<GetResourcePolicyOutput> {
  const policy = await meta.get<string>(policyTarget(rt, input.ResourceARN));
  // AWS answers an empty policy document for a resource without one.
  return { Policy: policy ?? '{}' };
}

export async function deleteResourcePolicy(
  rt: StreamsRuntime,
  input: DeleteResourcePolicyInput,
  meta: PolicyStore,
): Promise<void> {
  const key = policyTarget(rt, input.ResourceARN);
  if ((await meta.get(key)) === undefined) {
    throw kinesisError('ResourceNotFoundException', `No resource policy found for resource ${input.ResourceARN}.`);
  }
  await meta.delete(key);
}

/** The part of the MetaStore resource policies use. */
export interface PolicyStore {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<unknown>;
  delete(key: string): Promise<void>;
}
