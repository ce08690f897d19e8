import type { RequestContext } from '../../protocol/index.js';
import { analyticsError } from '../errors.js';
import { snapshotsEnabled } from '../other-runtime.js';
import { type AnalyticsRuntime, sqlUnsupported } from '../runtime.js';
import type { CreateApplicationSnapshotRequest, CreateApplicationSnapshotResponse } from '../shapes/index.js';

/** Snapshots per application (Managed Service for Apache Flink quotas: 1,000 snapshots). */
const MAX_SNAPSHOTS = 1_000;

/**
 * CreateApplicationSnapshot (API reference, version 2): Flink applications only (a SQL application has no
 * snapshots: UnsupportedOperationException); snapshots must be enabled in the configuration
 * (InvalidApplicationConfigurationException); names are unique (InvalidArgumentException). Tributary does not run Flink applications, so the snapshot records the
 * configuration version only and is READY at once.
 */
export async function createApplicationSnapshot(
  rt: AnalyticsRuntime,
  input: CreateApplicationSnapshotRequest,
  ctx: RequestContext,
): Promise<CreateApplicationSnapshotResponse> {
  const app = rt.require(ctx, input.ApplicationName);
  if (app.runtime === 'SQL-1_0') throw sqlUnsupported(app.name);
  // TODO(#10): AWS's wording of the three errors below.
  if (!snapshotsEnabled(app.other))
    throw analyticsError('InvalidApplicationConfigurationException', `Snapshots are not enabled for ${app.name}.`);
  const now = rt.now();
  await rt.catalog.update(app.id, (d) => {
    if (d.snapshots.some((s) => s.name === input.SnapshotName))
      throw analyticsError('InvalidArgumentException', `Snapshot ${input.SnapshotName} already exists.`);
    if (d.snapshots.length >= MAX_SNAPSHOTS)
      throw analyticsError('LimitExceededException', `${app.name} has ${MAX_SNAPSHOTS} snapshots.`);
    d.snapshots.push({ name: input.SnapshotName, versionId: d.versionId, createdAt: now });
  });
  return {};
}
