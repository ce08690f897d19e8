/**
 * The composition root: the one place that chooses a storage backend and builds the services on it
 * (docs/architecture.md). Everything else receives interfaces. The services are a list of modules, built in
 * order so later ones can use earlier ones' in-process APIs (Firehose and Analytics read Data Streams through
 * `streams.api`); the router, authorization, body limits, workers and the error catalogue all read that list.
 */
import { join } from 'node:path';
import { Scheduler, WorkerHost } from '../jobs/index.js';
import type { Logger, ServiceModule } from '../protocol/index.js';
import { hostname } from 'node:os';
import { openLocalBackend } from '../storage/local/index.js';
import { openNatsBackend } from '../storage/nats/index.js';
import { scopeMeta, type DurabilityPolicy, type StorageBackend, type StorageStats } from '../storage/index.js';
import { createStreamsService } from '../streams/index.js';
import { createFirehoseService, embeddedObjectDir } from '../firehose/index.js';
import { createVideoService } from '../video/index.js';
import { createAnalyticsService } from '../analytics/index.js';
import { type DurabilitySetting, firehosePutLimits, natsLocation, type ServerConfig } from './config.js';
import { KINESIS_SCOPE, migrateMetaLayout } from './migrations.js';

/** Scope prefix of the Firehose service's metadata. */
const FIREHOSE_SCOPE = 'firehose/';
/** Scope prefix of the Kinesis Video service's metadata. */
const VIDEO_SCOPE = 'kinesisvideo/';
/** Scope prefix of the Analytics service's metadata. */
const ANALYTICS_SCOPE = 'analytics/';

/** The mounted service modules, the host of their workers, and how to shut them down. */
export interface ComposedStack {
  readonly modules: readonly ServiceModule[];
  /** Long-running workers of the services; the server starts them once it listens and stops them first. */
  readonly workers: WorkerHost;
  /** The storage backend's figures for `/metrics` (absent when the server was given its modules). */
  readonly storageStats?: () => Promise<StorageStats | undefined>;
  /** Closes the services (last built first), the scheduler, then storage. */
  close(): Promise<void>;
}

/** `always` / `none` / `interval:<ms>` → the storage policy object. */
export function toDurabilityPolicy(setting: DurabilitySetting): DurabilityPolicy {
  if (setting === 'always' || setting === 'none') return { kind: setting };
  return { kind: 'interval', intervalMs: Number(setting.slice('interval:'.length)) };
}

/**
 * The backend `--storage` names: the embedded log under `<dataDir>/storage`, or a NATS JetStream cluster shared
 * by every node that names it (docs/adr/0028-nats-jetstream-backend.md).
 */
export function openBackend(config: ServerConfig): Promise<StorageBackend> {
  if (config.storage === 'local')
    return openLocalBackend(join(config.dataDir, 'storage'), {
      durability: toDurabilityPolicy(config.durability),
      maxOpenFiles: config.maxOpenFiles,
    });
  const nats = natsLocation(config.storage);
  return openNatsBackend({
    servers: nats.servers,
    replicas: config.natsReplicas === 1 ? 1 : 3,
    prefix: config.natsPrefix,
    name: `tributary@${hostname()}:${config.port}`,
    ...(nats.user !== undefined ? { user: nats.user, pass: nats.pass ?? '' } : {}),
    ...(nats.token !== undefined ? { token: nats.token } : {}),
    ...(nats.tls ? { tls: config.natsTlsCa ? { caFile: config.natsTlsCa } : {} } : {}),
  });
}

/** Opens the configured backend and builds the service modules on it. */
export async function composeServices(config: ServerConfig, logger: Logger): Promise<ComposedStack> {
  const backend = await openBackend(config);
  // One scheduler for every service's timed work, one host for their workers (src/jobs), on the backend's
  // metadata and leases (on a cluster, the leases make each worker run on one node).
  const jobsLogger = logger.child({ area: 'jobs' });
  const workers = new WorkerHost({ leases: backend.leases, logger: jobsLogger, leaseTtlMs: config.workerLeaseMs });
  // Repeating jobs (retention sweeps, on-demand scaling) run as leased workers: once across a cluster (ADR 0042).
  const scheduler = new Scheduler({ meta: backend.meta, logger: jobsLogger, workers });
  const modules: ServiceModule[] = [];
  const close = async (): Promise<void> => {
    try {
      await workers.close();
      // Later modules may use earlier ones' APIs: close in reverse order.
      for (const module of [...modules].reverse()) await module.close();
      await scheduler.close();
    } finally {
      await backend.close();
    }
  };
  try {
    // Each service keeps its metadata in its own scope; the scheduler's timers stay at the root (`jobs/`).
    await migrateMetaLayout(backend.meta, logger);
    const streams = await createStreamsService(backend, {
      meta: scopeMeta(backend.meta, KINESIS_SCOPE),
      region: config.region,
      accountId: config.accountId,
      createStreamMs: config.createStreamMs,
      deleteStreamMs: config.deleteStreamMs,
      updateStreamMs: config.updateStreamMs,
      shardLimit: config.shardLimit,
      enforceLimits: config.enforceLimits,
      kmsKeyFile: config.kmsKeyFile || join(config.dataDir, 'kms-keys.json'),
      logger,
      scheduler,
    });
    modules.push(streams);
    const firehose = await createFirehoseService(backend, {
      meta: scopeMeta(backend.meta, FIREHOSE_SCOPE),
      region: config.region,
      accountId: config.accountId,
      logger,
      streams: streams.api,
      scheduler,
      workers,
      objectDir: embeddedObjectDir(config.dataDir),
      ...(config.s3Endpoint
        ? {
            s3: {
              endpoint: config.s3Endpoint,
              accessKeyId: config.s3AccessKeyId,
              secretAccessKey: config.s3SecretAccessKey,
            },
          }
        : {}),
      createMs: config.firehoseCreateMs,
      deleteMs: config.firehoseDeleteMs,
      bufferCapBytes: config.firehoseBufferCapBytes,
      sseMs: config.firehoseSseMs,
      sseCallsPerDay: config.firehoseSseCallsPerDay,
      putLimits: firehosePutLimits(config.firehosePutLimits),
    });
    modules.push(firehose);
    const video = await createVideoService(backend, {
      meta: scopeMeta(backend.meta, VIDEO_SCOPE),
      region: config.region,
      accountId: config.accountId,
      logger,
      scheduler,
      createMs: config.videoCreateMs,
      updateMs: config.videoUpdateMs,
      deleteMs: config.videoDeleteMs,
      publicUrl: config.publicUrl,
    });
    modules.push(video);
    const analytics = await createAnalyticsService(backend, {
      meta: scopeMeta(backend.meta, ANALYTICS_SCOPE),
      region: config.region,
      accountId: config.accountId,
      logger,
      streams: streams.api,
      firehose,
      scheduler,
      workers,
      objectDir: embeddedObjectDir(config.dataDir),
      ...(config.s3Endpoint
        ? {
            s3: {
              endpoint: config.s3Endpoint,
              accessKeyId: config.s3AccessKeyId,
              secretAccessKey: config.s3SecretAccessKey,
            },
          }
        : {}),
      transitionMs: config.analyticsTransitionMs,
      ...(config.analyticsLambdaEndpoint ? { lambdaEndpoint: config.analyticsLambdaEndpoint } : {}),
    });
    modules.push(...analytics.modules);
    for (const module of modules) for (const worker of module.workers ?? []) workers.add(worker);
    // Every service registered its timer handlers: resume the persisted timers.
    await scheduler.start();
    return { modules, workers, close, storageStats: async () => backend.stats?.() };
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }
}
