/**
 * The composition root: the one place that chooses a storage backend and builds the services on
 * it (style.md §4). Everything else receives interfaces.
 */
import { join } from 'node:path';
import { Scheduler, WorkerHost, inProcessLeases } from '../jobs/index.js';
import type { Logger, ServiceDefinition } from '../protocol/index.js';
import { openLocalBackend } from '../storage/local/index.js';
import type { DurabilityPolicy } from '../storage/index.js';
import { createStreamsService } from '../streams/index.js';
import type { DurabilitySetting, ServerConfig } from './config.js';

/** The mounted services and how to shut them down (services first, then storage). */
export interface ComposedStack {
  readonly services: ServiceDefinition[];
  /** Long-running workers of the services; the server starts them once it listens and stops them first. */
  readonly workers?: WorkerHost;
  close(): Promise<void>;
}

/** `always` / `none` / `interval:<ms>` → the storage policy object. */
export function toDurabilityPolicy(setting: DurabilitySetting): DurabilityPolicy {
  if (setting === 'always' || setting === 'none') return { kind: setting };
  return { kind: 'interval', intervalMs: Number(setting.slice('interval:'.length)) };
}

/** Opens the local backend under `<dataDir>/storage` and mounts Data Streams on it. */
export async function composeServices(config: ServerConfig, logger: Logger): Promise<ComposedStack> {
  const backend = await openLocalBackend(join(config.dataDir, 'storage'), {
    durability: toDurabilityPolicy(config.durability),
  });
  // One scheduler for every service's timed work, one host for their workers (src/jobs).
  const jobsLogger = logger.child({ area: 'jobs' });
  const scheduler = new Scheduler({ meta: backend.meta, logger: jobsLogger });
  // Single node: leases are process-local bookkeeping (a clustered backend will hand out its own).
  const workers = new WorkerHost({ leases: inProcessLeases(), logger: jobsLogger });
  try {
    const streams = await createStreamsService(backend, {
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
    // Every service registered its timer handlers: resume the persisted timers.
    await scheduler.start();
    return {
      services: [streams.definition],
      workers,
      async close() {
        try {
          await workers.close();
          await streams.close();
          await scheduler.close();
        } finally {
          await backend.close();
        }
      },
    };
  } catch (e) {
    await workers.close().catch(() => {});
    await scheduler.close().catch(() => {});
    await backend.close().catch(() => {});
    throw e;
  }
}
