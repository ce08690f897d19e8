import type { RequestContext } from '../../protocol/index.js';
import { type ChannelState, newIncarnationId, newVersion } from '../catalog.js';
import { videoError } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import type { CreateSignalingChannelInput, CreateSignalingChannelOutput } from '../shapes/index.js';
import { mergeTags } from './tags.js';

/** SingleMasterConfiguration's default message TTL (CreateSignalingChannel API reference: "The default is 60 seconds"). */
export const DEFAULT_MESSAGE_TTL_SECONDS = 60;

/**
 * CreateSignalingChannel (CreateSignalingChannel API reference):
 * 1. the name is unique per account and region (ResourceInUseException);
 * 2. at most `channelLimit` channels per account and region (AccountChannelLimitExceededException);
 * 3. `ChannelType` defaults to SINGLE_MASTER, the message TTL to 60 s; at most 50 tags;
 * 4. the ARN ends in the creation time in epoch ms; the channel is CREATING for the configured delay, then ACTIVE.
 */
export async function createSignalingChannel(
  rt: VideoRuntime,
  input: CreateSignalingChannelInput,
  ctx: RequestContext,
): Promise<CreateSignalingChannelOutput> {
  const name = input.ChannelName;
  // TODO(#video-texts): AWS's texts of the in-use and limit errors are not known; they name the rule.
  const inUse = `The signaling channel ${name} already exists.`;
  if (rt.catalog.get('channel', ctx.accountId, ctx.region, name)) throw videoError('ResourceInUseException', inUse);
  if (rt.catalog.count('channel', ctx.accountId, ctx.region) >= rt.settings.channelLimit) {
    throw videoError(
      'AccountChannelLimitExceededException',
      `The account already has the maximum number of signaling channels (${rt.settings.channelLimit}).`,
    );
  }
  const tags = mergeTags({}, Object.fromEntries((input.Tags ?? []).map((t) => [t.Key, t.Value])));
  const now = rt.now();
  const delay = rt.settings.createMs;
  const state: ChannelState = {
    kind: 'channel',
    id: newIncarnationId(),
    name,
    accountId: ctx.accountId,
    region: ctx.region,
    arn: rt.arnOf('channel', name, now, ctx),
    status: delay > 0 ? 'CREATING' : 'ACTIVE',
    version: newVersion(),
    creationMs: now,
    ...(delay > 0 ? { transitionAt: now + delay } : {}),
    tags,
    type: input.ChannelType ?? 'SINGLE_MASTER',
    messageTtlSeconds: input.SingleMasterConfiguration?.MessageTtlSeconds ?? DEFAULT_MESSAGE_TTL_SECONDS,
  };
  const added = await rt.catalog.add(state, inUse);
  if (added.transitionAt !== undefined) await rt.schedule(added);
  return { ChannelARN: added.arn };
}
