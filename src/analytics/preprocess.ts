/**
 * Lambda preprocessing of an input (InputProcessingConfiguration.InputLambdaProcessor; Developer Guide,
 * "Preprocessing Data Using a Lambda Function"), through the Lambda-compatible HTTP endpoint of
 * `--analytics-lambda-endpoint` (the Invoke path `/2015-03-31/functions/<name>/invocations`, as outputs.ts):
 * 1. the input's records go to the function before the mapper sees them, in batches of at most 500 records and
 *    5 MiB of data, as `{invocationId, applicationArn, streamArn, records: [{recordId, data (base64), and
 *    kinesisStreamRecordMetadata {sequenceNumber, partitionKey, shardId, approximateArrivalTimestamp} for a
 *    Kinesis stream, or kinesisFirehoseRecordMetadata {approximateArrivalTimestamp} for a delivery stream}]}`;
 * 2. the reply lists `{recordId, result, data (base64)}` per record: `Ok` passes the returned data on, `Dropped`
 *    drops the record, `ProcessingFailed` sends it to error_stream; a record the reply leaves out or gives an
 *    unknown result (or an Ok without data) counts as failed too, and the application goes on;
 * 3. an invocation that fails as a whole (endpoint unreachable, non-2xx status, a reply that is not the documented
 *    JSON) is retried with backoff on the service's clock until it succeeds or the application stops: the input's
 *    checkpoint does not move past records that were not preprocessed, so nothing is lost (at-least-once).
 */
import { randomUUID } from 'node:crypto';
import { type BackoffOptions, type Clock, backoffDelay, DEFAULT_BACKOFF } from '../jobs/index.js';
import type { Logger } from '../protocol/index.js';
import { lambdaFunctionName, sizedBatches } from './outputs.js';

const MAX_RECORDS = 500;
const MAX_BYTES = 5 * 1024 * 1024;

/** A record before preprocessing; Kinesis records carry their shard, partition key and sequence number. */
export interface RawInputRecord {
  readonly data: Uint8Array;
  readonly arrivedAt: Date;
  readonly shardId?: string;
  readonly partitionKey?: string;
  readonly sequenceNumber?: string;
}

/** What preprocessing made of one record (rule 2). */
export type PreprocessResult =
  | { readonly result: 'Ok'; readonly data: Buffer }
  | { readonly result: 'Dropped' }
  | { readonly result: 'ProcessingFailed'; readonly message: string };

export interface PreprocessorOptions {
  readonly endpoint: string;
  readonly functionArn: string;
  readonly applicationArn: string;
  /** The input's source ARN (`streamArn` of the event). */
  readonly streamArn: string;
  readonly source: 'kinesis' | 'firehose';
  readonly clock: Clock;
  readonly logger: Logger;
  /** Default: 200 ms doubling to 10 s, as outputs. */
  readonly retry?: BackoffOptions;
}

type Reply = { records?: { recordId?: unknown; result?: unknown; data?: unknown }[] };

/** Preprocesses records through the function (this file's rules); results are index-aligned with the input. */
export class LambdaPreprocessor {
  readonly #url: string;
  readonly #options: PreprocessorOptions;

  constructor(options: PreprocessorOptions) {
    this.#options = options;
    this.#url = `${options.endpoint.replace(/\/+$/, '')}/2015-03-31/functions/${encodeURIComponent(lambdaFunctionName(options.functionArn))}/invocations`;
  }

  /** Rule 1–3; resolves undefined only when `signal` ended the retries. */
  async process(records: readonly RawInputRecord[], signal: AbortSignal): Promise<PreprocessResult[] | undefined> {
    const out = new Array<PreprocessResult>(records.length);
    let start = 0;
    for (const chunk of sizedBatches(records, { maxRecords: MAX_RECORDS, maxBytes: MAX_BYTES }, (r) => r.data.length)) {
      const results = await this.#invoke(chunk, signal);
      if (!results) return undefined;
      for (let j = 0; j < results.length; j++) out[start + j] = results[j]!;
      start += chunk.length;
    }
    return out;
  }

  async #invoke(chunk: readonly RawInputRecord[], signal: AbortSignal): Promise<PreprocessResult[] | undefined> {
    const o = this.#options;
    const ids = chunk.map((_, j) => String(j));
    const body = JSON.stringify({
      invocationId: randomUUID(),
      applicationArn: o.applicationArn,
      streamArn: o.streamArn,
      records: chunk.map((r, j) => ({
        recordId: ids[j],
        ...(o.source === 'kinesis'
          ? {
              kinesisStreamRecordMetadata: {
                sequenceNumber: r.sequenceNumber,
                partitionKey: r.partitionKey,
                shardId: r.shardId,
                approximateArrivalTimestamp: r.arrivedAt.getTime(),
              },
            }
          : { kinesisFirehoseRecordMetadata: { approximateArrivalTimestamp: r.arrivedAt.getTime() } }),
        data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64'),
      })),
    });
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return undefined;
      let problem: string;
      try {
        const res = await fetch(this.#url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal,
        });
        const text = await res.text();
        if (res.ok) {
          const reply = JSON.parse(text) as Reply;
          if (Array.isArray(reply.records)) return this.#results(reply, chunk.length);
          problem = 'the reply has no records array';
        } else problem = `status ${res.status}`;
      } catch (err) {
        problem = (err as Error).message;
      }
      o.logger.warn({ function: o.functionArn, attempt, problem }, 'input preprocessing invocation failed; retrying');
      const delay = backoffDelay(attempt + 1, o.retry ?? { ...DEFAULT_BACKOFF, initialMs: 200, maxMs: 10_000 });
      await new Promise<void>((resolve) => {
        const timer = o.clock.setTimeout(done, delay);
        function done(): void {
          o.clock.clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Rule 2. */
  #results(reply: Reply, count: number): PreprocessResult[] {
    const byId = new Map<string, PreprocessResult>();
    for (const r of reply.records ?? []) {
      if (typeof r.recordId !== 'string') continue;
      if (r.result === 'Ok' && typeof r.data === 'string')
        byId.set(r.recordId, { result: 'Ok', data: Buffer.from(r.data, 'base64') });
      else if (r.result === 'Dropped') byId.set(r.recordId, { result: 'Dropped' });
      else if (r.result === 'ProcessingFailed')
        byId.set(r.recordId, {
          result: 'ProcessingFailed',
          message: 'The preprocessing function returned ProcessingFailed.',
        });
      else
        byId.set(r.recordId, {
          result: 'ProcessingFailed',
          message: `The preprocessing function returned result ${JSON.stringify(r.result)}${r.result === 'Ok' ? ' without data' : ''}.`,
        });
    }
    const out = new Array<PreprocessResult>(count);
    for (let j = 0; j < count; j++)
      out[j] = byId.get(String(j)) ?? {
        result: 'ProcessingFailed',
        message: 'The preprocessing function returned no result for the record.',
      };
    return out;
  }
}
