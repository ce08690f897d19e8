import { partitionOf } from '../../auth/index.js';
import type { RequestContext } from '../../protocol/index.js';
import { newIncarnationId, newVersion, type StreamState } from '../catalog.js';
import { videoError } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import type { CreateStreamInput, CreateStreamOutput } from '../shapes/index.js';
import { checkTagCount } from './tags.js';

/**
 * CreateStream (CreateStream API reference):
 * 1. the name is unique per account and region, also while a stream of that name is being deleted
 *    (ResourceInUseException);
 * 2. at most `streamLimit` streams per account and region (AccountStreamLimitExceededException);
 * 3. at most 50 tags (TagsPerResourceExceededLimitException);
 * 4. without `KmsKeyId` the stream uses the Kinesis Video managed key `alias/aws/kinesisvideo`;
 * 5. the ARN ends in the creation time in epoch ms; the stream is CREATING for the configured delay, then ACTIVE
 *    ("CreateStream is an asynchronous operation").
 */
export async function createStream(
  rt: VideoRuntime,
  input: CreateStreamInput,
  ctx: RequestContext,
): Promise<CreateStreamOutput> {
  const name = input.StreamName;
  // TODO(#video-texts): AWS's texts of the limit and in-use errors below are not known; they name the rule.
  const inUse = `The stream ${name} already exists.`;
  if (rt.catalog.get('stream', ctx.accountId, ctx.region, name)) throw videoError('ResourceInUseException', inUse);
  if (rt.catalog.count('stream', ctx.accountId, ctx.region) >= rt.settings.streamLimit) {
    throw videoError(
      'AccountStreamLimitExceededException',
      `The account already has the maximum number of streams (${rt.settings.streamLimit}).`,
    );
  }
  const tags = input.Tags ?? {};
  checkTagCount(Object.keys(tags).length);
  const now = rt.now();
  const delay = rt.settings.createMs;
  const state: StreamState = {
    kind: 'stream',
    id: newIncarnationId(),
    name,
    accountId: ctx.accountId,
    region: ctx.region,
    arn: rt.arnOf('stream', name, now, ctx),
    status: delay > 0 ? 'CREATING' : 'ACTIVE',
    version: newVersion(),
    creationMs: now,
    ...(delay > 0 ? { transitionAt: now + delay } : {}),
    tags: { ...tags },
    ...(input.DeviceName !== undefined ? { deviceName: input.DeviceName } : {}),
    ...(input.MediaType !== undefined ? { mediaType: input.MediaType } : {}),
    kmsKeyId:
      input.KmsKeyId ?? `arn:${partitionOf(ctx.region)}:kms:${ctx.region}:${ctx.accountId}:alias/aws/kinesisvideo`,
    dataRetentionInHours: input.DataRetentionInHours ?? 0,
    storageTier: input.StreamStorageConfiguration?.DefaultStorageTier ?? 'HOT',
    configurations: {},
  };
  const added = await rt.catalog.add(state, inUse);
  if (added.transitionAt !== undefined) await rt.schedule(added);
  return { StreamARN: added.arn };
}
