import type { RequestContext } from '../../protocol/index.js';
import { videoError } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import type {
  ChannelProtocol,
  GetSignalingChannelEndpointInput,
  GetSignalingChannelEndpointOutput,
} from '../shapes/index.js';

const DEFAULT_PROTOCOLS: readonly ChannelProtocol[] = ['WSS', 'HTTPS'];

/**
 * GetSignalingChannelEndpoint (GetSignalingChannelEndpoint API reference):
 * 1. the channel must be ACTIVE (ResourceInUseException otherwise);
 * 2. WEBRTC only for a channel configured for ingestion (an ENABLED media storage configuration), else
 *    InvalidArgumentException;
 * 3. one endpoint per requested protocol. This server serves every protocol on its one port: WSS is its URL with
 *    the `ws`/`wss` scheme, HTTPS and WEBRTC its URL as is. Without `Protocols`, WSS and HTTPS are listed
 *    (TODO(#video-texts): AWS's default when the configuration is omitted is not confirmed).
 */
export function getSignalingChannelEndpoint(
  rt: VideoRuntime,
  input: GetSignalingChannelEndpointInput,
  ctx: RequestContext,
): GetSignalingChannelEndpointOutput {
  const state = rt.requireChannel({ ChannelARN: input.ChannelARN }, ctx);
  if (state.status !== 'ACTIVE') {
    // TODO(#video-texts): AWS's text is not known.
    throw videoError('ResourceInUseException', `The signaling channel ${state.name} is ${state.status}.`);
  }
  const base = rt.endpointFor(ctx);
  const protocols = input.SingleMasterChannelEndpointConfiguration?.Protocols ?? DEFAULT_PROTOCOLS;
  if (protocols.includes('WEBRTC') && state.mediaStorage?.Status !== 'ENABLED') {
    // TODO(#video-texts): AWS's text is not known.
    throw videoError(
      'InvalidArgumentException',
      `The signaling channel ${state.name} is not configured for ingestion.`,
    );
  }
  return {
    ResourceEndpointList: [...new Set(protocols)].map((protocol) => ({
      Protocol: protocol,
      ResourceEndpoint: protocol === 'WSS' ? base.replace(/^http/, 'ws') : base,
    })),
  };
}
