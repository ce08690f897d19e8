/**
 * IncreaseStreamRetentionPeriod / DecreaseStreamRetentionPeriod (AWS API reference):
 * 1. 24 ≤ hours ≤ 8760.
 * 2. Increase may not shorten and Decrease may not lengthen the current period.
 * 3. Decreasing hides older records at once; the sweeper reclaims their space.
 * 4. Where the storage expires records itself (NATS JetStream `max_age`), the new period is applied to every shard's
 *    log before the call returns (docs/adr/0037).
 */
import type { RequestContext } from '../../protocol/index.js';
import { kinesisError } from '../errors.js';
import type { StreamsRuntime } from '../runtime.js';
import type { DecreaseStreamRetentionPeriodInput, IncreaseStreamRetentionPeriodInput } from '../shapes/index.js';

export const MIN_RETENTION_HOURS = 24;
export const MAX_RETENTION_HOURS = 8760;

function checkBounds(hours: number): void {
  if (hours < MIN_RETENTION_HOURS) {
    throw kinesisError(
      'InvalidArgumentException',
      `Minimum allowed retention period is ${MIN_RETENTION_HOURS} hours. Requested retention period (${hours} hours) is too short.`,
    );
  }
  if (hours > MAX_RETENTION_HOURS) {
    throw kinesisError(
      'InvalidArgumentException',
      `Maximum allowed retention period is ${MAX_RETENTION_HOURS} hours. Requested retention period (${hours} hours) is too long.`,
    );
  }
}

export async function increaseStreamRetentionPeriod(
  rt: StreamsRuntime,
  input: IncreaseStreamRetentionPeriodInput,
  ctx: RequestContext,
): Promise<void> {
  const stream = rt.resolveStream(input, ctx);
  checkBounds(input.RetentionPeriodHours);
  await rt.catalog.update(stream, (draft) => {
    rt.requireActive(draft);
    if (input.RetentionPeriodHours < draft.retentionHours) {
      throw kinesisError(
        'InvalidArgumentException',
        `Requested retention period (${input.RetentionPeriodHours} hours) for stream ${draft.name} can not be shorter than existing retention period (${draft.retentionHours} hours). Use DecreaseRetentionPeriod API.`,
      );
    }
    draft.retentionHours = input.RetentionPeriodHours;
  });
  await applyRetention(rt, stream.id);
}

/** Rule 4: the stream as it is now, its period applied to the shard logs. */
async function applyRetention(rt: StreamsRuntime, streamId: string): Promise<void> {
  const current = rt.catalog.getById(streamId);
  if (current) await rt.applyLifecycle(current);
}

export async function decreaseStreamRetentionPeriod(
  rt: StreamsRuntime,
  input: DecreaseStreamRetentionPeriodInput,
  ctx: RequestContext,
): Promise<void> {
  const stream = rt.resolveStream(input, ctx);
  checkBounds(input.RetentionPeriodHours);
  await rt.catalog.update(stream, (draft) => {
    rt.requireActive(draft);
    if (input.RetentionPeriodHours > draft.retentionHours) {
      throw kinesisError(
        'InvalidArgumentException',
        `Requested retention period (${input.RetentionPeriodHours} hours) for stream ${draft.name} can not be longer than existing retention period (${draft.retentionHours} hours). Use IncreaseRetentionPeriod API.`,
      );
    }
    draft.retentionHours = input.RetentionPeriodHours;
  });
  await applyRetention(rt, stream.id);
}
