/**
 * A feature of the Data Streams service (resharding, enhanced fan-out, encryption, capacity limits):
 * operations it adds, the record policy it provides (src/streams/policies.ts) and what it needs to stop.
 * Features get the shared runtime, the metadata store and the service's append signal; features that read
 * records (fan-out) also get the record policies the providers built.
 */
import type { Scheduler } from '../jobs/index.js';
import type { Logger, OperationDefinition } from '../protocol/index.js';
import type { MetaStore } from '../storage/index.js';
import type { AppendSignal, RecordPolicies } from './policies.js';
import type { StreamsRuntime } from './runtime.js';

export interface StreamsFeature {
  /** Operations this feature implements, by operation name, each with its traits. */
  readonly operations: Readonly<Record<string, OperationDefinition>>;
  /**
   * Wraps an operation (every operation, once all features added theirs): how cross-cutting rules such as
   * control-plane rate limits apply without touching each operation.
   */
  decorate?(operation: string, definition: OperationDefinition): OperationDefinition;
  /** Stops timers and open work; called before storage closes. */
  close?(): Promise<void>;
  /** The record policies this feature provides to the read and write paths (encryption: sealer; limits: gate). */
  readonly provides?: Partial<Pick<RecordPolicies, 'sealer' | 'gate'>>;
}

/** What every feature factory receives. */
export interface FeatureContext {
  readonly rt: StreamsRuntime;
  readonly meta: MetaStore;
  readonly logger: Logger;
  /** Where features arm their timers and repeating jobs (the service's scheduler). */
  readonly scheduler: Scheduler;
  /** The service options (feature-specific settings live there). */
  readonly options: FeatureOptions;
  /** Durable appends (and shard closes) of the service: features subscribe to react to them. */
  readonly appends: AppendSignal;
}

/** What features that read or write records receive: the context plus the service's record policies. */
export interface RecordFeatureContext extends FeatureContext {
  readonly policies: RecordPolicies;
}

/** Feature settings carried in StreamsServiceOptions. */
export interface FeatureOptions {
  /** Enforce AWS's per-shard and control-plane limits (the `--enforce-limits` switch). Default false. */
  readonly enforceLimits?: boolean;
  /** How often on-demand streams are re-evaluated for scaling, in ms of the service clock. Default 60,000. */
  readonly onDemandScalingIntervalMs?: number;
  /** Enhanced fan-out consumers per stream (AWS: 20). */
  readonly consumerLimit?: number;
  /** JSON file with the local KMS keys used for server-side encryption (created when missing). */
  readonly kmsKeyFile?: string;
  /** Overrides of AWS's limits, applied when `enforceLimits` is on (defaults: AWS's published values). */
  readonly limits?: Partial<LimitSettings>;
}

/**
 * AWS's per-shard and control-plane limits (Kinesis Data Streams Developer Guide, 'Quotas and limits'); each can be
 * overridden, e.g. to make a test throttle sooner.
 */
export interface LimitSettings {
  /** Write bandwidth per shard, data + partition key bytes per second. AWS: 1 MiB. */
  readonly writeBytesPerSecond: number;
  /** Records written per shard per second. AWS: 1,000. */
  readonly writeRecordsPerSecond: number;
  /** Read bandwidth per shard (GetRecords, shared by all polling consumers), bytes per second. AWS: 2 MiB. */
  readonly readBytesPerSecond: number;
  /** GetRecords calls per shard per second. AWS: 5. */
  readonly readCallsPerSecond: number;
  /** How long GetRecords is refused after a response of 10 MiB, ms. AWS: 5,000. */
  readonly largeReadPenaltyMs: number;
  /** GetShardIterator calls per open shard per second. AWS: 5. */
  readonly getShardIteratorPerSecond: number;
  /** Streams in CREATING at once per account and region. AWS: 5. */
  readonly creatingStreams: number;
  /** Encryption changes (Start/StopStreamEncryption) per stream in a rolling 24 h. AWS: 25. */
  readonly encryptionChangesPerDay: number;
  /** Transactions per second per operation (control plane), overriding AWS's table entry by operation name. */
  readonly operationsPerSecond: Readonly<Record<string, number>>;
}
