/** The NATS JetStream storage backend (ADR 0028). Only `src/server` imports it. */
export {
  NATS_FEATURES,
  type NatsBackendOptions,
  type NatsCapabilities,
  type NatsFeature,
  destroyNatsData,
  natsCapabilities,
  openNatsBackend,
  versionAtLeast,
} from './backend.js';
export type { NatsPublisher, PublishAck, PublishExpectation } from './publish-acks.js';
