/**
 * Firehose delivery streams: the list (status, source, destination), create and delete, over the public Firehose
 * API (ListDeliveryStreams, DescribeDeliveryStream, CreateDeliveryStream, DeleteDeliveryStream).
 */
import {
  type CompressionFormat,
  CreateDeliveryStreamCommand,
  type CreateDeliveryStreamInput,
  DeleteDeliveryStreamCommand,
  type DeliveryStreamDescription,
  DescribeDeliveryStreamCommand,
  type DestinationDescription,
  ListDeliveryStreamsCommand,
} from '@aws-sdk/client-firehose';
import { useCallback, useState } from 'preact/hooks';
import { describeError, firehose } from './api.js';
import { DeleteButton, ErrorAlert, ResourceTable, runApiAction, useTransitionRefresh } from './parts.js';

/** Every delivery stream name, following ListDeliveryStreams' pagination (ExclusiveStartDeliveryStreamName). */
async function listAllDeliveryStreams(): Promise<string[]> {
  const names: string[] = [];
  let more = true;
  while (more) {
    const last = names[names.length - 1];
    const out = await firehose().send(
      new ListDeliveryStreamsCommand({ Limit: 100, ...(last ? { ExclusiveStartDeliveryStreamName: last } : {}) }),
    );
    names.push(...(out.DeliveryStreamNames ?? []));
    more = out.HasMoreDeliveryStreams === true && (out.DeliveryStreamNames?.length ?? 0) > 0;
  }
  return names;
}

/** The destination's kind as AWS's console names it. */
export function destinationType(d: DestinationDescription | undefined): string {
  if (d === undefined) return '';
  if (d.HttpEndpointDestinationDescription) return 'HTTP endpoint';
  if (d.ExtendedS3DestinationDescription || d.S3DestinationDescription) return 'Amazon S3';
  if (d.RedshiftDestinationDescription) return 'Amazon Redshift';
  if (d.AmazonopensearchserviceDestinationDescription || d.ElasticsearchDestinationDescription) return 'OpenSearch';
  if (d.SplunkDestinationDescription) return 'Splunk';
  return 'Other';
}

/** The source as AWS's console names it. */
export function sourceType(d: DeliveryStreamDescription | undefined): string {
  switch (d?.DeliveryStreamType) {
    case 'DirectPut':
      return 'Direct PUT';
    case 'KinesisStreamAsSource':
      return 'Kinesis data stream';
    case 'MSKAsSource':
      return 'Amazon MSK';
    default:
      return d?.DeliveryStreamType ?? '';
  }
}

interface Row {
  readonly name: string;
  readonly description?: DeliveryStreamDescription;
  readonly error?: string;
}

export function FirehosePage() {
  const [rows, setRows] = useState<Row[] | undefined>();
  const [listError, setListError] = useState('');
  const refresh = useCallback(async () => {
    try {
      const names = await listAllDeliveryStreams();
      setRows(
        await Promise.all(
          names.map(async (name): Promise<Row> => {
            try {
              const out = await firehose().send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
              return { name, ...(out.DeliveryStreamDescription ? { description: out.DeliveryStreamDescription } : {}) };
            } catch (e) {
              return { name, error: describeError(e) };
            }
          }),
        ),
      );
      setListError('');
    } catch (e) {
      setListError(describeError(e));
    }
  }, []);
  // CREATING and DELETING end on their own: look again until every stream is ACTIVE.
  const transitional = rows?.some((r) => r.description && r.description.DeliveryStreamStatus !== 'ACTIVE') ?? false;
  useTransitionRefresh(refresh, transitional, rows);

  return (
    <section>
      <ResourceTable
        title="Delivery streams"
        columns={['Name', 'Status', 'Source', 'Destination', 'Created']}
        empty="No delivery streams yet."
        isEmpty={rows?.length === 0}
        error={listError}
        onRefresh={() => void refresh()}
      >
        {rows?.map((row) => (
          <tr key={row.name}>
            <td class="name">
              <a href={`#/firehose/${encodeURIComponent(row.name)}`}>{row.name}</a>
            </td>
            {row.error !== undefined ? (
              <td colSpan={4} class="error">
                {row.error}
              </td>
            ) : (
              <>
                <td>
                  <span class={`status status-${row.description?.DeliveryStreamStatus ?? ''}`}>
                    {row.description?.DeliveryStreamStatus}
                  </span>
                </td>
                <td>{sourceType(row.description)}</td>
                <td>{destinationType(row.description?.Destinations?.[0])}</td>
                <td>{row.description?.CreateTimestamp?.toLocaleString()}</td>
              </>
            )}
            <td>
              <DeleteButton
                what="delivery stream"
                name={row.name}
                onDelete={async () => {
                  await firehose().send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: row.name }));
                  await refresh();
                }}
              />
            </td>
          </tr>
        ))}
      </ResourceTable>
      <CreateDeliveryStreamForm onCreated={refresh} />
    </section>
  );
}

const COMPRESSIONS: readonly CompressionFormat[] = ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'];

/** Optional integer fields: empty means "let the API apply its default". */
function optionalInt(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

/**
 * The request the form describes, as typed: the API validates it and its messages are the ones shown. Objects of
 * an S3 destination go to the server's object store (a directory under its data directory, or the S3-compatible
 * server given by --s3-endpoint); the bucket is named by its ARN as in AWS.
 */
function createInput(f: CreateForm): CreateDeliveryStreamInput {
  const hints = {
    ...(optionalInt(f.sizeMb) !== undefined ? { SizeInMBs: optionalInt(f.sizeMb) } : {}),
    ...(optionalInt(f.intervalSeconds) !== undefined ? { IntervalInSeconds: optionalInt(f.intervalSeconds) } : {}),
  };
  const bufferingHints = Object.keys(hints).length > 0 ? { BufferingHints: hints } : {};
  const bucket = { RoleARN: f.roleArn, BucketARN: `arn:aws:s3:::${f.bucket}` };
  const prefixes = {
    ...(f.prefix !== '' ? { Prefix: f.prefix } : {}),
    ...(f.errorPrefix !== '' ? { ErrorOutputPrefix: f.errorPrefix } : {}),
  };
  const source: Partial<CreateDeliveryStreamInput> =
    f.source === 'KinesisStreamAsSource'
      ? {
          DeliveryStreamType: 'KinesisStreamAsSource',
          KinesisStreamSourceConfiguration: { KinesisStreamARN: f.kinesisStreamArn, RoleARN: f.roleArn },
        }
      : { DeliveryStreamType: 'DirectPut' };
  if (f.destination === 'http') {
    return {
      DeliveryStreamName: f.name,
      ...source,
      HttpEndpointDestinationConfiguration: {
        EndpointConfiguration: {
          Url: f.url,
          ...(f.endpointName !== '' ? { Name: f.endpointName } : {}),
          ...(f.accessKey !== '' ? { AccessKey: f.accessKey } : {}),
        },
        ...bufferingHints,
        RequestConfiguration: { ContentEncoding: f.contentEncoding },
        ...(optionalInt(f.retrySeconds) !== undefined
          ? { RetryOptions: { DurationInSeconds: optionalInt(f.retrySeconds) } }
          : {}),
        RoleARN: f.roleArn,
        S3BackupMode: f.httpBackupMode,
        S3Configuration: bucket,
      },
    };
  }
  if (f.destination === 's3') {
    // The older S3DestinationConfiguration: no file extension, time zone or source record backup.
    return {
      DeliveryStreamName: f.name,
      ...source,
      S3DestinationConfiguration: { ...bucket, ...prefixes, ...bufferingHints, CompressionFormat: f.compression },
    };
  }
  return {
    DeliveryStreamName: f.name,
    ...source,
    ExtendedS3DestinationConfiguration: {
      ...bucket,
      ...prefixes,
      ...bufferingHints,
      CompressionFormat: f.compression,
      ...(f.fileExtension !== '' ? { FileExtension: f.fileExtension } : {}),
      ...(f.timeZone !== '' ? { CustomTimeZone: f.timeZone } : {}),
      ...(f.backupBucket !== ''
        ? {
            S3BackupMode: 'Enabled',
            S3BackupConfiguration: { RoleARN: f.roleArn, BucketARN: `arn:aws:s3:::${f.backupBucket}` },
          }
        : {}),
    },
  };
}

interface CreateForm {
  name: string;
  source: 'DirectPut' | 'KinesisStreamAsSource';
  kinesisStreamArn: string;
  destination: 'extendedS3' | 's3' | 'http';
  roleArn: string;
  bucket: string;
  prefix: string;
  errorPrefix: string;
  compression: CompressionFormat;
  fileExtension: string;
  timeZone: string;
  /** Extended S3: a bucket for source record backup (S3BackupMode Enabled); empty for none. */
  backupBucket: string;
  sizeMb: string;
  intervalSeconds: string;
  url: string;
  endpointName: string;
  accessKey: string;
  contentEncoding: 'NONE' | 'GZIP';
  retrySeconds: string;
  httpBackupMode: 'FailedDataOnly' | 'AllData';
}

const EMPTY_FORM: CreateForm = {
  name: '',
  source: 'DirectPut',
  kinesisStreamArn: '',
  destination: 'extendedS3',
  roleArn: 'arn:aws:iam::000000000000:role/firehose_delivery_role',
  bucket: '',
  prefix: '',
  errorPrefix: '',
  compression: 'UNCOMPRESSED',
  fileExtension: '',
  timeZone: '',
  backupBucket: '',
  sizeMb: '5',
  intervalSeconds: '300',
  url: 'https://',
  endpointName: '',
  accessKey: '',
  contentEncoding: 'NONE',
  retrySeconds: '',
  httpBackupMode: 'FailedDataOnly',
};

function CreateDeliveryStreamForm({ onCreated }: { onCreated: () => Promise<void> }) {
  const [form, setForm] = useState<CreateForm>(EMPTY_FORM);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set =
    <K extends keyof CreateForm>(key: K) =>
    (value: CreateForm[K]) =>
      setForm((f) => ({ ...f, [key]: value }));
  const text = (key: keyof CreateForm, label: string, extra: Record<string, unknown> = {}) => (
    <label>
      {label}
      <input name={key} value={form[key]} onInput={(e) => set(key)(e.currentTarget.value as never)} {...extra} />
    </label>
  );
  return (
    <form
      class="panel stack"
      aria-label="Create delivery stream"
      onSubmit={(e) => {
        e.preventDefault();
        void runApiAction(() => firehose().send(new CreateDeliveryStreamCommand(createInput(form))), {
          setError,
          setBusy,
          done: () => {
            setForm((f) => ({ ...f, name: '' }));
            return onCreated();
          },
        });
      }}
    >
      <h2>Create delivery stream</h2>
      <div class="row">
        {text('name', 'Delivery stream name')}
        <label>
          Source
          <select value={form.source} onChange={(e) => set('source')(e.currentTarget.value as CreateForm['source'])}>
            <option value="DirectPut">Direct PUT</option>
            <option value="KinesisStreamAsSource">Kinesis data stream</option>
          </select>
        </label>
        {form.source === 'KinesisStreamAsSource' && text('kinesisStreamArn', 'Kinesis stream ARN', { class: 'grow' })}
        <label>
          Destination
          <select
            value={form.destination}
            onChange={(e) => set('destination')(e.currentTarget.value as CreateForm['destination'])}
          >
            <option value="extendedS3">Amazon S3 (the server's object store)</option>
            <option value="s3">Amazon S3, S3DestinationConfiguration (older API)</option>
            <option value="http">HTTP endpoint</option>
          </select>
        </label>
      </div>
      {form.destination === 'http' && (
        <div class="row">
          {text('url', 'Endpoint URL')}
          {text('endpointName', 'Endpoint name (optional)')}
          {text('accessKey', 'Access key (optional)', { type: 'password', autoComplete: 'off' })}
          <label>
            Content encoding
            <select
              value={form.contentEncoding}
              onChange={(e) => set('contentEncoding')(e.currentTarget.value as CreateForm['contentEncoding'])}
            >
              <option value="NONE">NONE</option>
              <option value="GZIP">GZIP</option>
            </select>
          </label>
          {text('retrySeconds', 'Retry duration (s, optional)', { inputMode: 'numeric' })}
          <label>
            S3 backup
            <select
              value={form.httpBackupMode}
              onChange={(e) => set('httpBackupMode')(e.currentTarget.value as CreateForm['httpBackupMode'])}
            >
              <option value="FailedDataOnly">Failed data only</option>
              <option value="AllData">All data</option>
            </select>
          </label>
        </div>
      )}
      <div class="row">
        {text('bucket', form.destination === 'http' ? 'Backup bucket' : 'Bucket')}
        {form.destination !== 'http' && text('prefix', 'Prefix (optional)')}
        {form.destination !== 'http' && text('errorPrefix', 'Error output prefix (optional)')}
        {form.destination !== 'http' && (
          <label>
            Compression
            <select
              value={form.compression}
              onChange={(e) => set('compression')(e.currentTarget.value as CompressionFormat)}
            >
              {COMPRESSIONS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {form.destination === 'extendedS3' && (
        <div class="row">
          {text('fileExtension', 'File extension (optional)', { placeholder: '.json' })}
          {text('timeZone', 'Time zone for prefixes (optional)', { placeholder: 'UTC' })}
          {text('backupBucket', 'Source record backup bucket (optional)')}
        </div>
      )}
      <div class="row">
        {text('sizeMb', 'Buffer size (MiB)', { inputMode: 'numeric' })}
        {text('intervalSeconds', 'Buffer interval (s)', { inputMode: 'numeric' })}
        {text('roleArn', 'IAM role ARN', { class: 'grow' })}
        <button type="submit" disabled={busy}>
          Create
        </button>
      </div>
      <p class="muted">
        S3 objects go to this server's object store: a directory under its data directory, or the S3-compatible server
        given by <code>--s3-endpoint</code>.
      </p>
      <ErrorAlert error={error} />
    </form>
  );
}
