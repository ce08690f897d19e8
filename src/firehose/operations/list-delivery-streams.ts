import type { RequestContext } from '../../protocol/index.js';
import type { FirehoseRuntime } from '../runtime.js';
import type { ListDeliveryStreamsInput, ListDeliveryStreamsOutput } from '../shapes/index.js';

/**
 * ListDeliveryStreams (ListDeliveryStreams API reference): names in alphabetical order, only of the given
 * DeliveryStreamType when one is given, after ExclusiveStartDeliveryStreamName, at most Limit (default 10).
 */
export async function listDeliveryStreams(
  rt: FirehoseRuntime,
  input: ListDeliveryStreamsInput,
  ctx: RequestContext,
): Promise<ListDeliveryStreamsOutput> {
  const start = input.ExclusiveStartDeliveryStreamName;
  const names = rt.catalog
    .list(ctx.accountId, ctx.region)
    .filter((s) => input.DeliveryStreamType === undefined || s.type === input.DeliveryStreamType)
    .map((s) => s.name)
    .filter((n) => start === undefined || n > start);
  const limit = input.Limit ?? 10;
  return { DeliveryStreamNames: names.slice(0, limit), HasMoreDeliveryStreams: names.length > limit };
}
