import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type { GetDataEndpointInput, GetDataEndpointOutput } from '../shapes/index.js';

/**
 * GetDataEndpoint (GetDataEndpoint API reference): the endpoint to send the named API's requests to, for an
 * existing stream, as a URL without a path (clients append the API's path and pass it as the media clients'
 * `endpoint`). Every API is served by this server on its one port, so the answer is this server's URL
 * (`--public-url`, else the URL the request was addressed to) for every `APIName`.
 */
export function getDataEndpoint(
  rt: VideoRuntime,
  input: GetDataEndpointInput,
  ctx: RequestContext,
): GetDataEndpointOutput {
  rt.requireLive(input, ctx);
  return { DataEndpoint: rt.endpointFor(ctx) };
}
