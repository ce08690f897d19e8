import type { RequestContext } from '../../protocol/index.js';
import { firehoseError } from '../errors.js';
import type { FirehoseRuntime } from '../runtime.js';
import type { PutRecordBatchInput, PutRecordBatchOutput, PutRecordBatchResponseEntry } from '../shapes/index.js';
import { writableStream } from './put-path.js';
import { encryptsRecords } from './stop-delivery-stream-encryption.js';

const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * PutRecordBatch (PutRecordBatch API reference): rule 1, 1–500 records of ≤ 1,000 KiB each (checked by the
 * model) and ≤ 4 MiB in all ("Records size exceeds 4 MB limit", the text AWS answers, as reported in
 * osquery/osquery issue 3568); rule 2, the records are appended at once through put-path.ts; rule 3, records
 * that are not written (the stream's put limits, src/firehose/put-limits.ts, or the buffer over its cap) fail each
 * with ErrorCode ServiceUnavailableException, ErrorMessage "Slow down.", counted in FailedPutCount, and
 * RequestResponses stays index-aligned with Records.
 */
export async function putRecordBatch(
  rt: FirehoseRuntime,
  input: PutRecordBatchInput,
  ctx: RequestContext,
): Promise<PutRecordBatchOutput> {
  const arrivedAt = rt.now();
  const state = writableStream(rt, input.DeliveryStreamName, ctx);
  let total = 0;
  for (const r of input.Records) total += r.Data.length;
  if (total > MAX_BATCH_BYTES) throw firehoseError('InvalidArgumentException', 'Records size exceeds 4 MB limit');
  const data = input.Records.map((r) => r.Data);
  const admitted = rt.admitted(state, data);
  let ids: string[] = [];
  if (admitted > 0) {
    try {
      ids = await rt.append(
        state,
        admitted === data.length ? data : data.slice(0, admitted),
        'PutRecordBatch',
        arrivedAt,
      );
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (e.code !== 'ServiceUnavailableException') throw err;
    }
  }
  const failed = data.length - ids.length;
  const responses: PutRecordBatchResponseEntry[] = new Array(data.length);
  for (let i = 0; i < ids.length; i++) responses[i] = { RecordId: ids[i]! };
  for (let i = ids.length; i < data.length; i++)
    responses[i] = { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
  return { FailedPutCount: failed, Encrypted: encryptsRecords(state), RequestResponses: responses };
}
