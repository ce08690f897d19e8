import type { RequestContext } from '../../protocol/index.js';
import type { FirehoseRuntime } from '../runtime.js';
import type { UntagDeliveryStreamInput, UntagDeliveryStreamOutput } from '../shapes/index.js';

/** UntagDeliveryStream (UntagDeliveryStream API reference): removes the keys given; unknown keys are ignored. */
export async function untagDeliveryStream(
  rt: FirehoseRuntime,
  input: UntagDeliveryStreamInput,
  ctx: RequestContext,
): Promise<UntagDeliveryStreamOutput> {
  const state = rt.catalog.require(ctx.accountId, ctx.region, input.DeliveryStreamName);
  await rt.catalog.update(state.id, (d) => {
    const before = Object.keys(d.tags).length;
    for (const k of input.TagKeys) delete d.tags[k];
    if (Object.keys(d.tags).length === before) return false;
  });
  return {};
}
