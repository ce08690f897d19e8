/**
 * The sample endpoint (not an AWS API; the AWS console's "real-time analytics" tab shows the same):
 * `GET /analytics/sample?ApplicationName=<name>&Stream=<in-application stream>[&Limit=<n>][&Follow=true]` answers
 * the latest rows of that stream of a running application as JSON lines (`application/x-ndjson`), each
 * `{"ROWTIME": "yyyy-MM-dd HH:mm:ss.SSS", "<column>": value, …}`, oldest first (at most 1,000, default 100).
 * With `Follow=true` the response stays open and streams new rows until the client leaves.
 *
 * It is signed and authorized like every call: the IAM action is `kinesisanalytics:DescribeApplication` on the
 * application's ARN (reading rows is reading the application). An unknown application → ResourceNotFoundException;
 * a bad Limit → InvalidArgumentException. Stream names are case-sensitive (quoted SQL identifiers; unquoted names
 * are upper case).
 */
import type { RestRoute } from '../protocol/index.js';
import { analyticsError, applicationNotFound } from './errors.js';
import type { AnalyticsRuntime } from './runtime.js';
import { SAMPLE_ROWS, type SampleBuffer, type SampleRow } from './sample.js';

export const SAMPLE_PATH = '/analytics/sample';
const DEFAULT_LIMIT = 100;

function line(row: SampleRow): Buffer {
  return Buffer.from(`${JSON.stringify(row)}\n`, 'utf8');
}

export function sampleRoute(rt: AnalyticsRuntime, samples: SampleBuffer): RestRoute {
  return {
    method: 'GET',
    path: SAMPLE_PATH,
    service: 'kinesisanalytics',
    operation: 'GetApplicationSample',
    traits: {
      action: 'kinesisanalytics:DescribeApplication',
      resource: { kind: 'named', type: 'application', member: 'ApplicationName' },
    },
    async handle(req, ctx) {
      const name = req.query.get('ApplicationName') ?? '';
      const stream = req.query.get('Stream') ?? '';
      const limitText = req.query.get('Limit');
      const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
      if (!name || !stream)
        throw analyticsError('InvalidArgumentException', 'ApplicationName and Stream are required.');
      if (!Number.isInteger(limit) || limit < 0 || limit > SAMPLE_ROWS)
        throw analyticsError('InvalidArgumentException', `Limit must be an integer from 0 to ${SAMPLE_ROWS}.`);
      const app = rt.catalog.get(ctx.accountId, ctx.region, name);
      if (!app) throw applicationNotFound(name, ctx.accountId);
      const latest = samples.latest(app.id, stream, limit);
      const headers = { 'content-type': 'application/x-ndjson' };
      if (req.query.get('Follow') !== 'true') {
        return { status: 200, headers, body: Buffer.concat(latest.map(line)) };
      }
      return { status: 200, headers, body: follow(samples, app.id, stream, latest, ctx.signal) };
    },
  };
}

/** The latest rows, then each new row as it comes, until `signal` aborts. */
async function* follow(
  samples: SampleBuffer,
  appId: string,
  stream: string,
  latest: SampleRow[],
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const pending: SampleRow[] = [];
  let wake: (() => void) | undefined;
  const stop = samples.follow(appId, stream, (row) => {
    pending.push(row);
    wake?.();
  });
  const onAbort = (): void => wake?.();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (const row of latest) yield line(row);
    while (!signal.aborted) {
      while (pending.length > 0) yield line(pending.shift()!);
      if (signal.aborted) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    stop();
    signal.removeEventListener('abort', onAbort);
  }
}
