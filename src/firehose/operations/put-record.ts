import type { RequestContext } from '../../protocol/index.js';
import type { FirehoseRuntime } from '../runtime.js';
import type { PutRecordInput, PutRecordOutput } from '../shapes/index.js';
import { writableStream } from './put-path.js';
import { encryptsRecords } from './stop-delivery-stream-encryption.js';

/** PutRecord (PutRecord API reference): one record (≤ 1,000 KiB, checked by the model) through put-path.ts. */
export async function putRecord(
  rt: FirehoseRuntime,
  input: PutRecordInput,
  ctx: RequestContext,
): Promise<PutRecordOutput> {
  const state = writableStream(rt, input.DeliveryStreamName, ctx);
  rt.throttle(state, 1, input.Record.Data.length);
  const [recordId] = await rt.append(state, [input.Record.Data], 'PutRecord');
  return { RecordId: recordId!, Encrypted: encryptsRecords(state) };
}
