/** DeleteStream: DELETING for the configured delay, then the stream and its logs are gone. */
import type { RequestContext } from '../../protocol/index.js';
import { StreamStatus } from '../catalog.js';
import type { StreamsRuntime } from '../runtime.js';
import { kinesisError } from '../errors.js';
import { consumerRegistry } from '../fan-out/consumers.js';
import type { DeleteStreamInput } from '../shapes/index.js';

export async function deleteStream(rt: StreamsRuntime, input: DeleteStreamInput, ctx: RequestContext): Promise<void> {
  const stream = rt.resolveStream(input, ctx);
  // AWS allows deleting a stream in any state; a second delete of a DELETING stream is accepted too.
  if (stream.status === StreamStatus.DELETING) return;
  // AWS: a stream with registered consumers is deleted only with EnforceConsumerDeletion, which
  // deregisters them (and ends their subscriptions) first.
  const consumers = consumerRegistry(rt);
  if (consumers) {
    await consumers.ready;
    if (consumers.count(stream) > 0) {
      if (input.EnforceConsumerDeletion !== true) {
        throw kinesisError(
          'ResourceInUseException',
          `Stream ${stream.name} under account ${stream.accountId} has registered consumers. Deregister them or set EnforceConsumerDeletion.`,
        );
      }
      await consumers.removeStream(stream);
    }
  }
  await rt.catalog.transition(stream, StreamStatus.DELETING, rt.settings.deleteStreamMs, (draft) =>
    draft.status === StreamStatus.DELETING ? false : undefined,
  );
}
