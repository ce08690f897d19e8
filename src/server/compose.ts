/**
 * The composition root: the one place that chooses a storage backend and builds the services on
 * it (style.md §4). Everything else receives interfaces.
 */
import { join } from 'node:path';
import type { Logger, ServiceDefinition } from '../protocol/index.js';
import { openLocalBackend } from '../storage/local/index.js';
import type { DurabilityPolicy } from '../storage/index.js';
import { createStreamsService } from '../streams/index.js';
import type { DurabilitySetting, ServerConfig } from './config.js';

/** The mounted services and how to shut them down (services first, then storage). */
export interface ComposedStack {
  readonly services: ServiceDefinition[];
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
    return {
      services: [streams.definition],
      async close() {
        try {
          await streams.close();
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
