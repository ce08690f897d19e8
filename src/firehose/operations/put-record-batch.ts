import type { RequestContext } from '../../protocol/index.js';
import { firehoseError } from '../errors.js';
import type { FirehoseRuntime } from '../runtime.js';
import type { PutRecordBatchInput, PutRecordBatchOutput, PutRecordBatchResponseEntry } from '../shapes/index.js';
import { writableStream } from './put-path.js';
import { encryptsRecords } from './stop-delivery-stream-encryption.js';

const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * PutRecordBatch (PutRecordBatch API reference): rule 1, 1–500 records of ≤ 1,000 KiB each (checked by the
 * model) and ≤ 4 MiB in all; rule 2, all records are appended at once through put-path.ts; rule 3, when the
 * buffer is over its cap every entry fails with ServiceUnavailableException ("Slow down.") and FailedPutCount
 * counts them, RequestResponses index-aligned with Records; rule 4, over the stream's put limits
 * (src/firehose/put-limits.ts) the whole call answers ServiceUnavailableException.
 */
export async function putRecordBatch(
  rt: FirehoseRuntime,
  input: PutRecordBatchInput,
  ctx: RequestContext,
): Promise<PutRecordBatchOutput> {
  const state = writableStream(rt, input.DeliveryStreamName, ctx);
  let total = 0;
  for (const r of input.Records) total += r.Data.length;
  if (total > MAX_BATCH_BYTES)
    // TODO(#firehose-texts): AWS's wording for a batch over 4 MiB.
    throw firehoseError('InvalidArgumentException', `Records size exceeds ${MAX_BATCH_BYTES} bytes limit.`);
  rt.throttle(state, input.Records.length, total);
  let ids: string[];
  try {
    ids = await rt.append(
      state,
      input.Records.map((r) => r.Data),
      'PutRecordBatch',
    );
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code !== 'ServiceUnavailableException') throw err;
    const failed: PutRecordBatchResponseEntry = {
      ErrorCode: 'ServiceUnavailableException',
      ErrorMessage: 'Slow down.',
    };
    return {
      FailedPutCount: input.Records.length,
      Encrypted: encryptsRecords(state),
      RequestResponses: input.Records.map(() => ({ ...failed })),
    };
  }
  return {
    FailedPutCount: 0,
    Encrypted: encryptsRecords(state),
    RequestResponses: ids.map((RecordId) => ({ RecordId })),
  };
}
