import type { RequestContext } from '../../protocol/index.js';
import type { ApplicationState, SnapshotState } from '../application.js';
import { analyticsError } from '../errors.js';
import { type AnalyticsRuntime, sqlUnsupported } from '../runtime.js';
import type {
  DescribeApplicationSnapshotRequest,
  DescribeApplicationSnapshotResponse,
  SnapshotDetails,
} from '../shapes/index.js';

export function snapshotDetails(app: ApplicationState, s: SnapshotState): SnapshotDetails {
  return {
    SnapshotName: s.name,
    SnapshotStatus: 'READY',
    ApplicationVersionId: s.versionId,
    SnapshotCreationTimestamp: new Date(s.createdAt),
    RuntimeEnvironment: app.runtime,
  };
}

/** DescribeApplicationSnapshot (API reference, version 2): Flink applications only. */
export async function describeApplicationSnapshot(
  rt: AnalyticsRuntime,
  input: DescribeApplicationSnapshotRequest,
  ctx: RequestContext,
): Promise<DescribeApplicationSnapshotResponse> {
  const app = rt.require(ctx, input.ApplicationName);
  if (app.runtime === 'SQL-1_0') throw sqlUnsupported(app.name);
  const s = app.snapshots.find((x) => x.name === input.SnapshotName);
  // TODO(#10): AWS's wording.
  if (!s) throw analyticsError('ResourceNotFoundException', `Snapshot ${input.SnapshotName} is not found.`);
  return { SnapshotDetails: snapshotDetails(app, s) };
}
