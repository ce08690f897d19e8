/**
 * The shared path of PutRecord and PutRecordBatch (PutRecord / PutRecordBatch API references):
 * 1. Only DirectPut streams take records: `This operation is not permitted on KinesisStreamAsSource delivery
 *    stream type.` (InvalidArgumentException).
 * 2. The stream must be ACTIVE (ResourceInUseException otherwise).
 * 3. Records are acknowledged once durable in the stream's buffer (see src/firehose/sources.ts).
 */
import type { RequestContext } from '../../protocol/index.js';
import type { DeliveryStreamState } from '../catalog.js';
import { firehoseError } from '../errors.js';
import type { FirehoseRuntime } from '../runtime.js';

export function writableStream(rt: FirehoseRuntime, name: string, ctx: RequestContext): DeliveryStreamState {
  const state = rt.catalog.require(ctx.accountId, ctx.region, name);
  if (state.type !== 'DirectPut')
    throw firehoseError(
      'InvalidArgumentException',
      `This operation is not permitted on ${state.type} delivery stream type.`,
    );
  if (state.status !== 'ACTIVE')
    // TODO(#firehose-texts): AWS's wording for a put to a delivery stream that is not ACTIVE.
    throw firehoseError(
      'ResourceInUseException',
      `Firehose ${state.name} under account ${state.accountId} is not ACTIVE, instead in state ${state.status}.`,
    );
  return state;
}
