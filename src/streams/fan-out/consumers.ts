/**
 * The registry of enhanced fan-out consumers: every stream's consumers in memory, written through to the
 * {@link MetaStore} (`consumers/<stream id>/<name>`), with the timed CREATING → ACTIVE and DELETING → gone
 * transitions AWS shows (Amazon Kinesis Data Streams API Reference, RegisterStreamConsumer and
 * DeregisterStreamConsumer). Keyed by stream incarnation id, so a deleted and re-created stream starts without
 * consumers.
 *
 * Other Data Streams operations (DeleteStream, DescribeStreamSummary, tags, resource policies) reach
 * the registry through {@link consumerRegistry}.
 *
 * On a cluster, consumers registered, changed or removed through another node arrive through the metadata
 * store's change feed (ADR 0036) and replace this node's copy; a consumer gone or DELETING there ends its
 * subscriptions here too. The node that started a transition runs its timer.
 */
import type { Scheduler } from '../../jobs/index.js';
import type { Logger } from '../../protocol/index.js';
import type { MetaStore, RemoteMetaChange } from '../../storage/index.js';
import type { StreamState } from '../catalog.js';
import { kinesisError } from '../errors.js';
import { consumerArn, parseConsumerArn, parseStreamArn } from '../model/index.js';
import type { StreamsRuntime } from '../runtime.js';

export const ConsumerStatus = {
  CREATING: 'CREATING',
  ACTIVE: 'ACTIVE',
  DELETING: 'DELETING',
} as const;
export type ConsumerStatus = (typeof ConsumerStatus)[keyof typeof ConsumerStatus];

/** One consumer, persisted as JSON. */
export interface ConsumerState {
  /** Id of the stream incarnation it is registered with. */
  readonly streamId: string;
  readonly streamArn: string;
  readonly name: string;
  readonly arn: string;
  /** Epoch ms in whole seconds (the ARN carries seconds). */
  readonly createdAt: number;
  status: ConsumerStatus;
  /** When the current transitional status ends (epoch ms). */
  transitionAt?: number;
  tags: Record<string, string>;
}

/** AWS: 20 consumers per stream (the default of `consumerLimit`). */
export const DEFAULT_CONSUMER_LIMIT = 20;
/** AWS: at most 5 consumers in CREATING at the same time (per account). */
export const MAX_CREATING_CONSUMERS = 5;

const KEY_PREFIX = 'consumers/';

function consumerKey(streamId: string, name: string): string {
  return `${KEY_PREFIX}${streamId}/${name}`;
}

/** MetaStore key of a consumer's resource policy (beside the stream's `policies/<stream id>`). */
export function consumerPolicyKey(consumer: ConsumerState): string {
  return `policies/${consumer.streamId}/consumer/${consumer.name}`;
}

/** Settings of the registry. */
export interface ConsumerRegistryOptions {
  readonly meta: MetaStore;
  readonly rt: StreamsRuntime;
  readonly logger: Logger;
  /** How long a new consumer stays CREATING (ms; 0 = ACTIVE at once). */
  readonly creatingMs: number;
  /** How long a deregistered consumer stays DELETING (ms; 0 = gone at once). */
  readonly deletingMs: number;
  /** Consumers per stream. */
  readonly consumerLimit: number;
  /** Called when a consumer starts DELETING or is removed with its stream: its subscriptions end. */
  readonly onGone: (consumer: ConsumerState) => void;
  /** Runs the status transitions (timer kind {@link CONSUMER_STATUS_TIMER}, keyed by stream id and name). */
  readonly scheduler: Scheduler;
}

/** Scheduler timer kind of consumer status transitions. */
export const CONSUMER_STATUS_TIMER = 'streams.consumer-status';

/** Payload of a consumer status timer. */
interface ConsumerTimer {
  readonly streamId: string;
  readonly name: string;
}

const registries = new WeakMap<StreamsRuntime, ConsumerRegistry>();

/** The consumer registry of a runtime; undefined when enhanced fan-out is not installed. */
export function consumerRegistry(rt: StreamsRuntime): ConsumerRegistry | undefined {
  return registries.get(rt);
}

/** In-memory consumers with write-through persistence and status timers. */
export class ConsumerRegistry {
  readonly #options: ConsumerRegistryOptions;
  /** stream id → consumer name → consumer. */
  readonly #byStream = new Map<string, Map<string, ConsumerState>>();
  readonly #unhandle: () => Promise<void>;
  readonly #unwatch: () => void;
  /** Changes from other nodes that arrived before the load finished; applied after it. */
  #early: RemoteMetaChange[] | undefined = [];
  /** Serialises metadata writes so the store sees them in order. */
  #writeChain: Promise<void> = Promise.resolve();
  #closed = false;
  /** Resolves once persisted consumers are loaded; every operation waits for it. */
  readonly ready: Promise<void>;

  constructor(options: ConsumerRegistryOptions) {
    this.#options = options;
    registries.set(options.rt, this);
    this.#unhandle = options.scheduler.handle<ConsumerTimer>(CONSUMER_STATUS_TIMER, async ({ payload }) => {
      await this.ready;
      const consumer = this.#byStream.get(payload.streamId)?.get(payload.name);
      if (consumer) await this.#complete(consumer);
    });
    // Subscribed before loading: no change of another node falls between the load and the feed.
    this.#unwatch = options.meta.watchRemote(KEY_PREFIX, (change) => this.#remote(change));
    this.ready = this.#load().finally(() => {
      const early = this.#early ?? [];
      this.#early = undefined;
      for (const change of early) this.#remote(change);
    });
  }

  /** A consumer another node registered, changed or removed (the change feed). */
  #remote(change: RemoteMetaChange): void {
    if (this.#closed) return;
    if (this.#early) {
      this.#early.push(change);
      return;
    }
    const rest = change.key.slice(KEY_PREFIX.length);
    const slash = rest.indexOf('/');
    if (slash < 0) return;
    const streamId = rest.slice(0, slash);
    const name = rest.slice(slash + 1);
    const named = this.#byStream.get(streamId);
    const current = named?.get(name);
    const next = change.value as ConsumerState | undefined;
    if (!next) {
      if (!current || !named) return;
      named.delete(name);
      if (named.size === 0) this.#byStream.delete(streamId);
      if (current.status !== ConsumerStatus.DELETING) this.#options.onGone(current);
      return;
    }
    if (current && current.arn === next.arn) {
      // Updated in place: code holding this object sees the change.
      const wasDeleting = current.status === ConsumerStatus.DELETING;
      current.status = next.status;
      current.tags = { ...next.tags };
      if (next.transitionAt === undefined) delete current.transitionAt;
      else current.transitionAt = next.transitionAt;
      if (!wasDeleting && current.status === ConsumerStatus.DELETING) this.#options.onGone(current);
      return;
    }
    // A new consumer, or a new registration under a name whose earlier consumer this node still held.
    if (current) this.#options.onGone(current);
    this.#index(structuredClone(next));
  }

  /** Loads persisted consumers, drops those whose stream is gone, resumes pending transitions. */
  async #load(): Promise<void> {
    const { meta, rt } = this.#options;
    for (const [key, consumer] of await meta.list<ConsumerState>(KEY_PREFIX)) {
      if (rt.catalog.getById(consumer.streamId) === undefined && !(await this.#streamStored(consumer))) {
        // The stream was deleted while its consumers' removal was in flight.
        await meta.batch([
          [key, undefined],
          [consumerPolicyKey(consumer), undefined],
        ]);
        continue;
      }
      this.#index(consumer);
      // The consumer state is the source of truth: its due transition is (re-)declared to the scheduler.
      if (consumer.transitionAt !== undefined) await this.#schedule(consumer);
    }
  }

  /**
   * Whether the consumer's stream incarnation is in the metadata store. On a cluster the cache may not know a
   * stream another node created just before this node loaded (its change is still on the feed, ADR 0036): such a
   * consumer is kept, not dropped as an orphan.
   */
  async #streamStored(consumer: ConsumerState): Promise<boolean> {
    const parts = parseStreamArn(consumer.streamArn);
    if (!parts) return false;
    const id = await this.#options.rt.catalog.storedId(parts.accountId, parts.region, parts.streamName);
    return id === consumer.streamId;
  }

  /** Consumers of a stream, sorted by name. */
  list(stream: StreamState): ConsumerState[] {
    const named = this.#byStream.get(stream.id);
    if (!named) return [];
    return [...named.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Number of consumers registered with a stream (any status): DescribeStreamSummary's ConsumerCount. */
  count(stream: StreamState): number {
    return this.#byStream.get(stream.id)?.size ?? 0;
  }

  /** The consumer with this name on the stream. */
  get(stream: StreamState, name: string): ConsumerState | undefined {
    return this.#byStream.get(stream.id)?.get(name);
  }

  /**
   * Resolves a consumer ARN to its stream and consumer; undefined when either does not exist
   * (including an ARN whose creation time names an earlier consumer of the same name).
   */
  resolveArn(arn: string): { stream: StreamState; consumer: ConsumerState } | undefined {
    const parts = parseConsumerArn(arn);
    if (!parts) return undefined;
    const stream = this.#options.rt.catalog.get(parts.accountId, parts.region, parts.streamName);
    const consumer = stream && this.get(stream, parts.consumerName);
    if (!stream || !consumer || consumer.arn !== arn) return undefined;
    return { stream, consumer };
  }

  /**
   * Registers a consumer (RegisterStreamConsumer, AWS API reference):
   * 1. The name must be unused on the stream → else ResourceInUseException.
   * 2. At most `consumerLimit` consumers per stream (AWS: 20) → else LimitExceededException.
   * 3. At most 5 consumers CREATING at once in the account → else LimitExceededException.
   * 4. The consumer starts CREATING and turns ACTIVE after the creation delay.
   */
  async register(stream: StreamState, name: string, tags: Record<string, string>): Promise<ConsumerState> {
    const { rt, consumerLimit } = this.#options;
    if (this.get(stream, name)) {
      throw kinesisError(
        'ResourceInUseException',
        `Consumer ${name} under stream ${stream.name} under account ${stream.accountId} already exists.`,
      );
    }
    if (this.count(stream) >= consumerLimit) {
      throw kinesisError(
        'LimitExceededException',
        `Stream ${stream.name} under account ${stream.accountId} already has ${consumerLimit} registered consumers, the maximum allowed.`,
      );
    }
    if (this.#creatingInAccount(stream) >= MAX_CREATING_CONSUMERS) {
      throw kinesisError(
        'LimitExceededException',
        `Account ${stream.accountId} already has ${MAX_CREATING_CONSUMERS} consumers in CREATING status; wait until they are ACTIVE.`,
      );
    }
    const now = rt.now();
    const createdAt = Math.floor(now / 1000) * 1000;
    const consumer: ConsumerState = {
      streamId: stream.id,
      streamArn: stream.arn,
      name,
      arn: consumerArn(stream.arn, name, createdAt / 1000),
      createdAt,
      status: ConsumerStatus.CREATING,
      tags: { ...tags },
    };
    this.#index(consumer);
    const { creatingMs } = this.#options;
    if (creatingMs <= 0) consumer.status = ConsumerStatus.ACTIVE;
    else consumer.transitionAt = now + creatingMs;
    await this.save(consumer);
    if (consumer.transitionAt !== undefined) await this.#schedule(consumer);
    return consumer;
  }

  /** Deregisters a consumer: DELETING for the deletion delay, then gone. Its subscriptions end now. */
  async deregister(consumer: ConsumerState): Promise<void> {
    if (consumer.status === ConsumerStatus.DELETING) return;
    consumer.status = ConsumerStatus.DELETING;
    this.#options.onGone(consumer);
    const { deletingMs, rt } = this.#options;
    if (deletingMs <= 0) {
      await this.#remove(consumer);
      return;
    }
    consumer.transitionAt = rt.now() + deletingMs;
    await this.save(consumer);
    await this.#schedule(consumer);
  }

  /** Removes every consumer of a stream at once (DeleteStream with EnforceConsumerDeletion). */
  async removeStream(stream: StreamState): Promise<void> {
    const named = this.#byStream.get(stream.id);
    if (!named) return;
    const consumers = [...named.values()];
    for (const consumer of consumers) {
      await this.#clearTimer(consumer);
      this.#options.onGone(consumer);
    }
    this.#byStream.delete(stream.id);
    await this.#write(
      consumers.flatMap((c) => [
        [consumerKey(c.streamId, c.name), undefined] as const,
        [consumerPolicyKey(c), undefined] as const,
      ]),
    );
  }

  /** Persists the current state of a consumer (call after mutating it, e.g. its tags). */
  save(consumer: ConsumerState): Promise<void> {
    return this.#write([[consumerKey(consumer.streamId, consumer.name), structuredClone(consumer)]]);
  }

  /** Stops handling transitions (waiting for one under way) and waits for pending writes. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#unwatch();
    await this.#unhandle();
    await this.ready.catch(() => {});
    await this.#writeChain;
  }

  #creatingInAccount(stream: StreamState): number {
    let n = 0;
    for (const named of this.#byStream.values()) {
      for (const c of named.values()) {
        if (c.status !== ConsumerStatus.CREATING) continue;
        const owner = this.#options.rt.catalog.getById(c.streamId);
        if (owner && owner.accountId === stream.accountId && owner.region === stream.region) n++;
      }
    }
    return n;
  }

  #index(consumer: ConsumerState): void {
    let named = this.#byStream.get(consumer.streamId);
    if (!named) this.#byStream.set(consumer.streamId, (named = new Map()));
    named.set(consumer.name, consumer);
  }

  #write(changes: ReadonlyArray<readonly [string, unknown]>): Promise<void> {
    const write = this.#writeChain.then(() => this.#options.meta.batch(changes));
    this.#writeChain = write.catch(() => {});
    return write;
  }

  /** Arms (or re-arms) the end of the consumer's transitional status at `transitionAt`. */
  #schedule(consumer: ConsumerState): Promise<void> {
    const payload: ConsumerTimer = { streamId: consumer.streamId, name: consumer.name };
    const dueAt = consumer.transitionAt ?? this.#options.rt.now();
    return this.#options.scheduler.at(
      CONSUMER_STATUS_TIMER,
      consumerKey(consumer.streamId, consumer.name),
      dueAt,
      payload,
    );
  }

  async #clearTimer(consumer: ConsumerState): Promise<void> {
    await this.#options.scheduler.cancel(CONSUMER_STATUS_TIMER, consumerKey(consumer.streamId, consumer.name));
  }

  async #complete(consumer: ConsumerState): Promise<void> {
    if (this.#closed || this.#byStream.get(consumer.streamId)?.get(consumer.name) !== consumer) return;
    if (consumer.status === ConsumerStatus.DELETING) {
      await this.#remove(consumer);
      return;
    }
    consumer.status = ConsumerStatus.ACTIVE;
    delete consumer.transitionAt;
    await this.save(consumer);
  }

  async #remove(consumer: ConsumerState): Promise<void> {
    await this.#clearTimer(consumer);
    const named = this.#byStream.get(consumer.streamId);
    if (named?.get(consumer.name) === consumer) named.delete(consumer.name);
    if (named?.size === 0) this.#byStream.delete(consumer.streamId);
    await this.#write([
      [consumerKey(consumer.streamId, consumer.name), undefined],
      [consumerPolicyKey(consumer), undefined],
    ]);
  }
}
