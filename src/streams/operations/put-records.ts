/**
 * PutRecords and PutRecord: thin adapters over the write path (src/streams/write-path.ts documents the AWS
 * rules it implements), shaping its outcome as the API answers.
 */
import type { RequestContext } from '../../protocol/index.js';
import { kinesisError } from '../errors.js';
import type { PathContext } from '../policies.js';
import type { PutRecordInput, PutRecordOutput, PutRecordsInput, PutRecordsOutput } from '../shapes/index.js';
import { resultEntriesWithJson } from '../records-json.js';
import { writeRecords } from '../write-path.js';

export async function putRecords(
  ctx: PathContext,
  input: PutRecordsInput,
  req: RequestContext,
): Promise<PutRecordsOutput> {
  const stream = ctx.rt.resolveStream(input, req);
  const { results, failed, encrypted } = await writeRecords(ctx, stream, input.Records);
  const entries = resultEntriesWithJson(results);
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
