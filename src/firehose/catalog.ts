/**
 * The delivery stream catalogue: every delivery stream's configuration and status, in memory and written through
 * to the service's {@link MetaStore} scope (`streams/<account>/<region>/<name>`). Like the Data Streams catalogue
 * (docs/adr/0012-catalog-sole-writer.md) it is the only writer of that state: states are frozen, a change is a
 * mutator applied to a copy, written with compare-and-set against the last known revision, and made current only
 * once durable. Changes of one stream are serialised.
 */
import type { Logger } from '../protocol/index.js';
import { newIncarnationId, ResourceCatalog, type CatalogMutator, type MetaStore } from '../storage/index.js';
import { deliveryStreamNotFound, firehoseError } from './errors.js';
import type { HttpEndpointState } from './http-endpoint.js';
import type {
  DeliveryStreamStatus,
  DeliveryStreamType,
  ExtendedS3DestinationDescription,
  KeyType,
} from './shapes/index.js';

/** The single destination of a delivery stream. */
export interface DestinationState {
  /** `destinationId-000000000001`. */
  readonly id: string;
  /**
   * `s3` was created with the legacy S3DestinationConfiguration (described as both S3 and Extended S3);
   * `httpEndpoint` delivers to `http` and keeps `s3` as its backup bucket.
   */
  readonly kind: 's3' | 'extendedS3' | 'httpEndpoint';
  /** The configuration with AWS's defaults filled in, as DescribeDeliveryStream shows it. */
  readonly s3: ExtendedS3DestinationDescription;
  /** The HTTP endpoint (kind `httpEndpoint`). */
  readonly http?: HttpEndpointState;
}

/**
 * Server-side encryption of a DirectPut stream (Tributary has no KMS: the settings are kept and reported).
 * ENABLING and DISABLING end at `transitionAt` (epoch ms) on the scheduler's `firehose.sse` timer.
 */
export interface EncryptionState {
  readonly status: 'ENABLED' | 'DISABLED' | 'ENABLING' | 'DISABLING';
  readonly keyType?: KeyType;
  readonly keyArn?: string;
  readonly transitionAt?: number;
  /** Epoch ms of the Start/Stop calls of the last 24 hours (their combined quota). */
  readonly calls?: readonly number[];
}

/** One delivery stream, persisted as JSON. */
export interface DeliveryStreamState {
  /** Unique per incarnation (names its durable buffer and checkpoint). */
  readonly id: string;
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly arn: string;
  readonly status: DeliveryStreamStatus;
  readonly type: DeliveryStreamType;
  /** Starts at 1; +1 per UpdateDestination (part of every S3 object name). */
  readonly versionId: number;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly updatedAt?: number;
  /** When the current transitional status ends (epoch ms). */
  readonly transitionAt?: number;
  readonly kinesisSource?: { readonly streamArn: string; readonly roleArn: string };
  readonly directPut?: { readonly throughputHintInMBs?: number };
  readonly destination: DestinationState;
  readonly encryption: EncryptionState;
  /** Tags in insertion order. */
  readonly tags: Readonly<Record<string, string>>;
}

/** A mutable copy of a state, what a mutator edits. */
export type Draft<T> =
  T extends ReadonlyArray<infer U> ? Draft<U>[] : T extends object ? { -readonly [K in keyof T]: Draft<T[K]> } : T;
export type DeliveryStreamDraft = Draft<DeliveryStreamState>;
/** Edits a copy in place; returning `false` means "nothing to change". May run again after a conflict. */
export type Mutator = CatalogMutator<DeliveryStreamDraft>;

export { newIncarnationId };

/** The delivery stream catalogue (see this file's header and src/storage/resource-catalog.ts). */
export class DeliveryStreamCatalog extends ResourceCatalog<DeliveryStreamState, DeliveryStreamDraft> {
  static async open(meta: MetaStore, logger: Logger): Promise<DeliveryStreamCatalog> {
    const catalog = new DeliveryStreamCatalog(meta, {
      keyPrefix: 'streams/',
      alreadyExists: (state) =>
        firehoseError(
          'ResourceInUseException',
          `Firehose ${state.name} under accountId ${state.accountId} already exists`,
        ),
      notFound: () => firehoseError('ResourceNotFoundException', 'Firehose not found.'),
      onConflict: (current, attempt) =>
        logger.warn({ deliveryStream: current.name, attempt }, 'delivery stream changed by another writer'),
      onListenerError: (err) => logger.error({ err }, 'delivery stream change listener failed'),
    });
    await catalog.load();
    return catalog;
  }

  /** ResourceNotFoundException unless the stream exists. */
  require(accountId: string, region: string, name: string): DeliveryStreamState {
    const s = this.get(accountId, region, name);
    if (!s) throw deliveryStreamNotFound(name, accountId);
    return s;
  }
}
