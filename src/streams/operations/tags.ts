/**
 * Tag operations: AddTagsToStream, RemoveTagsFromStream, ListTagsForStream (stream by name/ARN) and
 * TagResource, UntagResource, ListTagsForResource (by ResourceARN).
 */
import type { RequestContext } from '../../protocol/index.js';
import { StreamStatus, type StreamState } from '../catalog.js';
import { kinesisError, streamNotActive } from '../errors.js';
import { parseConsumerArn, parseStreamArn } from '../model/index.js';
import { consumerRegistry, type ConsumerRegistry, type ConsumerState } from '../fan-out/consumers.js';
import type { StreamsRuntime } from '../runtime.js';
import { checkTags, MAX_TAGS_PER_STREAM } from '../model/tags.js';
import type {
  AddTagsToStreamInput,
  ListTagsForResourceInput,
  ListTagsForResourceOutput,
  ListTagsForStreamInput,
  ListTagsForStreamOutput,
  RemoveTagsFromStreamInput,
  Tag,
  TagResourceInput,
  UntagResourceInput,
} from '../shapes/index.js';

function requireTaggable(stream: StreamState): void {
  // Tags can change while the stream is ACTIVE or UPDATING, not while it is being created or deleted.
  if (stream.status === StreamStatus.CREATING || stream.status === StreamStatus.DELETING) {
    throw streamNotActive(stream.name, stream.accountId, stream.status);
  }
}

async function addTags(rt: StreamsRuntime, stream: StreamState, tags: Record<string, string>): Promise<void> {
  checkTags(Object.keys(tags), Object.values(tags), {
    action: 'add',
    streamName: stream.name,
    accountId: stream.accountId,
  });
  await rt.catalog.update(stream, (draft) => {
    requireTaggable(draft);
    const merged = { ...draft.tags, ...tags };
    if (Object.keys(merged).length > MAX_TAGS_PER_STREAM) {
      throw kinesisError(
        'LimitExceededException',
        `Failed to add tags to stream ${draft.name} under account ${draft.accountId} because a given stream cannot have more than ${MAX_TAGS_PER_STREAM} tags associated with it.`,
      );
    }
    draft.tags = merged;
  });
}

async function removeTags(rt: StreamsRuntime, stream: StreamState, keys: readonly string[]): Promise<void> {
  checkTags(keys, [], { action: 'remove', streamName: stream.name, accountId: stream.accountId });
  await rt.catalog.update(stream, (draft) => {
    requireTaggable(draft);
    const next = { ...draft.tags };
    for (const key of keys) delete next[key];
    draft.tags = next;
  });
}

function sortedTags(stream: StreamState): Tag[] {
  return Object.keys(stream.tags)
    .sort()
    .map((Key) => ({ Key, Value: stream.tags[Key]! }));
}

export async function addTagsToStream(
  rt: StreamsRuntime,
  input: AddTagsToStreamInput,
  ctx: RequestContext,
): Promise<void> {
  await addTags(rt, rt.resolveStream(input, ctx), input.Tags);
}

export async function removeTagsFromStream(
  rt: StreamsRuntime,
  input: RemoveTagsFromStreamInput,
  ctx: RequestContext,
): Promise<void> {
  await removeTags(rt, rt.resolveStream(input, ctx), input.TagKeys);
}

export function listTagsForStream(
  rt: StreamsRuntime,
  input: ListTagsForStreamInput,
  ctx: RequestContext,
): ListTagsForStreamOutput {
  const stream = rt.resolveStream(input, ctx);
  let tags = sortedTags(stream);
  if (input.ExclusiveStartTagKey !== undefined) {
    const start = input.ExclusiveStartTagKey;
    tags = tags.filter((t) => t.Key > start);
  }
  const limit = input.Limit ?? MAX_TAGS_PER_STREAM;
  return { Tags: tags.slice(0, limit), HasMoreTags: tags.length > limit };
}

/** The stream a ResourceARN names (consumer ARNs are handled by {@link resolveConsumerResource}). */
function resolveResource(rt: StreamsRuntime, resourceArn: string): StreamState {
  const arn = parseStreamArn(resourceArn);
  if (!arn) throw kinesisError('ResourceNotFoundException', `Resource ${resourceArn} not found.`);
  const stream = rt.catalog.get(arn.accountId, arn.region, arn.streamName);
  if (!stream)
    throw kinesisError(
      'ResourceNotFoundException',
      `Stream ${arn.streamName} under account ${arn.accountId} not found.`,
    );
  return stream;
}

/** The registered consumer a ResourceARN names; undefined when the ARN is not a consumer ARN. */
async function resolveConsumerResource(
  rt: StreamsRuntime,
  resourceArn: string,
): Promise<{ consumer: ConsumerState; registry: ConsumerRegistry } | undefined> {
  if (!parseConsumerArn(resourceArn)) return undefined;
  const registry = consumerRegistry(rt);
  await registry?.ready;
  const found = registry?.resolveArn(resourceArn);
  if (!registry || !found) throw kinesisError('ResourceNotFoundException', `Resource ${resourceArn} not found.`);
  return { consumer: found.consumer, registry };
}

export async function tagResource(rt: StreamsRuntime, input: TagResourceInput): Promise<void> {
  const target = await resolveConsumerResource(rt, input.ResourceARN);
  if (!target) return addTags(rt, resolveResource(rt, input.ResourceARN), input.Tags);
  const { consumer, registry } = target;
  checkTags(Object.keys(input.Tags), Object.values(input.Tags));
  const merged = { ...consumer.tags, ...input.Tags };
  if (Object.keys(merged).length > MAX_TAGS_PER_STREAM) {
    throw kinesisError(
      'LimitExceededException',
      `Failed to add tags to consumer ${consumer.name} because a given consumer cannot have more than ${MAX_TAGS_PER_STREAM} tags associated with it.`,
    );
  }
  consumer.tags = merged;
  await registry.save(consumer);
}

export async function untagResource(rt: StreamsRuntime, input: UntagResourceInput): Promise<void> {
  const target = await resolveConsumerResource(rt, input.ResourceARN);
  if (!target) return removeTags(rt, resolveResource(rt, input.ResourceARN), input.TagKeys);
  const { consumer, registry } = target;
  checkTags(input.TagKeys);
  const next = { ...consumer.tags };
  for (const key of input.TagKeys) delete next[key];
  consumer.tags = next;
  await registry.save(consumer);
}

export async function listTagsForResource(
  rt: StreamsRuntime,
  input: ListTagsForResourceInput,
): Promise<ListTagsForResourceOutput> {
  const target = await resolveConsumerResource(rt, input.ResourceARN);
  const tags = target ? target.consumer.tags : resolveResource(rt, input.ResourceARN).tags;
  return {
    Tags: Object.keys(tags)
      .sort()
      .map((Key) => ({ Key, Value: tags[Key]! })),
  };
}
