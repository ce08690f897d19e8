import type { RequestContext } from '../../protocol/index.js';
import { slowDown } from '../errors.js';
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
  const arrivedAt = rt.now();
  const state = writableStream(rt, input.DeliveryStreamName, ctx);
  const records = [input.Record.Data];
  if (rt.admitted(state, records) === 0) throw slowDown();
  const [recordId] = await rt.append(state, records, 'PutRecord', arrivedAt);
  return { RecordId: recordId!, Encrypted: encryptsRecords(state) };
}
