/**
 * RegisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers and DeregisterStreamConsumer
 * (Amazon Kinesis Data Streams API Reference, each operation's page).
 *
 * Addressing a consumer (Describe, Deregister; AWS API reference):
 * 1. ConsumerARN alone, or StreamARN + ConsumerName, or all three as long as they agree.
 * 2. Anything else → InvalidArgumentException; an unknown stream or consumer → ResourceNotFoundException.
 */
import type { RequestContext } from '../../protocol/index.js';
import { StreamStatus, type StreamState } from '../catalog.js';
import { kinesisError, streamNotActive } from '../errors.js';
import { parseConsumerArn } from '../model/index.js';
import type { StreamsRuntime } from '../runtime.js';
import { checkTags, MAX_TAGS_PER_STREAM } from '../model/tags.js';
import { decodeNextToken, encodeNextToken } from '../model/shard-view.js';
import type {
  Consumer,
  DeregisterStreamConsumerInput,
  DescribeStreamConsumerInput,
  DescribeStreamConsumerOutput,
  ListStreamConsumersInput,
  ListStreamConsumersOutput,
  RegisterStreamConsumerInput,
  RegisterStreamConsumerOutput,
} from '../shapes/index.js';
import type { ConsumerRegistry, ConsumerState } from './consumers.js';

/** The `Consumer` shape (RegisterStreamConsumer, ListStreamConsumers) of a registered consumer. */
function summary(consumer: ConsumerState): Consumer {
  return {
    ConsumerName: consumer.name,
    ConsumerARN: consumer.arn,
    ConsumerStatus: consumer.status,
    ConsumerCreationTimestamp: new Date(consumer.createdAt),
  };
}

/** AWS wording for a consumer that does not exist (exact text not pinned down yet; docs/principles.md, principle 1). */
export function consumerNotFound(what: string): ReturnType<typeof kinesisError> {
  return kinesisError('ResourceNotFoundException', `Consumer ${what} not found.`);
}

/** Operations of this file share the registry and the runtime. */
export interface ConsumerOperationContext {
  readonly rt: StreamsRuntime;
  readonly registry: ConsumerRegistry;
}

type ConsumerRef = DescribeStreamConsumerInput | DeregisterStreamConsumerInput;

/** Finds the consumer a Describe/Deregister request names (file header, steps 1–2). */
function resolveConsumer(
  fo: ConsumerOperationContext,
  input: ConsumerRef,
  ctx: RequestContext,
): { stream: StreamState; consumer: ConsumerState } {
  const { rt, registry } = fo;
  if (input.ConsumerARN !== undefined) {
    const parts = parseConsumerArn(input.ConsumerARN);
    if (!parts) throw consumerNotFound(input.ConsumerARN);
    if (
      (input.StreamARN !== undefined && input.StreamARN !== parts.streamArn) ||
      (input.ConsumerName !== undefined && input.ConsumerName !== parts.consumerName)
    ) {
      throw kinesisError(
        'InvalidArgumentException',
        `ConsumerARN ${input.ConsumerARN} does not match the StreamARN and ConsumerName given with it.`,
      );
    }
    const found = registry.resolveArn(input.ConsumerARN);
    if (!found) {
      // Distinguish a missing stream, as AWS reports streams in its own words.
      rt.resolveStream({ StreamARN: parts.streamArn }, ctx);
      throw consumerNotFound(input.ConsumerARN);
    }
    return found;
  }
  if (input.StreamARN === undefined || input.ConsumerName === undefined) {
    throw kinesisError(
      'InvalidArgumentException',
      'Either ConsumerARN or both ConsumerName and StreamARN must be provided.',
    );
  }
  const stream = rt.resolveStream({ StreamARN: input.StreamARN }, ctx);
  const consumer = registry.get(stream, input.ConsumerName);
  if (!consumer)
    throw consumerNotFound(`${input.ConsumerName} under stream ${stream.name} under account ${stream.accountId}`);
  return { stream, consumer };
}

/**
 * RegisterStreamConsumer: the stream must exist and not be CREATING or DELETING; then the registry's
 * rules (unique name, 20 per stream, 5 CREATING at once) apply. Tags follow the tag rules of streams.
 */
export async function registerStreamConsumer(
  fo: ConsumerOperationContext,
  input: RegisterStreamConsumerInput,
  ctx: RequestContext,
): Promise<RegisterStreamConsumerOutput> {
  await fo.registry.ready;
  const stream = fo.rt.resolveStream({ StreamARN: input.StreamARN }, ctx);
  if (stream.status === StreamStatus.CREATING || stream.status === StreamStatus.DELETING) {
    throw streamNotActive(stream.name, stream.accountId, stream.status);
  }
  const tags = input.Tags ?? {};
  checkTags(Object.keys(tags), Object.values(tags));
  if (Object.keys(tags).length > MAX_TAGS_PER_STREAM) {
    throw kinesisError('InvalidArgumentException', `A consumer cannot have more than ${MAX_TAGS_PER_STREAM} tags.`);
  }
  const consumer = await fo.registry.register(stream, input.ConsumerName, tags);
  return { Consumer: summary(consumer) };
}

/** DescribeStreamConsumer. */
export async function describeStreamConsumer(
  fo: ConsumerOperationContext,
  input: DescribeStreamConsumerInput,
  ctx: RequestContext,
): Promise<DescribeStreamConsumerOutput> {
  await fo.registry.ready;
  const { consumer } = resolveConsumer(fo, input, ctx);
  return { ConsumerDescription: { ...summary(consumer), StreamARN: consumer.streamArn } };
}

/** DeregisterStreamConsumer: DELETING, then gone; the consumer's subscriptions end at once. */
export async function deregisterStreamConsumer(
  fo: ConsumerOperationContext,
  input: DeregisterStreamConsumerInput,
  ctx: RequestContext,
): Promise<void> {
  await fo.registry.ready;
  const { consumer } = resolveConsumer(fo, input, ctx);
  await fo.registry.deregister(consumer);
}

/** AWS: ListStreamConsumers returns at most 100 consumers per call unless MaxResults says otherwise. */
const LIST_DEFAULT_MAX = 100;

/**
 * ListStreamConsumers (AWS API reference):
 * 1. StreamARN names the stream; StreamCreationTimestamp, when given, must match its creation time
 *    (it tells apart streams that had the same name) → else ResourceNotFoundException.
 * 2. Consumers in name order, at most MaxResults (1–10,000; default 100); NextToken continues after the
 *    last one returned and expires after 300 s (ExpiredNextTokenException).
 */
export async function listStreamConsumers(
  fo: ConsumerOperationContext,
  input: ListStreamConsumersInput,
  ctx: RequestContext,
): Promise<ListStreamConsumersOutput> {
  await fo.registry.ready;
  const { rt, registry } = fo;
  const now = rt.now();
  const stream = rt.resolveStream({ StreamARN: input.StreamARN }, ctx);
  if (
    input.StreamCreationTimestamp !== undefined &&
    Math.floor(input.StreamCreationTimestamp.getTime() / 1000) !== Math.floor(stream.createdAt / 1000)
  ) {
    throw kinesisError(
      'ResourceNotFoundException',
      `Stream ${stream.name} under account ${stream.accountId} not found.`,
    );
  }
  let after: string | undefined;
  if (input.NextToken !== undefined) {
    const token = decodeNextToken<{ s?: string; a?: string }>(input.NextToken, now);
    if (token.s !== stream.id || typeof token.a !== 'string') {
      throw kinesisError('InvalidArgumentException', `Invalid NextToken ${input.NextToken}.`);
    }
    after = token.a;
  }
  const all = registry.list(stream).filter((c) => after === undefined || c.name > after);
  const max = input.MaxResults ?? LIST_DEFAULT_MAX;
  const page = all.slice(0, max);
  const out: ListStreamConsumersOutput = { Consumers: page.map(summary) };
  if (all.length > max) out.NextToken = encodeNextToken({ s: stream.id, a: page[page.length - 1]!.name }, now);
  return out;
}
