/**
 * Enhanced fan-out: stream consumers (RegisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers,
 * DeregisterStreamConsumer) and SubscribeToShard, which pushes records over HTTP/2 in AWS's event-stream encoding as
 * they are appended (Amazon Kinesis Data Streams API Reference, SubscribeToShard).
 */
import { opWith } from '../../protocol/index.js';
import type { RecordFeatureContext, StreamsFeature } from '../feature.js';
import { CONSUMER, STREAM } from '../operation-traits.js';
import {
  deregisterStreamConsumer,
  describeStreamConsumer,
  listStreamConsumers,
  registerStreamConsumer,
  type ConsumerOperationContext,
} from './consumer-operations.js';
import { ConsumerRegistry, DEFAULT_CONSUMER_LIMIT } from './consumers.js';
import {
  DEFAULT_SUBSCRIPTION_TIMINGS,
  SubscriptionHub,
  subscribeToShard,
  type SubscriptionTimings,
} from './subscribe-to-shard.js';

export {
  consumerRegistry,
  consumerPolicyKey,
  ConsumerStatus,
  DEFAULT_CONSUMER_LIMIT,
  MAX_CREATING_CONSUMERS,
} from './consumers.js';
export type { ConsumerRegistry, ConsumerState } from './consumers.js';
export { DEFAULT_SUBSCRIPTION_TIMINGS } from './subscribe-to-shard.js';
export type { SubscriptionTimings } from './subscribe-to-shard.js';

/**
 * Installs enhanced fan-out. Consumers stay CREATING for the service's `createStreamMs` and DELETING for
 * its `deleteStreamMs`; `options.consumerLimit` (default 20) caps consumers per stream. `timings`
 * overrides subscription timings (tests, benchmarks).
 */
export function fanOutFeature(ctx: RecordFeatureContext, timings: Partial<SubscriptionTimings> = {}): StreamsFeature {
  const { rt, meta, logger, options, appends, policies } = ctx;
  const hub = new SubscriptionHub();
  const registry = new ConsumerRegistry({
    meta,
    rt,
    logger,
    creatingMs: rt.settings.createStreamMs,
    deletingMs: rt.settings.deleteStreamMs,
    consumerLimit: options.consumerLimit ?? DEFAULT_CONSUMER_LIMIT,
    onGone: (consumer) => hub.endConsumer(consumer),
    scheduler: ctx.scheduler,
  });
  // A failed load is logged here; operations that await `ready` report it as InternalFailure.
  registry.ready.catch((err) => logger.error({ err }, 'loading stream consumers failed'));
  const unsubscribe = appends.subscribe(hub.onAppend);
  const fo: ConsumerOperationContext = { rt, registry };
  const sc = { rt, policies, registry, hub, timings: { ...DEFAULT_SUBSCRIPTION_TIMINGS, ...timings } };
  return {
    operations: {
      RegisterStreamConsumer: opWith(fo, registerStreamConsumer, { resource: STREAM, requestTags: 'Tags' }),
      DescribeStreamConsumer: opWith(fo, describeStreamConsumer, { resource: CONSUMER }),
      ListStreamConsumers: opWith(fo, listStreamConsumers, { resource: STREAM }),
      DeregisterStreamConsumer: opWith(fo, deregisterStreamConsumer, { resource: CONSUMER }),
      SubscribeToShard: opWith(sc, subscribeToShard, { resource: CONSUMER, streamingResponse: true }),
    },
    async close() {
      unsubscribe();
      hub.close();
      await registry.close();
    },
  };
}
