/**
 * AWS's per-shard and control-plane limits behind the `--enforce-limits` switch (off by default):
 * provides a token-bucket throughput gate for PutRecord(s) / GetRecords and wraps every operation
 * with the control-plane rates. With the switch off nothing is installed and nothing is wrapped.
 */
import type { FeatureContext, LimitSettings, StreamsFeature } from '../feature.js';
import { controlPlaneLimiter } from './control-plane.js';
import { AwsThroughputGate } from './throughput-gate.js';

export { AWS_OPERATION_RATES } from './control-plane.js';

const MiB = 1024 * 1024;

/** AWS's published values (Kinesis Data Streams Developer Guide, 'Quotas and limits'). */
export const AWS_LIMITS: LimitSettings = Object.freeze({
  writeBytesPerSecond: 1 * MiB,
  writeRecordsPerSecond: 1000,
  readBytesPerSecond: 2 * MiB,
  readCallsPerSecond: 5,
  largeReadPenaltyMs: 5000,
  getShardIteratorPerSecond: 5,
  creatingStreams: 5,
  encryptionChangesPerDay: 25,
  operationsPerSecond: Object.freeze({}),
});

/** AWS's limits with the configured overrides. */
export function resolveLimits(overrides: Partial<LimitSettings> = {}): LimitSettings {
  return {
    ...AWS_LIMITS,
    ...overrides,
    operationsPerSecond: { ...AWS_LIMITS.operationsPerSecond, ...(overrides.operationsPerSecond ?? {}) },
  };
}

/** The limits feature: provides a throughput gate and an operation decorator when `enforceLimits` is on. */
export function limitsFeature(ctx: FeatureContext): StreamsFeature {
  if (!ctx.options.enforceLimits) return { operations: {} };
  const limits = resolveLimits(ctx.options.limits);
  return {
    operations: {},
    decorate: controlPlaneLimiter(ctx.rt, limits),
    provides: { gate: new AwsThroughputGate(limits) },
  };
}
