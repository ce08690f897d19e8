import type { RequestContext } from '../../protocol/index.js';
import { noDataRetention } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import type { UpdateNotificationConfigurationInput, UpdateNotificationConfigurationOutput } from '../shapes/index.js';

/**
 * UpdateNotificationConfiguration (UpdateNotificationConfiguration API reference): the rules of
 * UpdateImageGenerationConfiguration (ACTIVE stream; ENABLED needs data retention; stored as given, removed when
 * absent). Notifications are not published by this server; the configuration is stored and described.
 */
export async function updateNotificationConfiguration(
  rt: VideoRuntime,
  input: UpdateNotificationConfigurationInput,
  ctx: RequestContext,
): Promise<UpdateNotificationConfigurationOutput> {
  const state = rt.requireStable(input, ctx);
  const config = input.NotificationConfiguration;
  if (config?.Status === 'ENABLED' && state.dataRetentionInHours === 0) {
    throw noDataRetention();
  }
  await rt.catalog.update(state, (d) => {
    if (config === undefined) delete d.configurations.notification;
    else d.configurations.notification = structuredClone(config) as typeof d.configurations.notification;
  });
  return {};
}
