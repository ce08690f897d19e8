import type { RequestContext } from '../../protocol/index.js';
import { newVersion } from '../catalog.js';
import { videoError } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import type { UpdateDataRetentionInput, UpdateDataRetentionOutput } from '../shapes/index.js';
import { checkVersion } from './versions.js';

/** The longest retention, 87,600 hours (UpdateDataRetention API reference: "The maximum value … is 87600 (ten years)"). */
export const MAX_RETENTION_HOURS = 87_600;

/**
 * UpdateDataRetention (UpdateDataRetention API reference):
 * 1. the stream must be ACTIVE and `CurrentVersion` its version (VersionMismatchException);
 * 2. INCREASE_DATA_RETENTION adds `DataRetentionChangeInHours`, DECREASE_DATA_RETENTION subtracts it; the result must
 *    stay within 0..87,600 hours (InvalidArgumentException);
 * 3. the version changes. Media already stored is then kept (or dropped) by the new period.
 */
export async function updateDataRetention(
  rt: VideoRuntime,
  input: UpdateDataRetentionInput,
  ctx: RequestContext,
): Promise<UpdateDataRetentionOutput> {
  const state = rt.requireStable(input, ctx);
  checkVersion('stream', state.version, input.CurrentVersion);
  const change = input.DataRetentionChangeInHours;
  const target =
    input.Operation === 'INCREASE_DATA_RETENTION'
      ? state.dataRetentionInHours + change
      : state.dataRetentionInHours - change;
  if (target < 0 || target > MAX_RETENTION_HOURS) {
    // TODO(#video-texts): AWS's text is not known.
    throw videoError(
      'InvalidArgumentException',
      `The data retention would be ${target} hours; it must be between 0 and ${MAX_RETENTION_HOURS} hours.`,
    );
  }
  await rt.catalog.update(state, (d) => {
    d.dataRetentionInHours = target;
    d.version = newVersion();
  });
  return {};
}
