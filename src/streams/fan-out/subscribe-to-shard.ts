/**
 * SubscribeToShard: pushes a shard's records to an enhanced fan-out consumer over one long-lived
 * HTTP/2 response in AWS's event-stream encoding (Amazon Kinesis Data Streams API Reference, SubscribeToShard).
 *
 * Admission (all failures are normal error responses, checked in this order):
 * 1. ConsumerARN must name a registered consumer → else ResourceNotFoundException.
 * 2. The consumer must be ACTIVE → else ResourceInUseException.
 * 3. ShardId must name a shard of the consumer's stream → else ResourceNotFoundException.
 * 4. StartingPosition resolves like GetShardIterator's iterator type → else InvalidArgumentException.
 * 5. A live subscription of the same consumer to the same shard that started less than 5 s ago →
 *    ResourceInUseException; an older one is taken over: it receives a ResourceInUseException
 *    exception message and ends.
 *
 * The stream, once admitted:
 * 1. `initial-response` first, at once (the SDKs resolve `send()` on the first message).
 * 2. A SubscribeToShardEvent right away, then one whenever records arrive: the pump wakes on append
 *    (it never polls), sends at most 10,000 records per event and reads again until caught up.
 *    ContinuationSequenceNumber is the last record delivered (or the current position);
 *    MillisBehindLatest is 0 at the tip, else now − arrival of the last record sent.
 * 3. When idle, an event with empty Records every few seconds keeps both fresh.
 * 4. At the end of a closed shard: one event with ChildShards and no ContinuationSequenceNumber
 *    (KCL, Flink and Beam read that as shard end), then the stream ends.
 * 5. After 5 minutes the stream ends cleanly; clients re-subscribe with AFTER_SEQUENCE_NUMBER.
 * 6. Deregistering the consumer or deleting the stream ends it with a ResourceNotFoundException message.
 */
import type { RequestContext } from '../../protocol/index.js';
import type { ServiceError } from '../../protocol/index.js';
import { StreamStatus, type ShardState, type StreamState } from '../catalog.js';
import { kinesisError } from '../errors.js';
import { formatShardId, parseShardId } from '../model/index.js';
import type { AppendListener, PathContext } from '../policies.js';
import {
  type ChildShard,
  GET_RECORDS_MAX_RECORDS,
  type KinesisRecord,
  childShards,
  millisBehindLatest,
  positionSequenceNumber,
  readShardRecords,
  resolveStartOffset,
} from '../read-path.js';
import { shardLogId, type ShardHandle } from '../runtime.js';
import type { SubscribeToShardInput } from '../shapes/index.js';
import { consumerNotFound } from './consumer-operations.js';
import { ConsumerStatus, type ConsumerRegistry, type ConsumerState } from './consumers.js';
import {
  EventType,
  encodeEventMessage,
  encodeExceptionMessage,
  jsonEventPayload,
  type EventPayloadEncoder,
} from './event-stream.js';

/** Timings of subscriptions; AWS's values by default. */
export interface SubscriptionTimings {
  /** AWS: a subscription lives up to 5 minutes. */
  readonly lifetimeMs: number;
  /** AWS: a second subscription within 5 s is refused; after that it takes over. */
  readonly takeoverMs: number;
  /** Interval of empty events while no records arrive. */
  readonly idleEventMs: number;
  /** Data + partition-key bytes per event (at least one record is always sent). */
  readonly maxEventBytes: number;
}

/** Default {@link SubscriptionTimings}. */
export const DEFAULT_SUBSCRIPTION_TIMINGS: SubscriptionTimings = {
  lifetimeMs: 300_000,
  takeoverMs: 5_000,
  idleEventMs: 3_000,
  // EFO delivers 2 MiB/s per consumer and shard; events of that size keep each message small.
  maxEventBytes: 2 * 1024 * 1024,
};

/** One live subscription: a consumer reading one shard. */
class Subscription {
  readonly key: string;
  readonly shardKey: string;
  readonly consumer: ConsumerState;
  readonly startedAt: number;
  /** Set by an append to the shard since the pump last looked. */
  pending = false;
  ended = false;
  endError: ServiceError | undefined;
  #wake: (() => void) | undefined;

  constructor(options: { key: string; shardKey: string; consumer: ConsumerState; startedAt: number }) {
    this.key = options.key;
    this.shardKey = options.shardKey;
    this.consumer = options.consumer;
    this.startedAt = options.startedAt;
  }

  /** Records arrived (or something changed): wake the pump. */
  notify(): void {
    this.pending = true;
    this.#wake?.();
  }

  /** Ends the subscription, with an exception message when `error` is given. */
  end(error?: ServiceError): void {
    if (!this.ended) this.endError = error;
    this.ended = true;
    this.notify();
  }

  /** Waits until notified, ended, or `ms` passed. */
  wait(ms: number): Promise<void> {
    if (this.pending || this.ended) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }
}

/** The live subscriptions of a service, woken by the runtime's append listener. */
export class SubscriptionHub {
  readonly #byKey = new Map<string, Subscription>();
  readonly #byShard = new Map<string, Set<Subscription>>();

  /** Subscribed to the service's append signal: wakes the subscriptions of the shard appended to. */
  readonly onAppend: AppendListener = (stream, shard) => {
    const subs = this.#byShard.get(shardLogId(stream, shard.index));
    if (subs) for (const sub of subs) sub.notify();
  };

  /** The live subscription of a consumer to a shard. */
  get(key: string): Subscription | undefined {
    return this.#byKey.get(key);
  }

  add(sub: Subscription): void {
    this.#byKey.set(sub.key, sub);
    let set = this.#byShard.get(sub.shardKey);
    if (!set) this.#byShard.set(sub.shardKey, (set = new Set()));
    set.add(sub);
  }

  remove(sub: Subscription): void {
    if (this.#byKey.get(sub.key) === sub) this.#byKey.delete(sub.key);
    const set = this.#byShard.get(sub.shardKey);
    if (set) {
      set.delete(sub);
      if (set.size === 0) this.#byShard.delete(sub.shardKey);
    }
  }

  /** Ends every subscription of a consumer (deregistered, or its stream deleted). */
  endConsumer(consumer: ConsumerState): void {
    for (const sub of this.#byKey.values()) {
      if (sub.consumer.arn === consumer.arn && sub.consumer.streamId === consumer.streamId) {
        sub.end(consumerNotFound(consumer.arn));
      }
    }
  }

  /** Number of live subscriptions (tests, metrics). */
  get size(): number {
    return this.#byKey.size;
  }

  /** Ends every subscription cleanly (server shutdown). */
  close(): void {
    for (const sub of this.#byKey.values()) sub.end();
  }
}

/** What SubscribeToShard needs from the feature: the read path's context, consumers, live subscriptions. */
export interface SubscribeContext extends PathContext {
  readonly registry: ConsumerRegistry;
  readonly hub: SubscriptionHub;
  readonly timings: SubscriptionTimings;
}

/** Event payloads use the request's encoding (JSON 1.1 or CBOR 1.1), as AWS answers in the request's content type. */
function eventPayloadFor(ctx: RequestContext): EventPayloadEncoder {
  const codec = ctx.codec;
  if (!codec || codec.contentType === jsonEventPayload.contentType) return jsonEventPayload;
  return { contentType: codec.contentType, encode: (body) => codec.encodeOutput(body) };
}

/** SubscribeToShard: admission (file header, steps 1–5), then the event stream. */
export async function subscribeToShard(
  sc: SubscribeContext,
  input: SubscribeToShardInput,
  ctx: RequestContext,
): Promise<AsyncIterable<Uint8Array>> {
  const { rt, registry, hub, timings } = sc;
  await registry.ready;
  // Step 1: the consumer.
  const found = registry.resolveArn(input.ConsumerARN);
  if (!found) throw consumerNotFound(input.ConsumerARN);
  const { stream, consumer } = found;
  // Step 2: ACTIVE only (AWS's wording, as the SDKs report it).
  if (consumer.status !== ConsumerStatus.ACTIVE) {
    throw kinesisError(
      'ResourceInUseException',
      `Consumer ${consumer.name} with creation timestamp ${consumer.createdAt / 1000} under stream: ${stream.name} , account ${stream.accountId} is not in ACTIVE status.`,
    );
  }
  // Step 3: the shard.
  const shardIndex = parseShardId(input.ShardId);
  const shard = shardIndex === undefined ? undefined : rt.shard(stream, shardIndex);
  if (!shard || stream.status === StreamStatus.CREATING || stream.status === StreamStatus.DELETING) {
    const shardId = shardIndex === undefined ? input.ShardId : formatShardId(shardIndex);
    throw kinesisError(
      'ResourceNotFoundException',
      `Shard ${shardId} in stream ${stream.name} under account ${stream.accountId} does not exist`,
    );
  }
  // Step 4: the starting position.
  const handle = await rt.shardHandle(stream, shard);
  const position = input.StartingPosition;
  const offset = await resolveStartOffset(
    rt,
    { stream, shard, log: handle.log },
    {
      type: position.Type,
      sequenceNumber: position.SequenceNumber,
      timestamp: position.Timestamp,
      operation: 'SubscribeToShard',
      now: rt.now(),
    },
  );
  // Step 5: one subscription per consumer and shard; checked after the last await so that two
  // concurrent calls cannot both pass.
  const key = `${consumer.arn}|${shard.index}`;
  const now = rt.now();
  const previous = hub.get(key);
  if (previous && !previous.ended) {
    if (now - previous.startedAt < timings.takeoverMs) {
      rt.metrics.subscribe(stream, consumer.name, true);
      throw kinesisError(
        'ResourceInUseException',
        `Another active subscription exists for this consumer: ${consumer.arn} on shard ${shard.shardId}.`,
      );
    }
    previous.end(
      kinesisError(
        'ResourceInUseException',
        `A newer subscription of consumer ${consumer.arn} to shard ${shard.shardId} took over this one.`,
      ),
    );
    hub.remove(previous);
  }
  const sub = new Subscription({ key, shardKey: shardLogId(stream, shard.index), consumer, startedAt: now });
  hub.add(sub);
  rt.metrics.subscribe(stream, consumer.name, false);
  // The client leaving ends the pump, and frees the slot even if the pump never started.
  const onAbort = (): void => {
    sub.end();
    hub.remove(sub);
  };
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  return pump(sc, {
    sub,
    stream,
    shard,
    handle,
    offset,
    payload: eventPayloadFor(ctx),
    onDone: () => ctx.signal.removeEventListener('abort', onAbort),
  });
}

interface SubscribeToShardEvent {
  Records: KinesisRecord[];
  MillisBehindLatest: number;
  ChildShards?: ChildShard[];
  ContinuationSequenceNumber?: string;
}

/** The event stream of one admitted subscription (file header, stream steps 1–6). */
async function* pump(
  sc: SubscribeContext,
  state: {
    sub: Subscription;
    stream: StreamState;
    shard: ShardState;
    handle: ShardHandle;
    offset: number;
    payload: EventPayloadEncoder;
    onDone: () => void;
  },
): AsyncGenerator<Uint8Array> {
  const { rt, hub, timings } = sc;
  const { sub, stream, shard, handle, payload } = state;
  const event = (body: SubscribeToShardEvent): Uint8Array =>
    encodeEventMessage(EventType.SUBSCRIBE_TO_SHARD_EVENT, body, payload);
  const deadline = sub.startedAt + timings.lifetimeMs;
  try {
    // Step 1.
    yield encodeEventMessage(EventType.INITIAL_RESPONSE, {}, payload);
    let next = state.offset;
    let continuation = await positionSequenceNumber(rt, { shard, handle }, next);
    let lastSent = -Infinity;
    for (;;) {
      if (sub.ended) break;
      // Step 6: the stream went away underneath the subscription.
      const current = rt.catalog.getById(stream.id);
      if (!current || current.status === StreamStatus.DELETING) {
        sub.end(
          kinesisError(
            'ResourceNotFoundException',
            `Stream ${stream.name} under account ${stream.accountId} not found.`,
          ),
        );
        break;
      }
      const now = rt.now();
      // Step 5.
      if (now >= deadline) break;
      sub.pending = false;
      // Step 2.
      const read = await readShardRecords(
        sc,
        { stream, handle },
        {
          from: next,
          maxRecords: GET_RECORDS_MAX_RECORDS,
          maxBytes: timings.maxEventBytes,
        },
      );
      if (sub.ended) break;
      next = read.next;
      if (read.records.length > 0) {
        continuation = read.records[read.records.length - 1]!.SequenceNumber;
        lastSent = rt.now();
        const behind = millisBehindLatest(read, lastSent);
        rt.metrics.subscribeEvent(stream, sub.consumer.name, read.records.length, read.bytes, behind);
        yield event({
          Records: read.records,
          ContinuationSequenceNumber: continuation,
          MillisBehindLatest: behind,
        });
        continue;
      }
      // Step 4.
      if (read.ended) {
        yield event({
          Records: [],
          MillisBehindLatest: 0,
          ChildShards: childShards(rt.catalog.getById(stream.id) ?? stream, shard),
        });
        rt.metrics.subscribeEvent(stream, sub.consumer.name, 0, 0, 0);
        return;
      }
      // Steps 2–3: an event right after the initial response, then one per idle interval.
      if (now - lastSent >= timings.idleEventMs) {
        lastSent = now;
        rt.metrics.subscribeEvent(stream, sub.consumer.name, 0, 0, 0);
        yield event({ Records: [], ContinuationSequenceNumber: continuation, MillisBehindLatest: 0 });
        continue;
      }
      await sub.wait(Math.max(1, Math.min(lastSent + timings.idleEventMs, deadline) - now));
    }
    if (sub.endError) yield encodeExceptionMessage(sub.endError.code, sub.endError.message, payload);
  } finally {
    hub.remove(sub);
    state.onDone();
  }
}
