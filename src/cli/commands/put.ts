/**
 * `tributary put STREAM [VALUE]` and the writer `import` shares: records batched into PutRecords (at most 500
 * records and 5 MiB per call, AWS's limits), records that fail retried with exponential backoff, a progress line on a
 * terminal and a summary at the end.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { EXIT, type Io, toJson, UsageError } from '../output.js';
import { Progress } from '../progress.js';

/** PutRecords limits (Kinesis Data Streams API reference, PutRecords). */
const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 5 * 1024 * 1024;

/** A record on its way out: its data and (where the service has one) its partition key. */
export interface OutgoingRecord {
  readonly data: Uint8Array;
  readonly key: string;
}

/**
 * Where a {@link RecordWriter} sends its batches: the batch call of one service and its limits. `send` resolves with
 * the error code of each record the service refused, by index (empty when every record was stored).
 */
export interface BatchSender {
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** What a record counts against the batch's byte limit. */
  size(record: OutgoingRecord): number;
  send(records: readonly OutgoingRecord[]): Promise<ReadonlyMap<number, string>>;
}

/** PutRecords into one stream: data plus partition key count against 500 records and 5 MiB per call. */
export function putRecordsSender(kinesis: KinesisClient, stream: string): BatchSender {
  return {
    maxRecords: MAX_BATCH_RECORDS,
    maxBytes: MAX_BATCH_BYTES,
    size: (r) => r.data.byteLength + Buffer.byteLength(r.key),
    async send(records) {
      const out = await kinesis.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: records.map((r): PutRecordsRequestEntry => ({ Data: r.data, PartitionKey: r.key })),
        }),
      );
      const refused = new Map<number, string>();
      if (out.FailedRecordCount)
        out.Records?.forEach((r, i) => {
          if (r.ErrorCode) refused.set(i, r.ErrorCode);
        });
      return refused;
    },
  };
}

/** What a writer did. */
export interface WriteSummary {
  readonly records: number;
  readonly bytes: number;
  /** Records still failing after the retries. */
  readonly failed: number;
  /** ErrorCode → records, of the records that failed in the end. */
  readonly errors: Readonly<Record<string, number>>;
  readonly seconds: number;
}

/** Batches records into the sender's calls; retries failed records with exponential backoff. */
export class RecordWriter {
  readonly #sender: BatchSender;
  readonly #retries: number;
  readonly #progress: Progress;
  readonly #started = Date.now();
  #batch: OutgoingRecord[] = [];
  #batchBytes = 0;
  #batchInputBytes = 0;
  #records = 0;
  #bytes = 0;
  #failed = 0;
  readonly #errors: Record<string, number> = {};

  constructor(sender: BatchSender, retries: number, progress: Progress) {
    this.#sender = sender;
    this.#retries = retries;
    this.#progress = progress;
  }

  /**
   * Queues one record; sends the batch when it is full. `inputBytes`: what it took of the input (the progress line's
   * share of a file), default its data.
   */
  async add(data: Uint8Array, partitionKey: string, inputBytes = data.byteLength): Promise<void> {
    const record = { data, key: partitionKey };
    const size = this.#sender.size(record);
    if (this.#batch.length === this.#sender.maxRecords || this.#batchBytes + size > this.#sender.maxBytes)
      await this.flush();
    this.#batch.push(record);
    this.#batchBytes += size;
    this.#batchInputBytes += inputBytes;
  }

  /** Sends what is queued, retrying the records that fail. */
  async flush(): Promise<void> {
    let pending = this.#batch;
    const bytes = this.#batchBytes;
    const inputBytes = this.#batchInputBytes;
    this.#batch = [];
    this.#batchBytes = 0;
    this.#batchInputBytes = 0;
    if (pending.length === 0) return;
    const total = pending.length;
    let lastCodes: string[] = [];
    for (let attempt = 0; pending.length > 0 && attempt <= this.#retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** (attempt - 1), 5000)));
      const refused = await this.#sender.send(pending);
      if (refused.size === 0) {
        pending = [];
        break;
      }
      const again: OutgoingRecord[] = [];
      lastCodes = [];
      for (const [i, code] of refused) {
        again.push(pending[i]!);
        lastCodes.push(code);
      }
      pending = again;
    }
    this.#failed += pending.length;
    for (const code of pending.length > 0 ? lastCodes : []) this.#errors[code] = (this.#errors[code] ?? 0) + 1;
    this.#records += total - pending.length;
    this.#bytes += bytes;
    this.#progress.add(total, inputBytes);
  }

  /** Flushes and reports. */
  async finish(): Promise<WriteSummary> {
    await this.flush();
    this.#progress.done();
    return {
      records: this.#records,
      bytes: this.#bytes,
      failed: this.#failed,
      errors: { ...this.#errors },
      seconds: (Date.now() - this.#started) / 1000,
    };
  }
}

/** Prints a writer's summary; returns the exit code (partial when records failed). */
export function reportWrite(
  io: Io,
  json: boolean,
  stream: string,
  s: WriteSummary,
  verb: string,
  nameKey = 'StreamName',
): number {
  if (json) {
    io.stdout.write(toJson({ [nameKey]: stream, ...s }));
  } else {
    const failed =
      s.failed > 0
        ? `; ${s.failed} failed (${Object.entries(s.errors)
            .map(([k, v]) => `${k} ×${v}`)
            .join(', ')})`
        : '';
    io.stdout.write(
      `${verb} ${s.records} records (${s.bytes} bytes) to ${stream} in ${s.seconds.toFixed(2)} s${failed}\n`,
    );
  }
  return s.failed > 0 ? EXIT.partial : EXIT.ok;
}

export interface PutOptions {
  readonly file?: string;
  readonly lines?: boolean;
  readonly jsonLines?: boolean;
  readonly key?: string;
  readonly keyField?: string;
  readonly retries: string;
}

/** The partition key of a record: the flag, the JSON field, or a random UUID. */
function keyOf(options: PutOptions, line: string, lineNumber: number): string {
  if (options.key !== undefined) return options.key;
  if (options.keyField !== undefined) {
    const value = (JSON.parse(line) as Record<string, unknown>)[options.keyField];
    if (value === undefined || value === null || value === '')
      throw new UsageError(`line ${lineNumber} has no field '${options.keyField}' for the partition key`);
    return typeof value === 'string' ? value : JSON.stringify(value);
  }
  return randomUUID();
}

export async function putCommand(
  kinesis: KinesisClient,
  io: Io,
  json: boolean,
  stream: string,
  value: string | undefined,
  options: PutOptions,
): Promise<number> {
  const retries = Number(options.retries);
  if (!Number.isInteger(retries) || retries < 0)
    throw new UsageError(`--retries must be a whole number, got '${options.retries}'`);
  if (value !== undefined && options.file !== undefined) throw new UsageError('give a VALUE or --file, not both');
  if (options.key !== undefined && options.keyField !== undefined)
    throw new UsageError('--key and --key-field exclude each other');
  const perLine = options.lines || options.jsonLines || options.keyField !== undefined;
  const totalBytes = options.file !== undefined ? (await stat(options.file)).size : undefined;
  const writer = new RecordWriter(
    putRecordsSender(kinesis, stream),
    retries,
    new Progress(io, `put ${stream}`, totalBytes),
  );

  if (value !== undefined) {
    await writer.add(Buffer.from(value, 'utf8'), keyOf({ ...options, keyField: undefined }, value, 1));
  } else if (options.file !== undefined && !perLine) {
    await writer.add(await readFile(options.file), keyOf({ ...options, keyField: undefined }, '', 1));
  } else {
    const input = options.file !== undefined ? createReadStream(options.file) : io.stdin;
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let n = 0;
    for await (const line of lines) {
      n++;
      if (line === '') continue;
      if (options.jsonLines || options.keyField !== undefined) {
        try {
          JSON.parse(line);
        } catch {
          throw new UsageError(`line ${n} is not JSON: ${line.slice(0, 60)}`);
        }
      }
      const data = Buffer.from(line, 'utf8');
      await writer.add(data, keyOf(options, line, n), data.byteLength + 1);
    }
  }
  return reportWrite(io, json, stream, await writer.finish(), 'put');
}
