/**
 * Running SQL applications (Developer Guide, "Amazon Kinesis Data Analytics for SQL Applications: How It Works",
 * "Configuring Application Input", "Error Handling"). Each RUNNING application is one worker on the server's
 * WorkerHost (`analytics/application/<account>/<region>/<name>`), which holds a lease of that name, restarts it
 * with backoff and stops it on close. The worker:
 * 1. compiles the code (code.ts), loads each reference data source from its S3 object as a table, and starts the
 *    engine (src/analytics/engine) on the service's clock;
 * 2. reads each input through the Data Streams in-process API (Kinesis streams) or Firehose's incoming-records seam
 *    (delivery streams, docs/adr/0026-firehose-incoming-records-reader.md) from the input's position: the stored
 *    checkpoint of this run (a restarted worker resumes), else per InputStartingPosition — NOW (records that
 *    arrived from the moment StartApplication was accepted, whenever the worker gets to run), TRIM_HORIZON, or
 *    LAST_STOPPED_POINT (the checkpoint the last run stored; NOW when there is none); the starting point is
 *    stored at once, so a restart of the run does not move it;
 * 3. sends each batch through the input's Lambda preprocessing function first, when it has one (preprocess.ts:
 *    Ok records go on with the returned data, Dropped ones vanish, ProcessingFailed ones go to error_stream), then
 *    maps each record to rows (src/analytics/engine mapping: JSON paths, CSV delimiters, coercion) and pushes them
 *    to `<NamePrefix>_00n`, shard k of the stream feeding stream (k mod InputParallelism) + 1; a record that does
 *    not map goes to error_stream and the application goes on;
 * 4. delivers output rows (outputs.ts: Kinesis streams, Firehose delivery streams, and Lambda functions through
 *    `--analytics-lambda-endpoint`) and, once the rows a batch produced were delivered, stores the batch's
 *    checkpoint under `checkpoints/<application id>/<input id>` with the run id: at-least-once, and the stop
 *    (StopApplication, or the server closing) stores the last position, which LAST_STOPPED_POINT resumes from;
 * 5. keeps the latest rows of every in-application stream for the sample endpoint (sample.ts).
 * Windowed state lives in memory: after a crash a window that was open restarts empty (the input before the
 * checkpoint is not read again), as rows already delivered are never withdrawn.
 * A configuration change of a running application ends in RUNNING with a new version: the worker restarts on it
 * (reference data reloaded, input resumed from the run's checkpoint).
 */
import type { Clock, WorkerHost } from '../jobs/index.js';
import type { FirehoseService } from '../firehose/index.js';
import type { Logger, Worker } from '../protocol/index.js';
import { type MetaStore, fencedPut } from '../storage/index.js';
import type { ReadStart, StreamsApi } from '../streams/index.js';
import { type ApplicationState, type InputState, inAppStreamNames, isSql } from './application.js';
import type { ApplicationCatalog } from './catalog.js';
import { compileCode } from './code.js';
import {
  createRecordMapper,
  type ErrorRow,
  engineClock,
  type RecordFormat,
  type RecordMapper,
  type RunningApplication,
  startEngine,
} from './engine/index.js';
import { bucketOfArn, type ObjectReader } from './objects.js';
import { LambdaPreprocessor, type RawInputRecord } from './preprocess.js';
import { type Destination, firehoseDestination, kinesisDestination, lambdaDestination, OutputSet } from './outputs.js';
import type { ApplicationRunner } from './runtime.js';
import type { AnalyticsMetrics } from './metrics.js';
import type { SampleBuffer } from './sample.js';
import type { SourceSchema } from './shapes/index.js';
import type { SqlValue, TypedColumn } from './sql/index.js';

/** The system stream of mapping and runtime errors (Developer Guide, "Error Handling"). */
export const ERROR_STREAM = 'error_stream';

const ERROR_COLUMNS: TypedColumn[] = [
  { name: 'ERROR_TIME', type: { kind: 'TIMESTAMP' } },
  { name: 'ERROR_LEVEL', type: { kind: 'VARCHAR', length: 10 } },
  { name: 'ERROR_NAME', type: { kind: 'VARCHAR', length: 32 } },
  { name: 'MESSAGE', type: { kind: 'VARCHAR', length: 4096 } },
  { name: 'DATA_ROWTIME', type: { kind: 'TIMESTAMP' } },
  { name: 'DATA_ROW', type: { kind: 'VARCHAR', length: 49341 } },
  { name: 'PUMP_NAME', type: { kind: 'VARCHAR', length: 128 } },
];

export function checkpointKey(appId: string, inputId: string): string {
  return `checkpoints/${appId}/${inputId}`;
}

/** Deletes an application incarnation's stored input positions, and releases its holds on delivery streams. */
export async function dropCheckpoints(meta: MetaStore, appId: string, firehose?: FirehoseService): Promise<void> {
  const prefix = `checkpoints/${appId}/`;
  for (const [key, value] of await meta.list(prefix)) {
    const arn = (value as StoredCheckpoint).firehoseArn;
    if (arn !== undefined && firehose)
      await firehose.releaseIncoming(arn, firehoseHolder(appId, key.slice(prefix.length)));
    await meta.delete(key);
  }
}

interface StoredCheckpoint {
  readonly runId: string;
  readonly checkpoint: string;
  /** The delivery stream of a Firehose input, whose hold goes with the checkpoint. */
  readonly firehoseArn?: string;
}

/** The name of a Firehose input's hold on its delivery stream (src/firehose/incoming.ts rule 3). */
function firehoseHolder(appId: string, inputId: string): string {
  return `analytics/${appId}/${inputId}`;
}

/** A record of an input (Kinesis records carry their shard, partition key and sequence number). */
type InputRecord = RawInputRecord;

/** Records of one input for one in-application stream, and the position right after them. */
interface InputBatch {
  readonly stream: string;
  readonly records: readonly InputRecord[];
  readonly checkpoint: string;
  /** How far the batch is behind the source's tip (Kinesis sources). */
  readonly millisBehindLatest?: number;
}

/** An opened input: Kinesis stream or Firehose delivery stream. */
interface InputSource {
  /** The starting position. */
  readonly checkpoint: string;
  readonly batches: AsyncIterable<InputBatch>;
  /** Keeps the source's records from `checkpoint` on (Firehose holds; nothing for Kinesis). */
  hold(checkpoint: string): Promise<void>;
  close(): void;
}

/** The mapper's format from an input or reference schema. */
export function recordFormat(schema: SourceSchema): RecordFormat {
  const f = schema.RecordFormat;
  if (f.RecordFormatType === 'CSV') {
    const p = f.MappingParameters?.CSVMappingParameters;
    return {
      type: 'CSV',
      rowDelimiter: p?.RecordRowDelimiter ?? '\n',
      columnDelimiter: p?.RecordColumnDelimiter ?? ',',
    };
  }
  return { type: 'JSON', recordRowPath: f.MappingParameters?.JSONMappingParameters?.RecordRowPath ?? '$' };
}

export function recordMapper(schema: SourceSchema): RecordMapper {
  return createRecordMapper(
    recordFormat(schema),
    schema.RecordColumns.map((c) => ({
      name: c.Name,
      sqlType: c.SqlType,
      ...(c.Mapping ? { mapping: c.Mapping } : {}),
    })),
  );
}

export interface RunnerParts {
  readonly catalog: ApplicationCatalog;
  readonly host: WorkerHost;
  readonly meta: MetaStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly streams: StreamsApi | undefined;
  readonly objects: ObjectReader;
  readonly samples: SampleBuffer;
  /** AWS/KinesisAnalytics counters (./metrics.ts). */
  readonly metrics: AnalyticsMetrics;
  /** The Lambda-compatible endpoint of Lambda outputs ('' = none). */
  readonly lambdaEndpoint: string;
  /** The Firehose module, for Firehose outputs and inputs. */
  readonly firehose: FirehoseService | undefined;
}

/** Keeps one worker per running SQL application (see this file's header). */
export class WorkerRunner implements ApplicationRunner {
  readonly #parts: RunnerParts;
  /** Running workers by application id, with the version they run. */
  readonly #running = new Map<string, { worker: Worker; versionId: number }>();
  /** Changes of one application are applied in order. */
  readonly #chains = new Map<string, Promise<void>>();
  #closed = false;

  constructor(parts: RunnerParts) {
    this.#parts = parts;
  }

  sync(id: string, state: ApplicationState | undefined): void {
    const previous = this.#chains.get(id) ?? Promise.resolve();
    const next = previous
      .then(() => this.#reconcile(id))
      .catch((err: unknown) => {
        this.#parts.logger.error({ err, application: state?.name }, 'application runner failed');
      });
    this.#chains.set(id, next);
    void next.then(() => {
      if (this.#chains.get(id) === next) this.#chains.delete(id);
    });
  }

  /** Waits until every change seen so far was applied (tests, close). */
  async settled(): Promise<void> {
    while (this.#chains.size > 0) await Promise.all([...this.#chains.values()]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.settled();
    for (const id of [...this.#running.keys()]) await this.#stop(id);
  }

  async #reconcile(id: string): Promise<void> {
    if (this.#closed) return;
    const state = this.#parts.catalog.getById(id);
    const wanted = state !== undefined && isSql(state) && (state.status === 'RUNNING' || state.status === 'UPDATING');
    const current = this.#running.get(id);
    if (!wanted) {
      if (current) await this.#stop(id);
      return;
    }
    // UPDATING keeps the running version until the change is in place (RUNNING again).
    if (current && (current.versionId === state.versionId || state.status === 'UPDATING')) return;
    if (current) await this.#stop(id);
    const worker = this.#worker(state);
    this.#running.set(id, { worker, versionId: state.versionId });
    this.#parts.host.add(worker);
  }

  async #stop(id: string): Promise<void> {
    const current = this.#running.get(id);
    if (!current) return;
    this.#running.delete(id);
    await this.#parts.host.remove(current.worker.name);
  }

  #worker(state: ApplicationState): Worker {
    return {
      name: `analytics/application/${state.accountId}/${state.region}/${state.name}`,
      run: (signal, tenure) => this.#run(state.id, signal, tenure.fencingToken),
    };
  }

  /** One run of an application under its worker's lease; `fencingToken` is stamped on its checkpoint writes. */
  async #run(id: string, signal: AbortSignal, fencingToken: number): Promise<void> {
    const { catalog, clock, logger } = this.#parts;
    const app = catalog.getById(id);
    if (!app || signal.aborted) return;
    const log = logger.child({ application: app.name });
    const compiled = compileCode(app);
    if (!compiled) {
      // No code: nothing reads the input; the application idles until it stops or changes.
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      return;
    }
    const referenceData = new Map<string, SqlValue[][]>();
    for (const ref of app.references) referenceData.set(ref.tableName, await this.#loadReference(ref));

    const outputs = new OutputSet(
      app.outputs.map((output) => ({ output, destination: this.#destination(output.destination, app.arn) })),
      { clock, logger: log, signal, counters: (output) => this.#parts.metrics.flow(app.id, 'Output', output.id) },
    );
    const samples = this.#parts.samples;
    const columnsOf = (stream: string): TypedColumn[] => compiled.schemas.get(stream) ?? [];
    const onError = (e: ErrorRow): void => {
      const values: SqlValue[] = [
        new Date(e.errorTime),
        e.errorLevel,
        e.errorName,
        e.message,
        e.dataRowtime === null ? null : new Date(e.dataRowtime),
        e.dataRow,
        e.pumpName,
      ];
      samples.add(app.id, ERROR_STREAM, ERROR_COLUMNS, e.errorTime, values);
      outputs.row(ERROR_STREAM, ERROR_COLUMNS, values);
      log.debug({ error: e.errorName, message: e.message }, 'application error_stream row');
    };
    const engine: RunningApplication = startEngine(compiled, {
      clock: engineClock(clock),
      sink: {
        row(stream, row) {
          const columns = columnsOf(stream);
          samples.add(app.id, stream, columns, row.rowtime, row.values);
          outputs.row(stream, columns, row.values);
        },
        error: onError,
      },
      referenceData,
    });
    try {
      await Promise.all(
        app.inputs.map((input) => this.#readInput(app, input, engine, outputs, onError, signal, fencingToken)),
      );
    } finally {
      engine.stop();
    }
  }

  async #readInput(
    app: ApplicationState,
    input: InputState,
    engine: RunningApplication,
    outputs: OutputSet,
    onError: (e: ErrorRow) => void,
    signal: AbortSignal,
    fencingToken: number,
  ): Promise<void> {
    const { meta } = this.#parts;
    const key = checkpointKey(app.id, input.id);
    const runId = app.runId ?? 'unknown';
    const stored = await meta.get<StoredCheckpoint>(key);
    // A position of another kind of source (the input was changed by UpdateApplication) is not resumed from.
    const sameSource =
      input.source.kind === 'firehose' ? stored?.firehoseArn === input.source.arn : stored?.firehoseArn === undefined;
    const resume = stored && sameSource && (stored.runId === runId || input.startingPosition === 'LAST_STOPPED_POINT');
    const source =
      input.source.kind === 'kinesis'
        ? await this.#kinesisSource(app, input, resume ? stored.checkpoint : undefined, signal)
        : await this.#firehoseSource(app, input, resume ? stored.checkpoint : undefined, signal);
    const firehoseArn = input.source.kind === 'firehose' ? { firehoseArn: input.source.arn } : {};
    // The run's starting point is fixed now: a restart of this run resumes here, not at a later "now".
    if (!resume || stored?.runId !== runId) {
      // Fenced (ADR 0036): a run whose lease another node took over (it was paused past the ttl) cannot move the
      // checkpoint of the new holder's run.
      await fencedPut(meta, key, { runId, checkpoint: source.checkpoint, ...firehoseArn }, fencingToken);
      await source.hold(source.checkpoint);
    }
    const mapper = recordMapper(input.schema);
    const clock = this.#parts.clock;
    const preprocessor = input.processing
      ? new LambdaPreprocessor({
          endpoint: this.#parts.lambdaEndpoint,
          functionArn: input.processing.lambdaArn,
          applicationArn: app.arn,
          streamArn: input.source.arn,
          source: input.source.kind,
          clock,
          logger: this.#parts.logger.child({ application: app.name }),
        })
      : undefined;
    const toErrorStream = (errorName: string, message: string, data: Uint8Array): void =>
      onError({
        errorTime: clock.now(),
        errorLevel: 'ERROR',
        errorName,
        message,
        dataRowtime: null,
        dataRow: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex'),
        pumpName: null,
      });
    const push = (stream: string, record: InputRecord, data: Uint8Array): void => {
      const mapped = mapper.map(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      if (mapped.error) {
        toErrorStream(mapped.error.errorName, mapped.error.message, data);
        return;
      }
      const implicit: SqlValue[] = [
        record.arrivedAt,
        record.shardId ?? null,
        record.partitionKey ?? null,
        record.sequenceNumber ?? null,
      ];
      const arrived = record.arrivedAt.getTime();
      for (const values of mapped.rows) engine.push(stream, values.concat(implicit), arrived);
    };
    const counters = this.#parts.metrics.flow(app.id, 'Input', input.id, preprocessor !== undefined);
    try {
      for await (const batch of source.batches) {
        counters.records += batch.records.length;
        for (const record of batch.records) counters.bytes += record.data.byteLength;
        if (batch.millisBehindLatest !== undefined && batch.millisBehindLatest > counters.millisBehindLatest)
          counters.millisBehindLatest = batch.millisBehindLatest;
        if (preprocessor) {
          // InputProcessing.Duration on the wall clock (the engine's clock may be a test's manual one).
          const started = Date.now();
          const results = await preprocessor.process(batch.records, signal);
          if (!results) break;
          counters.processingSuccess++;
          const tookMs = Date.now() - started;
          if (tookMs > counters.processingDurationMs) counters.processingDurationMs = tookMs;
          for (let i = 0; i < results.length; i++) {
            const r = results[i]!;
            const record = batch.records[i]!;
            if (r.result === 'Ok') {
              counters.okRecords++;
              counters.okBytes += r.data.byteLength;
            } else if (r.result === 'Dropped') counters.droppedRecords++;
            else counters.failedRecords++;
            if (r.result === 'Ok') push(batch.stream, record, r.data);
            // TODO(#10): AWS's ERROR_NAME and MESSAGE of a record the preprocessing function failed.
            else if (r.result === 'ProcessingFailed') toErrorStream('PREPROCESSING_FAILED', r.message, record.data);
          }
        } else for (const record of batch.records) push(batch.stream, record, record.data);
        await outputs.drain();
        if (signal.aborted) break;
        await fencedPut(meta, key, { runId, checkpoint: batch.checkpoint, ...firehoseArn }, fencingToken);
        await source.hold(batch.checkpoint);
      }
    } finally {
      source.close();
    }
  }

  /**
   * A Kinesis stream input (rule 2): the stored checkpoint, else TRIM_HORIZON, or NOW as the moment the run was
   * accepted; shard k feeds in-application stream (k mod InputParallelism) + 1 (rule 3).
   */
  async #kinesisSource(
    app: ApplicationState,
    input: InputState,
    checkpoint: string | undefined,
    signal: AbortSignal,
  ): Promise<InputSource> {
    const streams = this.#parts.streams;
    if (!streams) throw new Error('Kinesis Data Streams is not available');
    const arn = input.source.arn;
    const start: ReadStart =
      checkpoint !== undefined
        ? { checkpoint }
        : input.startingPosition === 'TRIM_HORIZON'
          ? 'TRIM_HORIZON'
          : app.runStartedAt !== undefined
            ? { atTimestamp: new Date(app.runStartedAt) }
            : 'LATEST';
    const reader = await streams.read({ arn }, { start, deaggregate: true, signal });
    const names = inAppStreamNames(input);
    const shardOrder = new Map<string, number>();
    const shardsNow = async (): Promise<void> => {
      const info = await streams.describe({ arn });
      for (const [i, s] of info.shards.entries()) shardOrder.set(s.shardId, i);
    };
    await shardsNow();
    async function* batches(): AsyncGenerator<InputBatch> {
      for await (const batch of reader) {
        if (!shardOrder.has(batch.shardId)) await shardsNow();
        const stream = names[(shardOrder.get(batch.shardId) ?? 0) % names.length]!;
        yield {
          stream,
          records: batch.records,
          checkpoint: batch.checkpoint,
          millisBehindLatest: batch.millisBehindLatest,
        };
      }
    }
    return {
      checkpoint: reader.checkpoint,
      batches: batches(),
      hold: async () => {},
      close: () => reader.close(),
    };
  }

  /**
   * A Firehose delivery stream input, read through Firehose's incoming-records seam (src/firehose/incoming.ts):
   * the stored position, else NOW as the moment the run was accepted (TRIM_HORIZON is not offered for delivery
   * streams, InputStartingPositionConfiguration); the reader's hold keeps what the application has not read from
   * being trimmed after delivery. A delivery stream has no shards: everything feeds `<NamePrefix>_001`.
   */
  async #firehoseSource(
    app: ApplicationState,
    input: InputState,
    position: string | undefined,
    signal: AbortSignal,
  ): Promise<InputSource> {
    const firehose = this.#parts.firehose;
    if (!firehose) throw new Error('Firehose is not available');
    const reader = await firehose.readIncoming(input.source.arn, {
      start:
        position !== undefined
          ? { position }
          : app.runStartedAt !== undefined
            ? { atTimestamp: new Date(app.runStartedAt) }
            : 'NOW',
      holder: firehoseHolder(app.id, input.id),
      signal,
    });
    const stream = inAppStreamNames(input)[0]!;
    async function* batches(): AsyncGenerator<InputBatch> {
      for await (const batch of reader) yield { stream, records: batch.records, checkpoint: batch.position };
    }
    return {
      checkpoint: reader.position,
      batches: batches(),
      hold: (p) => reader.hold(p),
      close: () => reader.close(),
    };
  }

  async #loadReference(ref: ApplicationState['references'][number]): Promise<SqlValue[][]> {
    const body = await this.#parts.objects.get(bucketOfArn(ref.bucketArn), ref.fileKey);
    const mapper = recordMapper(ref.schema);
    const rows: SqlValue[][] = [];
    // A CSV object is one record of many rows; a JSON object holds one JSON document per line.
    const records = ref.schema.RecordFormat.RecordFormatType === 'CSV' ? [body] : body.toString('utf8').split('\n');
    for (const record of records) {
      if (record.length === 0) continue;
      const mapped = mapper.map(record);
      if (mapped.rows) rows.push(...mapped.rows);
      else this.#parts.logger.warn({ table: ref.tableName, error: mapped.error.message }, 'reference row skipped');
    }
    return rows;
  }

  #destination(d: ApplicationState['outputs'][number]['destination'], applicationArn: string): Destination {
    if (d.kind === 'kinesis' && this.#parts.streams) return kinesisDestination(this.#parts.streams, d.arn);
    if (d.kind === 'firehose' && this.#parts.firehose) return firehoseDestination(this.#parts.firehose, d.arn);
    if (d.kind === 'lambda' && this.#parts.lambdaEndpoint)
      return lambdaDestination(this.#parts.lambdaEndpoint, d.arn, applicationArn);
    throw new Error(`outputs to ${d.kind} destinations are not delivered yet`);
  }
}
