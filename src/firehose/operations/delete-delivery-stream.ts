import type { RequestContext } from '../../protocol/index.js';
import { firehoseError } from '../errors.js';
import type { FirehoseRuntime } from '../runtime.js';
import type { DeleteDeliveryStreamInput, DeleteDeliveryStreamOutput } from '../shapes/index.js';

/**
 * DeleteDeliveryStream (DeleteDeliveryStream API reference): rule 1, a CREATING stream cannot be deleted unless
 * AllowForceDelete; rule 2, delivery stops, the stream is DELETING for the configured delay, then it and its
 * undelivered data are gone; rule 3, deleting a DELETING stream again changes nothing.
 */
export async function deleteDeliveryStream(
  rt: FirehoseRuntime,
  input: DeleteDeliveryStreamInput,
  ctx: RequestContext,
): Promise<DeleteDeliveryStreamOutput> {
  const state = rt.catalog.require(ctx.accountId, ctx.region, input.DeliveryStreamName);
  if (state.status === 'DELETING') return {};
  if (state.status === 'CREATING' && !input.AllowForceDelete)
    // TODO(#firehose-texts): AWS's wording for deleting a CREATING delivery stream.
    throw firehoseError(
      'ResourceInUseException',
      `Firehose ${state.name} under account ${state.accountId} is in CREATING state and cannot be deleted.`,
    );
  await rt.stopWorker(state.id);
  const delay = rt.settings.deleteMs;
  if (delay <= 0) {
    await rt.purge(state.id);
    return {};
  }
  const next = await rt.catalog.update(state.id, (d) => {
    d.status = 'DELETING';
    d.transitionAt = rt.now() + delay;
  });
  await rt.schedule(next);
  return {};
}
