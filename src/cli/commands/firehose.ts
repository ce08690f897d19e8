/**
 * `tributary firehose ls|create|describe|delete|put`: Firehose delivery streams through the AWS SDK's Firehose client
 * (docs/adr/0030-cli.md). `put` batches records into PutRecordBatch within AWS's limits (500 records, 4 MiB per call,
 * 1,000 KiB per record; Amazon Data Firehose API reference, PutRecordBatch) and retries the records it refuses, like
 * `tributary put` does with PutRecords.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import {
  CreateDeliveryStreamCommand,
  type CreateDeliveryStreamInput,
  DeleteDeliveryStreamCommand,
  type DeliveryStreamDescription,
  DescribeDeliveryStreamCommand,
  type FirehoseClient,
  ListDeliveryStreamsCommand,
  PutRecordBatchCommand,
} from '@aws-sdk/client-firehose';
import { isNotFound, pollUntil } from '../poll.js';
import { type Io, keyValues, table, toJson, UsageError } from '../output.js';
import { Progress } from '../progress.js';
import { type BatchSender, RecordWriter, reportWrite } from './put.js';

/** PutRecordBatch limits (Amazon Data Firehose API reference, PutRecordBatch). */
const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const MAX_RECORD_BYTES = 1000 * 1024;

/** Every delivery stream name of the account and region (ListDeliveryStreams, all pages). */
async function listNames(firehose: FirehoseClient): Promise<string[]> {
  const names: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await firehose.send(
      new ListDeliveryStreamsCommand({ Limit: 100, ...(after ? { ExclusiveStartDeliveryStreamName: after } : {}) }),
    );
    names.push(...(page.DeliveryStreamNames ?? []));
    if (!page.HasMoreDeliveryStreams || !page.DeliveryStreamNames?.length) return names;
    after = page.DeliveryStreamNames.at(-1);
  }
}

async function describe(firehose: FirehoseClient, name: string): Promise<DeliveryStreamDescription> {
  const out = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
  return out.DeliveryStreamDescription!;
}

/** The kind of a destination description: `S3`, `HTTP endpoint`, … */
function destinationOf(d: DeliveryStreamDescription): string {
  const first = d.Destinations?.[0];
  if (first === undefined) return '';
  if (first.ExtendedS3DestinationDescription) {
    const s3 = first.ExtendedS3DestinationDescription;
    return `S3 ${s3.BucketARN ?? ''}${s3.Prefix ? `/${s3.Prefix}` : ''}`;
  }
  if (first.S3DestinationDescription) return `S3 ${first.S3DestinationDescription.BucketARN ?? ''}`;
  if (first.HttpEndpointDestinationDescription)
    return `HTTP ${first.HttpEndpointDestinationDescription.EndpointConfiguration?.Url ?? ''}`;
  if (first.RedshiftDestinationDescription) return 'Redshift';
  if (first.AmazonopensearchserviceDestinationDescription) return 'OpenSearch';
  if (first.SplunkDestinationDescription) return 'Splunk';
  if (first.SnowflakeDestinationDescription) return 'Snowflake';
  if (first.IcebergDestinationDescription) return 'Iceberg';
  return 'other';
}

function sourceOf(d: DeliveryStreamDescription): string {
  const kinesis = d.Source?.KinesisStreamSourceDescription?.KinesisStreamARN;
  return kinesis ? `Kinesis ${kinesis.replace(/^.*:stream\//, '')}` : 'Direct PUT';
}

export async function firehoseLs(firehose: FirehoseClient, io: Io, json: boolean): Promise<void> {
  const described = await Promise.all((await listNames(firehose)).map((n) => describe(firehose, n)));
  if (json) {
    io.stdout.write(toJson(described));
    return;
  }
  io.stdout.write(
    table(
      ['NAME', 'STATUS', 'SOURCE', 'DESTINATION'],
      described.map((d) => [d.DeliveryStreamName ?? '', d.DeliveryStreamStatus ?? '', sourceOf(d), destinationOf(d)]),
    ),
  );
}

export async function firehoseDescribe(firehose: FirehoseClient, io: Io, json: boolean, name: string): Promise<void> {
  printDescription(io, json, await describe(firehose, name));
}

function printDescription(io: Io, json: boolean, d: DeliveryStreamDescription, headline?: string): void {
  if (json) {
    io.stdout.write(toJson(d));
    return;
  }
  if (headline) io.stdout.write(`${headline}\n`);
  const s3 = d.Destinations?.[0]?.ExtendedS3DestinationDescription;
  const rows: Array<[string, string]> = [
    ['Name', d.DeliveryStreamName ?? ''],
    ['ARN', d.DeliveryStreamARN ?? ''],
    ['Status', d.DeliveryStreamStatus ?? ''],
    ['Source', sourceOf(d)],
    ['Destination', destinationOf(d)],
  ];
  if (s3) {
    rows.push([
      'Buffering',
      `${s3.BufferingHints?.SizeInMBs ?? ''} MiB or ${s3.BufferingHints?.IntervalInSeconds ?? ''} s`,
    ]);
    rows.push(['Compression', s3.CompressionFormat ?? 'UNCOMPRESSED']);
  }
  rows.push(['Encryption', d.DeliveryStreamEncryptionConfiguration?.Status ?? 'DISABLED']);
  rows.push(['Created', d.CreateTimestamp?.toISOString() ?? '']);
  if (d.FailureDescription) rows.push(['Failure', `${d.FailureDescription.Type}: ${d.FailureDescription.Details}`]);
  io.stdout.write(keyValues(rows));
}

export interface FirehoseCreateOptions {
  readonly bucket: string;
  readonly prefix?: string;
  readonly roleArn?: string;
  readonly bufferMb?: string;
  readonly bufferSeconds?: string;
  readonly compression?: string;
  readonly sourceStream?: string;
  readonly wait?: boolean;
}

/** A role ARN for a server that does not assume roles; AWS itself needs `--role-arn`. */
const PLACEHOLDER_ROLE = 'arn:aws:iam::000000000000:role/tributary-firehose';

function wholeNumber(text: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got '${text}'`);
  return n;
}

export async function firehoseCreate(
  firehose: FirehoseClient,
  io: Io,
  json: boolean,
  name: string,
  options: FirehoseCreateOptions,
  kinesisArn: (stream: string) => Promise<string>,
): Promise<void> {
  const role = options.roleArn ?? PLACEHOLDER_ROLE;
  const size = wholeNumber(options.bufferMb, '--buffer-mb', 1, 128);
  const seconds = wholeNumber(options.bufferSeconds, '--buffer-seconds', 0, 900);
  const input: CreateDeliveryStreamInput = {
    DeliveryStreamName: name,
    DeliveryStreamType: options.sourceStream ? 'KinesisStreamAsSource' : 'DirectPut',
    ...(options.sourceStream
      ? {
          KinesisStreamSourceConfiguration: {
            KinesisStreamARN: options.sourceStream.startsWith('arn:')
              ? options.sourceStream
              : await kinesisArn(options.sourceStream),
            RoleARN: role,
          },
        }
      : {}),
    ExtendedS3DestinationConfiguration: {
      RoleARN: role,
      BucketARN: options.bucket.startsWith('arn:') ? options.bucket : `arn:aws:s3:::${options.bucket}`,
      ...(options.prefix !== undefined ? { Prefix: options.prefix } : {}),
      ...(size !== undefined || seconds !== undefined
        ? {
            BufferingHints: {
              ...(size !== undefined ? { SizeInMBs: size } : {}),
              ...(seconds !== undefined ? { IntervalInSeconds: seconds } : {}),
            },
          }
        : {}),
      ...(options.compression !== undefined ? { CompressionFormat: options.compression as never } : {}),
    },
  };
  await firehose.send(new CreateDeliveryStreamCommand(input));
  if (options.wait)
    await pollUntil(
      async () => (await describe(firehose, name)).DeliveryStreamStatus === 'ACTIVE',
      `delivery stream ${name} to become ACTIVE`,
    );
  printDescription(io, json, await describe(firehose, name), `created ${name}`);
}

export async function firehoseDelete(
  firehose: FirehoseClient,
  io: Io,
  json: boolean,
  name: string,
  options: { readonly wait?: boolean },
): Promise<void> {
  await firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: name }));
  if (options.wait)
    await pollUntil(
      () =>
        describe(firehose, name).then(
          () => false,
          (e: unknown) => (isNotFound(e) ? true : Promise.reject(e)),
        ),
      `delivery stream ${name} to be deleted`,
    );
  io.stdout.write(json ? toJson({ DeliveryStreamName: name, deleted: true }) : `deleted ${name}\n`);
}

/** PutRecordBatch into one delivery stream: the data alone counts against 500 records and 4 MiB per call. */
export function putRecordBatchSender(firehose: FirehoseClient, name: string): BatchSender {
  return {
    maxRecords: MAX_BATCH_RECORDS,
    maxBytes: MAX_BATCH_BYTES,
    size: (r) => r.data.byteLength,
    async send(records) {
      const out = await firehose.send(
        new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records.map((r) => ({ Data: r.data })) }),
      );
      const refused = new Map<number, string>();
      if (out.FailedPutCount)
        out.RequestResponses?.forEach((r, i) => {
          if (r.ErrorCode) refused.set(i, r.ErrorCode);
        });
      return refused;
    },
  };
}

export interface FirehosePutOptions {
  readonly file?: string;
  readonly lines?: boolean;
  readonly jsonLines?: boolean;
  /** False with `--no-newline`: line records are sent without their line end. */
  readonly newline: boolean;
  readonly retries: string;
}

export async function firehosePut(
  firehose: FirehoseClient,
  io: Io,
  json: boolean,
  name: string,
  value: string | undefined,
  options: FirehosePutOptions,
): Promise<number> {
  const retries = Number(options.retries);
  if (!Number.isInteger(retries) || retries < 0)
    throw new UsageError(`--retries must be a whole number, got '${options.retries}'`);
  if (value !== undefined && options.file !== undefined) throw new UsageError('give a VALUE or --file, not both');
  const perLine = options.lines || options.jsonLines;
  const totalBytes = options.file !== undefined ? (await stat(options.file)).size : undefined;
  const writer = new RecordWriter(
    putRecordBatchSender(firehose, name),
    retries,
    new Progress(io, `firehose put ${name}`, totalBytes),
  );
  const tooLarge = (data: Uint8Array, where: string): void => {
    if (data.byteLength > MAX_RECORD_BYTES)
      throw new UsageError(`${where} is ${data.byteLength} bytes; a Firehose record holds at most ${MAX_RECORD_BYTES}`);
  };
  if (value !== undefined) {
    const data = Buffer.from(value, 'utf8');
    tooLarge(data, 'the value');
    await writer.add(data, '');
  } else if (options.file !== undefined && !perLine) {
    const data = await readFile(options.file);
    tooLarge(data, options.file);
    await writer.add(data, '');
  } else {
    // Firehose concatenates records in its objects: each line keeps its line end unless --no-newline.
    const input = options.file !== undefined ? createReadStream(options.file) : io.stdin;
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let n = 0;
    for await (const line of lines) {
      n++;
      if (line === '') continue;
      if (options.jsonLines) {
        try {
          JSON.parse(line);
        } catch {
          throw new UsageError(`line ${n} is not JSON: ${line.slice(0, 60)}`);
        }
      }
      const data = Buffer.from(options.newline ? `${line}\n` : line, 'utf8');
      tooLarge(data, `line ${n}`);
      await writer.add(data, '', Buffer.byteLength(line) + 1);
    }
  }
  return reportWrite(io, json, name, await writer.finish(), 'put', 'DeliveryStreamName');
}
