import type { RequestContext } from '../../protocol/index.js';
import { analyticsError } from '../errors.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type { CreateApplicationPresignedUrlRequest, CreateApplicationPresignedUrlResponse } from '../shapes/index.js';

/**
 * CreateApplicationPresignedUrl (API reference, version 2): a URL of the Flink dashboard or Zeppelin UI of a
 * running application. Tributary runs neither, so there is no such page: the call answers
 * InvalidArgumentException for a SQL application (which has none in AWS either) and ResourceInUseException for
 * any other, as AWS does for an application that is not running.
 */
export async function createApplicationPresignedUrl(
  rt: AnalyticsRuntime,
  input: CreateApplicationPresignedUrlRequest,
  ctx: RequestContext,
): Promise<CreateApplicationPresignedUrlResponse> {
  const app = rt.require(ctx, input.ApplicationName);
  // TODO(#10): AWS's wording of both errors.
  if (app.runtime === 'SQL-1_0')
    throw analyticsError('InvalidArgumentException', `${input.UrlType} is not available for SQL-1_0 applications.`);
  throw analyticsError(
    'ResourceInUseException',
    `Application ${app.name} is not running: Tributary stores ${app.runtime} applications but does not run them.`,
  );
}
