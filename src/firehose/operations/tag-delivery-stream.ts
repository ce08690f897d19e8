import type { RequestContext } from '../../protocol/index.js';
import { firehoseError } from '../errors.js';
import type { FirehoseRuntime } from '../runtime.js';
import type { TagDeliveryStreamInput, TagDeliveryStreamOutput } from '../shapes/index.js';

export const MAX_TAGS = 50;

/**
 * TagDeliveryStream (TagDeliveryStream API reference): adds or overwrites tags; a stream has at most 50
 * (LimitExceededException). Key and value constraints are the model's.
 */
export async function tagDeliveryStream(
  rt: FirehoseRuntime,
  input: TagDeliveryStreamInput,
  ctx: RequestContext,
): Promise<TagDeliveryStreamOutput> {
  const state = rt.catalog.require(ctx.accountId, ctx.region, input.DeliveryStreamName);
  await rt.catalog.update(state.id, (d) => {
    for (const t of input.Tags) d.tags[t.Key] = t.Value ?? '';
    if (Object.keys(d.tags).length > MAX_TAGS)
      // TODO(#firehose-texts): AWS's wording.
      throw firehoseError('LimitExceededException', `A delivery stream can have at most ${MAX_TAGS} tags.`);
  });
  return {};
}
