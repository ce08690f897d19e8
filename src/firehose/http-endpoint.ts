/**
 * The HTTP endpoint destination: its configuration (defaults, UpdateDestination merge, what Describe shows) and the
 * delivery of one flush to the endpoint ("Understand HTTP endpoint delivery request and response specifications"
 * and "Handle data delivery failure", Amazon Data Firehose Developer Guide; CreateDeliveryStream API reference).
 *
 * Rules:
 * 1. Defaults: BufferingHints 5 MiB / 300 s, RetryOptions.DurationInSeconds 300, S3BackupMode FailedDataOnly,
 *    RequestConfiguration.ContentEncoding NONE, CloudWatchLoggingOptions disabled. S3Configuration (required) is the
 *    backup bucket, with the S3 destination's defaults (src/firehose/destination.ts). Describe never shows the
 *    AccessKey. An update merges like the S3 one: members not given keep their values (EndpointConfiguration,
 *    BufferingHints and RetryOptions member by member; S3Update merges into the backup configuration).
 * 2. Request: `POST <Url>` (AWS only allows https on 443; this server also allows http:// and any port, and accepts
 *    self-signed certificates), headers X-Amz-Firehose-Protocol-Version 1.0, X-Amz-Firehose-Request-Id (a GUID,
 *    the same across retries of a batch), X-Amz-Firehose-Source-Arn, X-Amz-Firehose-Access-Key (when set),
 *    X-Amz-Firehose-Common-Attributes (when configured), Content-Type application/json, Content-Encoding gzip only
 *    with ContentEncoding GZIP. Body `{"requestId","timestamp","records":[{"data":"<base64>"}]}`; a request holds
 *    at most 10,000 records, SizeInMBs of record bytes and 64 MiB of body before compression. 3 minutes per attempt.
 * 3. Response: only 200 with `Content-Type: application/json` and a JSON body whose `requestId` equals the
 *    request's and which has a `timestamp` is success; redirects are not followed. 413 is a permanent failure: not
 *    retried and, per the guide, not written to the error output. Anything else (other statuses, non-conforming
 *    bodies, connection errors, timeouts) is retried.
 * 4. Retries: exponential backoff from 1 s, ×2, ±15 % jitter, each wait at most 2 minutes, while the next attempt
 *    starts within RetryOptions.DurationInSeconds of the first (0: no retry). URL and access key are read again for
 *    every attempt, so an UpdateDestination applies to later attempts.
 * 5. Then the batch goes to the backup bucket under the error output prefix (`!{firehose:error-output-type}` =
 *    `http-endpoint-failed`) as JSON lines, one error record per record. With S3BackupMode AllData every batch is
 *    also written under the backup Prefix, as the S3 destination writes objects.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gzipSync } from 'node:zlib';
import type { Clock } from '../jobs/index.js';
import type { DeliveryStreamState } from './catalog.js';
import { describeNewS3, mergeS3 } from './destination.js';
import { firehoseError } from './errors.js';
import type {
  ExtendedS3DestinationDescription,
  HttpEndpointDestinationConfiguration,
  HttpEndpointDestinationDescription,
  HttpEndpointDestinationUpdate,
  S3DestinationDescription,
} from './shapes/index.js';
import type { BufferedRecord } from './sources.js';

const MIB = 1024 * 1024;
const DEFAULT_SIZE_MB = 5;
const DEFAULT_INTERVAL_S = 300;
const DEFAULT_RETRY_S = 300;
/** Records per request. */
export const MAX_RECORDS_PER_REQUEST = 10_000;
/** Request body before compression. */
const MAX_BODY_BYTES = 64 * MIB;
const ATTEMPT_TIMEOUT_MS = 3 * 60 * 1000;
const MAX_RESPONSE_BYTES = MIB;
const RETRY_INITIAL_MS = 1_000;
const RETRY_MAX_MS = 120_000;
const RETRY_JITTER = 0.15;
export const HTTP_ERROR_OUTPUT_TYPE = 'http-endpoint-failed';
const ERROR_CODE = 'HttpEndpoint.DestinationException';

/** What the catalogue keeps of an HTTP endpoint destination (the backup bucket is `DestinationState.s3`). */
export interface HttpEndpointState {
  /** As Describe shows it, without S3DestinationDescription (built from the backup configuration). */
  readonly description: Omit<HttpEndpointDestinationDescription, 'S3DestinationDescription'>;
  /** Never described. */
  readonly accessKey?: string;
}

// TODO(#firehose-texts): AWS's wording of the refusals below is not known; they name the rule.
function checkHttp(d: HttpEndpointState['description']): void {
  const unsupported: string[] = [];
  if (d.ProcessingConfiguration?.Enabled) unsupported.push('ProcessingConfiguration');
  if (d.SecretsManagerConfiguration?.Enabled) unsupported.push('SecretsManagerConfiguration');
  if (unsupported.length > 0)
    throw firehoseError('InvalidArgumentException', `${unsupported.join(', ')} is not supported by this server yet.`);
  const url = d.EndpointConfiguration?.Url ?? '';
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:'))
    throw firehoseError('InvalidArgumentException', `Url ${url} is not a valid http(s) URL.`);
}

/** Rule 1: a new destination. */
export function describeNewHttp(config: HttpEndpointDestinationConfiguration): {
  http: HttpEndpointState;
  s3: ExtendedS3DestinationDescription;
} {
  const e = config.EndpointConfiguration;
  const description: HttpEndpointState['description'] = {
    EndpointConfiguration: { Url: e.Url, ...(e.Name !== undefined ? { Name: e.Name } : {}) },
    BufferingHints: {
      SizeInMBs: config.BufferingHints?.SizeInMBs ?? DEFAULT_SIZE_MB,
      IntervalInSeconds: config.BufferingHints?.IntervalInSeconds ?? DEFAULT_INTERVAL_S,
    },
    CloudWatchLoggingOptions: config.CloudWatchLoggingOptions ?? { Enabled: false },
    RequestConfiguration: {
      ContentEncoding: config.RequestConfiguration?.ContentEncoding ?? 'NONE',
      ...(config.RequestConfiguration?.CommonAttributes !== undefined
        ? { CommonAttributes: config.RequestConfiguration.CommonAttributes }
        : {}),
    },
    ...(config.ProcessingConfiguration !== undefined
      ? { ProcessingConfiguration: config.ProcessingConfiguration }
      : {}),
    ...(config.RoleARN !== undefined ? { RoleARN: config.RoleARN } : {}),
    RetryOptions: { DurationInSeconds: config.RetryOptions?.DurationInSeconds ?? DEFAULT_RETRY_S },
    S3BackupMode: config.S3BackupMode ?? 'FailedDataOnly',
    ...(config.SecretsManagerConfiguration !== undefined
      ? { SecretsManagerConfiguration: config.SecretsManagerConfiguration }
      : {}),
  };
  checkHttp(description);
  return {
    http: { description, ...(e.AccessKey !== undefined ? { accessKey: e.AccessKey } : {}) },
    s3: describeNewS3(config.S3Configuration),
  };
}

/** Rule 1: the destination after an HttpEndpointDestinationUpdate. */
export function mergeHttp(
  current: { http: HttpEndpointState; s3: ExtendedS3DestinationDescription },
  update: HttpEndpointDestinationUpdate,
): { http: HttpEndpointState; s3: ExtendedS3DestinationDescription } {
  const merged: Record<string, unknown> = { ...current.http.description };
  let accessKey = current.http.accessKey;
  for (const [k, v] of Object.entries(update)) {
    if (v === undefined || k === 'S3Update') continue;
    if (k === 'EndpointConfiguration') {
      const { AccessKey, ...rest } = v as NonNullable<HttpEndpointDestinationUpdate['EndpointConfiguration']>;
      if (AccessKey !== undefined) accessKey = AccessKey;
      merged[k] = { ...current.http.description.EndpointConfiguration, ...rest };
    } else if (k === 'BufferingHints' || k === 'RetryOptions')
      merged[k] = { ...(current.http.description[k] as object), ...(v as object) };
    else merged[k] = v;
  }
  const description = merged as HttpEndpointState['description'];
  checkHttp(description);
  return {
    http: { description, ...(accessKey !== undefined ? { accessKey } : {}) },
    s3: update.S3Update ? mergeS3(current.s3, update.S3Update) : current.s3,
  };
}

/** The S3DestinationDescription of a bucket configuration. */
export function s3Description(s3: ExtendedS3DestinationDescription): S3DestinationDescription {
  return {
    RoleARN: s3.RoleARN,
    BucketARN: s3.BucketARN,
    ...(s3.Prefix !== undefined ? { Prefix: s3.Prefix } : {}),
    ...(s3.ErrorOutputPrefix !== undefined ? { ErrorOutputPrefix: s3.ErrorOutputPrefix } : {}),
    BufferingHints: s3.BufferingHints,
    CompressionFormat: s3.CompressionFormat,
    EncryptionConfiguration: s3.EncryptionConfiguration,
    ...(s3.CloudWatchLoggingOptions ? { CloudWatchLoggingOptions: s3.CloudWatchLoggingOptions } : {}),
  };
}

/** Rule 1: DescribeDeliveryStream's HttpEndpointDestinationDescription (no AccessKey). */
export function describeHttp(http: HttpEndpointState, s3: ExtendedS3DestinationDescription) {
  return { ...http.description, S3DestinationDescription: s3Description(s3) } as HttpEndpointDestinationDescription;
}

/** Rule 2: splits a flush into requests. */
export function requestBatches(records: readonly BufferedRecord[], sizeMb: number): BufferedRecord[][] {
  const out: BufferedRecord[][] = [];
  let batch: BufferedRecord[] = [];
  let raw = 0;
  let body = 0;
  for (const r of records) {
    const encoded = Math.ceil(r.data.length / 3) * 4 + 12;
    if (
      batch.length > 0 &&
      (batch.length >= MAX_RECORDS_PER_REQUEST ||
        raw + r.data.length > sizeMb * MIB ||
        body + encoded > MAX_BODY_BYTES - 100)
    ) {
      out.push(batch);
      batch = [];
      raw = 0;
      body = 0;
    }
    batch.push(r);
    raw += r.data.length;
    body += encoded;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/** The outcome of one attempt. */
export type AttemptResult =
  | { readonly kind: 'ok' }
  | { readonly kind: 'retryable' | 'permanent'; readonly message: string };

/** Rule 4: the wait before retry `attempt` (1-based). */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const base = RETRY_INITIAL_MS * 2 ** Math.min(30, attempt - 1);
  return Math.round(Math.min(RETRY_MAX_MS, base * (1 + RETRY_JITTER * (2 * random() - 1))));
}

/** Rules 2 and 3: one POST of a batch. */
export function postBatch(
  state: DeliveryStreamState,
  http: HttpEndpointState,
  records: readonly BufferedRecord[],
  requestId: string,
  clock: Clock,
  signal: AbortSignal,
): Promise<AttemptResult> {
  const d = http.description;
  const body = JSON.stringify({
    requestId,
    timestamp: clock.now(),
    records: records.map((r) => ({ data: Buffer.from(r.data).toString('base64') })),
  });
  const gzip = d.RequestConfiguration?.ContentEncoding === 'GZIP';
  const payload = gzip ? gzipSync(body) : Buffer.from(body);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Length': String(payload.length),
    'X-Amz-Firehose-Protocol-Version': '1.0',
    'X-Amz-Firehose-Request-Id': requestId,
    'X-Amz-Firehose-Source-Arn': state.arn,
  };
  if (gzip) headers['Content-Encoding'] = 'gzip';
  if (http.accessKey !== undefined) headers['X-Amz-Firehose-Access-Key'] = http.accessKey;
  const attributes = d.RequestConfiguration?.CommonAttributes;
  if (attributes !== undefined && attributes.length > 0)
    headers['X-Amz-Firehose-Common-Attributes'] = JSON.stringify({
      commonAttributes: Object.fromEntries(attributes.map((a) => [a.AttributeName, a.AttributeValue])),
    });
  const url = new URL(d.EndpointConfiguration?.Url ?? '');
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult): void => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const req = send(url, { method: 'POST', headers, agent: false, rejectUnauthorized: false }, (res) =>
      readResponse(res, requestId).then(finish, (err: Error) => finish({ kind: 'retryable', message: err.message })),
    );
    const timer = clock.setTimeout(() => {
      finish({ kind: 'retryable', message: 'The request to the endpoint timed out.' });
      req.destroy();
    }, ATTEMPT_TIMEOUT_MS);
    const onAbort = (): void => {
      finish({ kind: 'retryable', message: 'Delivery stopped.' });
      req.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) =>
      finish({ kind: 'retryable', message: `Error connecting to the endpoint: ${err.message}` }),
    );
    req.end(payload);
  });
}

async function readResponse(res: IncomingMessage, requestId: string): Promise<AttemptResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      res.destroy();
      return { kind: 'retryable', message: 'The response body is larger than 1 MiB.' };
    }
    chunks.push(chunk);
  }
  const status = res.statusCode ?? 0;
  let parsed: { requestId?: unknown; timestamp?: unknown; errorMessage?: unknown } | undefined;
  const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' && res.headers['content-encoding'] === undefined) {
    try {
      const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (typeof value === 'object' && value !== null) parsed = value as typeof parsed;
    } catch {
      parsed = undefined;
    }
  }
  const errorMessage = typeof parsed?.errorMessage === 'string' ? parsed.errorMessage.slice(0, 8192) : undefined;
  const detail = errorMessage ? ` Error message: ${errorMessage}` : '';
  if (status === 413)
    return { kind: 'permanent', message: `The endpoint answered 413 Request Entity Too Large.${detail}` };
  if (status !== 200) return { kind: 'retryable', message: `The endpoint answered HTTP status ${status}.${detail}` };
  if (!parsed || parsed.requestId !== requestId || typeof parsed.timestamp !== 'number')
    return {
      kind: 'retryable',
      message:
        'The response of the endpoint is not valid: it must be application/json with the requestId of the request and a timestamp.',
    };
  return { kind: 'ok' };
}

/** Rule 5: the error records of a batch, as JSON lines. */
export function errorRecords(
  records: readonly BufferedRecord[],
  requestId: string,
  attemptsMade: number,
  errorMessage: string,
  endedAt: number,
): Buffer {
  return Buffer.from(
    records
      .map(
        (r, i) =>
          `${JSON.stringify({
            attemptsMade,
            arrivalTimestamp: r.arrivedAt,
            errorCode: ERROR_CODE,
            errorMessage,
            attemptEndingTimestamp: endedAt,
            rawData: Buffer.from(r.data).toString('base64'),
            subsequenceNumber: 0,
            dataId: `${requestId}.${i}`,
          })}\n`,
      )
      .join(''),
  );
}

/** A new request id (rule 2). */
export function newRequestId(): string {
  return randomUUID();
}
