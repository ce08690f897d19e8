import type { RequestContext } from '../../protocol/index.js';
import { newVersion } from '../catalog.js';
import type { VideoRuntime } from '../runtime.js';
import type { UpdateStreamStorageConfigurationInput, UpdateStreamStorageConfigurationOutput } from '../shapes/index.js';
import { checkVersion } from './versions.js';

/** UpdateStreamStorageConfiguration: an ACTIVE stream at `CurrentVersion` takes the new tier; the version changes. */
export async function updateStreamStorageConfiguration(
  rt: VideoRuntime,
  input: UpdateStreamStorageConfigurationInput,
  ctx: RequestContext,
): Promise<UpdateStreamStorageConfigurationOutput> {
  const state = rt.requireStable(input, ctx);
  checkVersion('stream', state.version, input.CurrentVersion);
  await rt.catalog.update(state, (d) => {
    d.storageTier = input.StreamStorageConfiguration.DefaultStorageTier;
    d.version = newVersion();
  });
  return {};
}
