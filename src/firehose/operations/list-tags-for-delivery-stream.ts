import type { RequestContext } from '../../protocol/index.js';
import type { FirehoseRuntime } from '../runtime.js';
import type { ListTagsForDeliveryStreamInput, ListTagsForDeliveryStreamOutput } from '../shapes/index.js';

/**
 * ListTagsForDeliveryStream (ListTagsForDeliveryStream API reference): tags in key order after
 * ExclusiveStartTagKey, at most Limit (default 50), HasMoreTags when some are left.
 */
export async function listTagsForDeliveryStream(
  rt: FirehoseRuntime,
  input: ListTagsForDeliveryStreamInput,
  ctx: RequestContext,
): Promise<ListTagsForDeliveryStreamOutput> {
  const state = rt.catalog.require(ctx.accountId, ctx.region, input.DeliveryStreamName);
  const start = input.ExclusiveStartTagKey;
  const keys = Object.keys(state.tags)
    .sort()
    .filter((k) => start === undefined || k > start);
  const limit = input.Limit ?? 50;
  return {
    Tags: keys.slice(0, limit).map((Key) => ({ Key, Value: state.tags[Key]! })),
    HasMoreTags: keys.length > limit,
  };
}
