import type { RequestContext } from '../../protocol/index.js';
import { videoError } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import type { DescribeEdgeConfigurationInput, DescribeEdgeConfigurationOutput } from '../shapes/index.js';

/** DescribeEdgeConfiguration: the stored configuration; StreamEdgeConfigurationNotFoundException without one. */
export function describeEdgeConfiguration(
  rt: VideoRuntime,
  input: DescribeEdgeConfigurationInput,
  ctx: RequestContext,
): DescribeEdgeConfigurationOutput {
  const state = rt.requireStream(input, ctx);
  const edge = state.configurations.edge;
  if (edge === undefined) {
    // TODO(#video-texts): AWS's text is not known.
    throw videoError('StreamEdgeConfigurationNotFoundException', `The stream ${state.name} has no edge configuration.`);
  }
  return {
    StreamName: state.name,
    StreamARN: state.arn,
    CreationTime: new Date(edge.createdMs),
    LastUpdatedTime: new Date(edge.updatedMs),
    SyncStatus: 'SYNCING',
    EdgeConfig: structuredClone(edge.config),
  };
}
