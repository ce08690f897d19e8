/**
 * The composition root: the one place that chooses a storage backend and builds the services on it
 * (docs/architecture.md). Everything else receives interfaces. The services are a list of modules, built in
 * order so later ones can use earlier ones' in-process APIs (Firehose and Analytics read Data Streams through
 * `streams.api`); the router, authorization, body limits and the error catalogue all read that list.
 */
import { join } from 'node:path';
import type { Logger, ServiceModule } from '../protocol/index.js';
import { openLocalBackend } from '../storage/local/index.js';
import type { DurabilityPolicy } from '../storage/index.js';
import { createStreamsService } from '../streams/index.js';
import type { DurabilitySetting, ServerConfig } from './config.js';

/** The mounted service modules and how to shut them down (services first, then storage). */
export interface ComposedStack {
  readonly modules: readonly ServiceModule[];
  close(): Promise<void>;
}

/** `always` / `none` / `interval:<ms>` → the storage policy object. */
export function toDurabilityPolicy(setting: DurabilitySetting): DurabilityPolicy {
  if (setting === 'always' || setting === 'none') return { kind: setting };
  return { kind: 'interval', intervalMs: Number(setting.slice('interval:'.length)) };
}

/** Opens the local backend under `<dataDir>/storage` and builds the service modules on it. */
export async function composeServices(config: ServerConfig, logger: Logger): Promise<ComposedStack> {
  const backend = await openLocalBackend(join(config.dataDir, 'storage'), {
    durability: toDurabilityPolicy(config.durability),
  });
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
    });
    const modules: ServiceModule[] = [streams];
    return {
      modules,
      async close() {
        try {
          // Later modules may use earlier ones' APIs: close in reverse order.
          for (const module of [...modules].reverse()) await module.close();
        } finally {
          await backend.close();
        }
      },
    };
  } catch (e) {
    await backend.close().catch(() => {});
    throw e;
  }
}
