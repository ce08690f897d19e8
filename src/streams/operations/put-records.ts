/**
 * PutRecords and PutRecord: thin adapters over the write path (src/streams/write-path.ts documents the AWS
 * rules it implements), shaping its outcome as the API answers.
 */
import { jsonCodec, type RequestContext } from '../../protocol/index.js';
import { kinesisError } from '../errors.js';
import type { PathContext } from '../policies.js';
import type { PutRecordInput, PutRecordOutput, PutRecordsInput, PutRecordsOutput } from '../shapes/index.js';
import { resultEntriesJson, resultEntriesWithJson } from '../records-json.js';
import { writeRecords } from '../write-path.js';

export async function putRecords(
  ctx: PathContext,
  input: PutRecordsInput,
  req: RequestContext,
): Promise<PutRecordsOutput> {
  const stream = ctx.rt.resolveStream(input, req);
  const outcome = await writeRecords(ctx, stream, input.Records);
  const { failed, encrypted } = outcome;
  // A JSON 1.1 request is answered with the entries' text written from the outcome (no sequence-number strings).
  const entries = (
    req.codec === jsonCodec ? resultEntriesJson(outcome) : resultEntriesWithJson(outcome.results)
  ) as PutRecordsOutput['Records'];
  return encrypted
    ? { FailedRecordCount: failed, Records: entries, EncryptionType: 'KMS' }
    : { FailedRecordCount: failed, Records: entries };
}

export async function putRecord(
  ctx: PathContext,
  input: PutRecordInput,
  req: RequestContext,
): Promise<PutRecordOutput> {
  const stream = ctx.rt.resolveStream(input, req);
  const { results, encrypted } = await writeRecords(
    ctx,
    stream,
    [input],
    input.SequenceNumberForOrdering !== undefined ? { sequenceNumberForOrdering: input.SequenceNumberForOrdering } : {},
  );
  const result = results[0]!;
  // AWS: PutRecord fails as a whole with ProvisionedThroughputExceededException.
  if ('ErrorCode' in result) throw kinesisError('ProvisionedThroughputExceededException', result.ErrorMessage);
  return encrypted
    ? { ShardId: result.ShardId, SequenceNumber: result.SequenceNumber, EncryptionType: 'KMS' }
    : { ShardId: result.ShardId, SequenceNumber: result.SequenceNumber };
}
