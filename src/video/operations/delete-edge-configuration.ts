import type { RequestContext } from '../../protocol/index.js';
import { videoError } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import type { DeleteEdgeConfigurationInput, DeleteEdgeConfigurationOutput } from '../shapes/index.js';

/** DeleteEdgeConfiguration: removes the stored configuration (StreamEdgeConfigurationNotFoundException without one). */
export async function deleteEdgeConfiguration(
  rt: VideoRuntime,
  input: DeleteEdgeConfigurationInput,
  ctx: RequestContext,
): Promise<DeleteEdgeConfigurationOutput> {
  const state = rt.requireStream(input, ctx);
  if (state.configurations.edge === undefined) {
    // TODO(#video-texts): AWS's text is not known.
    throw videoError('StreamEdgeConfigurationNotFoundException', `The stream ${state.name} has no edge configuration.`);
  }
  await rt.catalog.update(state, (d) => {
    delete d.configurations.edge;
  });
  return {};
}
