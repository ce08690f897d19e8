import type { RequestContext } from '../../protocol/index.js';
import { firehoseError } from '../errors.js';
import type { FirehoseRuntime } from '../runtime.js';
import type { StartDeliveryStreamEncryptionInput, StartDeliveryStreamEncryptionOutput } from '../shapes/index.js';
import { sseTarget } from './stop-delivery-stream-encryption.js';

/**
 * StartDeliveryStreamEncryption (StartDeliveryStreamEncryption API reference): SSE for DirectPut streams only;
 * KeyARN is required for CUSTOMER_MANAGED_CMK. Tributary has no KMS: the setting is recorded and reported
 * (status ENABLED at once; PutRecord answers `Encrypted: true`).
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
  await rt.catalog.update(state.id, (d) => {
    d.encryption = {
      status: 'ENABLED',
      keyType: config.KeyType,
      ...(config.KeyARN !== undefined ? { keyArn: config.KeyARN } : {}),
    };
  });
  return {};
}
