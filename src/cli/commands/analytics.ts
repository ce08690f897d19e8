/**
 * `tributary analytics sample APP STREAM`: the latest rows of an in-application stream of a running Analytics
 * application, from Tributary's sample endpoint (`GET /analytics/sample`, src/analytics/sample-route.ts; signed for
 * the `kinesisanalytics` service like every call). `--follow` keeps printing new rows until Ctrl-C.
 */
import { type Io, UsageError } from '../output.js';
import type { Connection } from '../client.js';

export async function analyticsSample(
  connection: Connection,
  io: Io,
  json: boolean,
  app: string,
  stream: string,
  options: { readonly limit?: string; readonly follow?: boolean },
  signal: AbortSignal,
): Promise<void> {
  if (options.limit !== undefined && !/^\d+$/.test(options.limit))
    throw new UsageError(`--limit must be a whole number, got '${options.limit}'`);
  const query = new URLSearchParams({ ApplicationName: app, Stream: stream });
  if (options.limit !== undefined) query.set('Limit', options.limit);
  if (options.follow) query.set('Follow', 'true');
  let response: Response;
  try {
    response = await connection.signedGet(`/analytics/sample?${query}`, 'kinesisanalytics', signal);
  } catch (e) {
    if (signal.aborted) return;
    throw e;
  }
  if (response.status !== 200) {
    const body = (await response.json().catch(() => ({}))) as { message?: string; Message?: string };
    const type = response.headers.get('x-amzn-errortype') ?? `HTTP ${response.status}`;
    throw Object.assign(new Error(body.message ?? body.Message ?? ''), { name: type.split(':')[0], $metadata: {} });
  }
  // JSON lines; printed as they come (rows are JSON already: --json changes nothing but is accepted).
  void json;
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body ?? []) io.stdout.write(decoder.decode(chunk, { stream: true }));
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}
