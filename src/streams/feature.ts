/**
 * A feature of the Data Streams service (resharding, enhanced fan-out, encryption, capacity limits):
 * operations it adds and what it needs to stop. Features get the shared runtime and the metadata
 * store and may install runtime hooks (`rt.gate`, `rt.appendListeners`).
 */
import type { Logger, OperationHandler } from '../protocol/index.js';
import type { MetaStore } from '../storage/index.js';
import type { StreamsRuntime } from './runtime.js';

export interface StreamsFeature {
  /** Operation handlers this feature implements, by operation name. */
  readonly handlers: Readonly<Record<string, OperationHandler>>;
  /** Stops timers and open work; called before storage closes. */
  close?(): Promise<void>;
}

/** What every feature factory receives. */
export interface FeatureContext {
  readonly rt: StreamsRuntime;
  readonly meta: MetaStore;
  readonly logger: Logger;
  /** The service options (feature-specific settings live there). */
  readonly options: FeatureOptions;
}

/** Feature settings carried in StreamsServiceOptions. */
export interface FeatureOptions {
  /** Enforce AWS's per-shard and control-plane limits (the `--enforce-limits` switch). Default false. */
  readonly enforceLimits?: boolean;
  /** Enhanced fan-out consumers per stream (AWS: 20). */
  readonly consumerLimit?: number;
  /** JSON file with the local KMS keys used for server-side encryption (created when missing). */
  readonly kmsKeyFile?: string;
}
