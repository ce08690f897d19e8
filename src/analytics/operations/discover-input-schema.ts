import { type RequestContext, ServiceError } from '../../protocol/index.js';
import type { ReadStart, StreamReader } from '../../streams/index.js';
import { analyticsError } from '../errors.js';
import { bucketOfArn } from '../objects.js';
import type { AnalyticsRuntime } from '../runtime.js';
import { LambdaPreprocessor } from '../preprocess.js';
import { discoverSchema } from '../schema-discovery.js';
import type {
  DiscoverInputSchemaRequest,
  DiscoverInputSchemaResponse,
  InputStartingPosition,
  V1,
} from '../shapes/index.js';

/** Records sampled from a stream. */
const SAMPLE_RECORDS = 100;

/**
 * DiscoverInputSchema, both versions (DiscoverInputSchema API references): rule 1, the sample comes from a
 * Kinesis data stream (ResourceARN, from InputStartingPositionConfiguration: TRIM_HORIZON by default, NOW waits
 * for new records), a Firehose delivery stream (ResourceARN: what it receives from the request on, see
 * {@link sampleDeliveryStream}) or an S3 object (S3Configuration, one record per line); exactly one of the two
 * (InvalidArgumentException, also for a source that does not exist: the model lists no
 * ResourceNotFoundException here); rule 2, the schema is inferred by schema-discovery.ts; rule 3, a sample that
 * gives no schema answers UnableToDetectSchemaException, whose body carries the raw records in AWS; rule 4,
 * with InputProcessingConfiguration the sample goes through the preprocessing function first (the schema is
 * inferred from ProcessedInputRecords; InvalidArgumentException without `--analytics-lambda-endpoint`).
 */
async function discover(
  rt: AnalyticsRuntime,
  input: {
    ResourceARN?: string;
    InputStartingPositionConfiguration?: { InputStartingPosition?: InputStartingPosition };
    S3Configuration?: { BucketARN: string; FileKey: string };
    InputProcessingConfiguration?: { InputLambdaProcessor: { ResourceARN: string } };
  },
  ctx: RequestContext,
): Promise<DiscoverInputSchemaResponse> {
  // TODO(#10): AWS's wording of the InvalidArgumentExceptions below.
  if ((input.ResourceARN === undefined) === (input.S3Configuration === undefined))
    throw analyticsError('InvalidArgumentException', 'Specify either ResourceARN or S3Configuration.');
  if (input.InputProcessingConfiguration && !rt.settings.lambdaEndpoint)
    throw analyticsError(
      'InvalidArgumentException',
      'InputProcessingConfiguration needs a Lambda endpoint: start the server with --analytics-lambda-endpoint.',
    );
  let raw: string[];
  if (input.S3Configuration) {
    const { BucketARN, FileKey } = input.S3Configuration;
    let body: Buffer;
    try {
      body = await rt.objects.get(bucketOfArn(BucketARN), FileKey);
    } catch (err) {
      // The model lists no ResourceNotFoundException for this operation: a missing source is a bad argument.
      if (err instanceof ServiceError && err.code === 'ResourceNotFoundException')
        throw analyticsError('InvalidArgumentException', err.message);
      throw err;
    }
    raw = body
      .toString('utf8')
      .split('\n')
      .filter((l) => l.length > 0);
  } else {
    raw = await sampleStream(
      rt,
      input.ResourceARN!,
      input.InputStartingPositionConfiguration?.InputStartingPosition,
      ctx,
    );
  }
  const processed = input.InputProcessingConfiguration
    ? await preprocessSample(
        rt,
        raw,
        input.InputProcessingConfiguration.InputLambdaProcessor.ResourceARN,
        input.ResourceARN ?? input.S3Configuration!.BucketARN,
        ctx,
      )
    : raw;
  const found = discoverSchema(processed);
  if (!found)
    throw analyticsError(
      'UnableToDetectSchemaException',
      raw.length === 0
        ? 'No records were found in the source to detect a schema from.'
        : 'Unable to detect the schema of the sampled records.',
    );
  return {
    InputSchema: found.schema,
    ParsedInputRecords: found.parsed,
    ProcessedInputRecords: processed,
    RawInputRecords: raw,
  };
}

/**
 * The sample through the preprocessing function (src/analytics/preprocess.ts): the Ok records' data, as the
 * application would map them; the function gets `discoverWaitMs` to answer.
 */
async function preprocessSample(
  rt: AnalyticsRuntime,
  raw: readonly string[],
  functionArn: string,
  sourceArn: string,
  ctx: RequestContext,
): Promise<string[]> {
  const abort = new AbortController();
  const onClientGone = (): void => abort.abort();
  ctx.signal.addEventListener('abort', onClientGone, { once: true });
  const timer = rt.clock.setTimeout(() => abort.abort(), rt.settings.discoverWaitMs);
  const now = new Date(rt.now());
  try {
    const results = await new LambdaPreprocessor({
      endpoint: rt.settings.lambdaEndpoint,
      functionArn,
      applicationArn: '',
      streamArn: sourceArn,
      source: /^arn:[^:]+:firehose:/.test(sourceArn) ? 'firehose' : 'kinesis',
      clock: rt.clock,
      logger: rt.logger,
    }).process(
      raw.map((r) => ({ data: Buffer.from(r), arrivedAt: now })),
      abort.signal,
    );
    if (!results)
      // TODO(#10): AWS's error and wording when the preprocessing function cannot be invoked during discovery.
      throw analyticsError('UnableToDetectSchemaException', 'The preprocessing function did not answer.');
    const decoder = new TextDecoder('utf-8');
    return results.flatMap((r) => (r.result === 'Ok' ? [decoder.decode(r.data)] : []));
  } finally {
    rt.clock.clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onClientGone);
  }
}

/** Up to {@link SAMPLE_RECORDS} records of a Kinesis stream, waiting at most `discoverWaitMs` for more. */
async function sampleStream(
  rt: AnalyticsRuntime,
  arn: string,
  position: InputStartingPosition | undefined,
  ctx: RequestContext,
): Promise<string[]> {
  if (/^arn:[^:]+:firehose:/.test(arn)) return sampleDeliveryStream(rt, arn, position, ctx);
  if (!/^arn:[^:]+:kinesis:/.test(arn))
    throw analyticsError('InvalidArgumentException', `ResourceARN ${arn} is not a Kinesis stream ARN.`);
  if (!rt.streams) throw analyticsError('ServiceUnavailableException', 'Kinesis Data Streams is not available.');
  try {
    await rt.streams.describe({ arn });
  } catch {
    throw analyticsError('InvalidArgumentException', `Stream ${arn} is not found.`);
  }
  const start: ReadStart = position === 'NOW' ? 'LATEST' : 'TRIM_HORIZON';
  const abort = new AbortController();
  const onClientGone = (): void => abort.abort();
  ctx.signal.addEventListener('abort', onClientGone, { once: true });
  const timer = rt.clock.setTimeout(() => abort.abort(), rt.settings.discoverWaitMs);
  let reader: StreamReader | undefined;
  const out: string[] = [];
  const decoder = new TextDecoder('utf-8');
  try {
    reader = await rt.streams.read(
      { arn },
      { start, deaggregate: true, maxRecords: SAMPLE_RECORDS, signal: abort.signal },
    );
    const shards = (await rt.streams.describe({ arn })).shards.filter((s) => s.open).length;
    const caughtUp = new Set<string>();
    for await (const batch of reader) {
      for (const r of batch.records) if (out.length < SAMPLE_RECORDS) out.push(decoder.decode(r.data));
      if (batch.millisBehindLatest === 0) caughtUp.add(batch.shardId);
      // TRIM_HORIZON: done once full or every open shard was read to its end; NOW: once something arrived.
      if (out.length >= SAMPLE_RECORDS || (start === 'TRIM_HORIZON' && caughtUp.size >= shards)) break;
      if (start === 'LATEST' && out.length > 0) break;
    }
  } finally {
    rt.clock.clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onClientGone);
    reader?.close();
  }
  return out;
}

/**
 * Up to {@link SAMPLE_RECORDS} records a Firehose delivery stream receives from the moment of the request (NOW, the
 * only start a delivery stream offers besides LAST_STOPPED_POINT: InputStartingPositionConfiguration says
 * TRIM_HORIZON "is not available for an Amazon Kinesis Data Firehose delivery stream"), read through Firehose's
 * incoming-records seam, waiting at most `discoverWaitMs` for the first ones.
 */
async function sampleDeliveryStream(
  rt: AnalyticsRuntime,
  arn: string,
  position: InputStartingPosition | undefined,
  ctx: RequestContext,
): Promise<string[]> {
  if (position === 'TRIM_HORIZON')
    throw analyticsError(
      'InvalidArgumentException',
      'A Firehose delivery stream cannot be sampled from TRIM_HORIZON; use NOW.',
    );
  if (!rt.firehose) throw analyticsError('ServiceUnavailableException', 'Amazon Data Firehose is not available.');
  if (!rt.firehose.hasDeliveryStream(arn))
    throw analyticsError('InvalidArgumentException', `Delivery stream ${arn} is not found.`);
  const abort = new AbortController();
  const onClientGone = (): void => abort.abort();
  ctx.signal.addEventListener('abort', onClientGone, { once: true });
  const timer = rt.clock.setTimeout(() => abort.abort(), rt.settings.discoverWaitMs);
  const out: string[] = [];
  const decoder = new TextDecoder('utf-8');
  const reader = await rt.firehose.readIncoming(arn, {
    start: { atTimestamp: new Date(ctx.receivedAt) },
    holder: `analytics/discover/${ctx.requestId}`,
    signal: abort.signal,
    maxRecords: SAMPLE_RECORDS,
  });
  try {
    for await (const batch of reader) {
      for (const r of batch.records) if (out.length < SAMPLE_RECORDS) out.push(decoder.decode(r.data));
      if (out.length > 0) break;
    }
  } finally {
    rt.clock.clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onClientGone);
    reader.close();
  }
  return out;
}

export async function discoverInputSchemaV1(
  rt: AnalyticsRuntime,
  input: V1.DiscoverInputSchemaRequest,
  ctx: RequestContext,
): Promise<V1.DiscoverInputSchemaResponse> {
  return discover(rt, input, ctx);
}

export async function discoverInputSchemaV2(
  rt: AnalyticsRuntime,
  input: DiscoverInputSchemaRequest,
  ctx: RequestContext,
): Promise<DiscoverInputSchemaResponse> {
  return discover(rt, input, ctx);
}
