import type { RequestContext } from '../../protocol/index.js';
import { analyticsError } from '../errors.js';
import { sameSecond } from './delete-application.js';
import { type AnalyticsRuntime, sqlUnsupported } from '../runtime.js';
import type { DeleteApplicationSnapshotRequest, DeleteApplicationSnapshotResponse } from '../shapes/index.js';

/**
 * DeleteApplicationSnapshot (API reference, version 2): Flink applications only; the snapshot must exist
 * (ResourceNotFoundException) and SnapshotCreationTimestamp must be its creation time (InvalidArgumentException).
 */
export async function deleteApplicationSnapshot(
  rt: AnalyticsRuntime,
  input: DeleteApplicationSnapshotRequest,
  ctx: RequestContext,
): Promise<DeleteApplicationSnapshotResponse> {
  const app = rt.require(ctx, input.ApplicationName);
  if (app.runtime === 'SQL-1_0') throw sqlUnsupported(app.name);
  await rt.catalog.update(app.id, (d) => {
    const at = d.snapshots.findIndex((s) => s.name === input.SnapshotName);
    // TODO(#10): AWS's wording of both errors.
    if (at < 0) throw analyticsError('ResourceNotFoundException', `Snapshot ${input.SnapshotName} is not found.`);
    if (!sameSecond(input.SnapshotCreationTimestamp.getTime(), d.snapshots[at]!.createdAt))
      throw analyticsError(
        'InvalidArgumentException',
        `SnapshotCreationTimestamp is not the creation time of snapshot ${input.SnapshotName}.`,
      );
    d.snapshots.splice(at, 1);
  });
  return {};
}
