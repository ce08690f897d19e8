/** DeleteStream: DELETING for the configured delay, then the stream and its logs are gone. */
import type { RequestContext } from '../../protocol/index.js';
import { StreamStatus } from '../catalog.js';
import type { StreamsRuntime } from '../runtime.js';

export interface DeleteStreamInput {
  StreamName?: string;
  StreamARN?: string;
  EnforceConsumerDeletion?: boolean;
}

export async function deleteStream(rt: StreamsRuntime, input: DeleteStreamInput, ctx: RequestContext): Promise<void> {
  const stream = rt.resolveStream(input, ctx);
  // AWS allows deleting a stream in any state; a second delete of a DELETING stream is accepted too.
  if (stream.status === StreamStatus.DELETING) return;
  // TODO(#3): registered consumers without EnforceConsumerDeletion → ResourceInUseException.
  await rt.catalog.transition(stream, StreamStatus.DELETING, rt.settings.deleteStreamMs);
}
