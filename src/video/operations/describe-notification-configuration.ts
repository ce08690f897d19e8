import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type {
  DescribeNotificationConfigurationInput,
  DescribeNotificationConfigurationOutput,
} from '../shapes/index.js';

/** DescribeNotificationConfiguration: the stored configuration, if any. */
export function describeNotificationConfiguration(
  rt: VideoRuntime,
  input: DescribeNotificationConfigurationInput,
  ctx: RequestContext,
): DescribeNotificationConfigurationOutput {
  const config = rt.requireStream(input, ctx).configurations.notification;
  return config === undefined ? {} : { NotificationConfiguration: structuredClone(config) };
}
