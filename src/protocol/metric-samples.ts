/**
 * Helpers for {@link MetricSample}s that several services share (docs/adr/0031-metrics-naming.md).
 */
import type { MetricSample } from './service.js';

/**
 * Gauges of how many resources are in each status, per account and region (dimension `Status`): how services
 * without a per-record CloudWatch metric of their own show what they hold, e.g. `Tributary/KinesisVideo`
 * `Streams{Status=ACTIVE}`.
 */
export function statusCountSamples(
  namespace: string,
  metric: string,
  resources: Iterable<{ readonly accountId: string; readonly region: string; readonly status: string }>,
): MetricSample[] {
  const counts = new Map<string, { accountId: string; region: string; status: string; value: number }>();
  for (const r of resources) {
    const key = `${r.accountId}\u0000${r.region}\u0000${r.status}`;
    const c = counts.get(key);
    if (c) c.value++;
    else counts.set(key, { accountId: r.accountId, region: r.region, status: r.status, value: 1 });
  }
  return [...counts.values()].map((c) => ({
    namespace,
    metric,
    kind: 'gauge',
    accountId: c.accountId,
    region: c.region,
    dimensions: { Status: c.status },
    value: c.value,
  }));
}
