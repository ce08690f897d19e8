import type { RequestContext } from '../../protocol/index.js';
import type { DeliveryStreamState } from '../catalog.js';
import { firehoseError } from '../errors.js';
import type { FirehoseRuntime } from '../runtime.js';
import type { StopDeliveryStreamEncryptionInput, StopDeliveryStreamEncryptionOutput } from '../shapes/index.js';

/** The stream SSE calls act on: ACTIVE and DirectPut (StartDeliveryStreamEncryption API reference). */
export function sseTarget(rt: FirehoseRuntime, name: string, ctx: RequestContext): DeliveryStreamState {
  const state = rt.catalog.require(ctx.accountId, ctx.region, name);
  // TODO(#firehose-texts): AWS's wording of both refusals.
  if (state.type !== 'DirectPut')
    throw firehoseError(
      'InvalidArgumentException',
      'Server-side encryption can be enabled only for DirectPut delivery streams.',
    );
  if (state.status !== 'ACTIVE')
    throw firehoseError(
      'ResourceInUseException',
      `Firehose ${state.name} under account ${state.accountId} is not ACTIVE, instead in state ${state.status}.`,
    );
  return state;
}

/** StopDeliveryStreamEncryption (StopDeliveryStreamEncryption API reference): SSE off (status DISABLED). */
export async function stopDeliveryStreamEncryption(
  rt: FirehoseRuntime,
  input: StopDeliveryStreamEncryptionInput,
  ctx: RequestContext,
): Promise<StopDeliveryStreamEncryptionOutput> {
  const state = sseTarget(rt, input.DeliveryStreamName, ctx);
  await rt.catalog.update(state.id, (d) => {
    if (d.encryption.status === 'DISABLED') return false;
    d.encryption = { status: 'DISABLED' };
  });
  return {};
}
