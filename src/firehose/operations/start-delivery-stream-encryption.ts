import type { RequestContext } from '../../protocol/index.js';
import { firehoseError } from '../errors.js';
import type { FirehoseRuntime } from '../runtime.js';
import type { StartDeliveryStreamEncryptionInput, StartDeliveryStreamEncryptionOutput } from '../shapes/index.js';
import { recentCalls, sseTarget } from './stop-delivery-stream-encryption.js';

/**
 * StartDeliveryStreamEncryption (StartDeliveryStreamEncryption API reference): the refusals of
 * stop-delivery-stream-encryption.ts (`sseTarget`), KeyARN required for CUSTOMER_MANAGED_CMK. Asynchronous: the
 * status goes to ENABLING, then to ENABLED after the server's SSE delay (`--firehose-sse-ms`); while ENABLING
 * records are not encrypted (`Encrypted: false`). Calling it on an ENABLED stream changes the key the same way.
 * Tributary has no KMS: the key is recorded and reported, never used.
 */
export async function startDeliveryStreamEncryption(
  rt: FirehoseRuntime,
  input: StartDeliveryStreamEncryptionInput,
  ctx: RequestContext,
): Promise<StartDeliveryStreamEncryptionOutput> {
  const state = sseTarget(rt, input.DeliveryStreamName, ctx);
  const config = input.DeliveryStreamEncryptionConfigurationInput ?? { KeyType: 'AWS_OWNED_CMK' as const };
  if (config.KeyType === 'CUSTOMER_MANAGED_CMK' && !config.KeyARN)
    // TODO(#firehose-texts): AWS's wording.
    throw firehoseError('InvalidArgumentException', 'KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK.');
  const now = rt.now();
  const delay = rt.settings.sseMs;
  const next = await rt.catalog.update(state.id, (d) => {
    d.encryption = {
      status: delay > 0 ? 'ENABLING' : 'ENABLED',
      keyType: config.KeyType,
      ...(config.KeyARN !== undefined ? { keyArn: config.KeyARN } : {}),
      ...(delay > 0 ? { transitionAt: now + delay } : {}),
      calls: [...recentCalls(d.encryption, now), now],
    };
  });
  if (next.encryption.status === 'ENABLING') await rt.scheduleEncryption(next);
  return {};
}
