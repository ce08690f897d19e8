/**
 * One delivery stream: its description and destination configuration (DescribeDeliveryStream), its buffer fill
 * and last delivery from the AWS/Firehose series of /metrics (docs/adr/0031-metrics-naming.md,
 * docs/adr/0040-console-firehose-analytics-video.md), and a form to put a test record (PutRecord).
 */
import {
  type DeliveryStreamDescription,
  DescribeDeliveryStreamCommand,
  type DestinationDescription,
  PutRecordCommand,
} from '@aws-sdk/client-firehose';
import { useRef, useState } from 'preact/hooks';
import { describeError, firehose } from './api.js';
import { destinationType, sourceType } from './firehose.js';
import { DetailHeader, ErrorAlert, Facts, formatBytes, useDescribed, usePoll } from './parts.js';
import { type MetricSample, samplesFor, scrapeMetrics } from './prometheus.js';

const MIB = 1024 * 1024;
/** How often the page scrapes /metrics. */
const METRICS_POLL_MS = 2000;

export function DeliveryStreamPage({ name }: { name: string }) {
  const {
    value: description,
    error,
    refresh,
  } = useDescribed(
    name,
    async (n) =>
      (await firehose().send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: n }))).DeliveryStreamDescription,
    (d) => d.DeliveryStreamStatus !== 'ACTIVE',
  );
  const destination = description?.Destinations?.[0];

  return (
    <section>
      <DetailHeader
        listHref="#/firehose"
        listTitle="Delivery streams"
        name={name}
        error={error}
        onRefresh={() => void refresh()}
      />
      {description && (
        <Facts
          label="Delivery stream"
          rows={[
            ['Status', description.DeliveryStreamStatus],
            ['Source', sourceType(description)],
            ['Source stream', description.Source?.KinesisStreamSourceDescription?.KinesisStreamARN],
            ['Destination', destinationType(destination)],
            ['Encryption', description.DeliveryStreamEncryptionConfiguration?.Status],
            ['Version', description.VersionId],
            ['Created', description.CreateTimestamp?.toLocaleString()],
            ['ARN', description.DeliveryStreamARN],
          ]}
        />
      )}
      {destination && <DestinationPanel destination={destination} />}
      {description && <DeliveryPanel description={description} />}
      <PutRecordPanel name={name} />
    </section>
  );
}

function hintsOf(d: DestinationDescription) {
  return (
    d.HttpEndpointDestinationDescription?.BufferingHints ??
    d.ExtendedS3DestinationDescription?.BufferingHints ??
    d.S3DestinationDescription?.BufferingHints
  );
}

function DestinationPanel({ destination }: { destination: DestinationDescription }) {
  const s3 = destination.ExtendedS3DestinationDescription ?? destination.S3DestinationDescription;
  const http = destination.HttpEndpointDestinationDescription;
  const backup = http?.S3DestinationDescription ?? destination.ExtendedS3DestinationDescription?.S3BackupDescription;
  const hints = hintsOf(destination);
  return (
    <div class="panel">
      <h2>Destination</h2>
      <Facts
        label="Destination configuration"
        rows={[
          ['Destination ID', destination.DestinationId],
          ['Endpoint URL', http?.EndpointConfiguration?.Url],
          ['Endpoint name', http?.EndpointConfiguration?.Name],
          ['Content encoding', http?.RequestConfiguration?.ContentEncoding],
          [
            'Retry duration',
            http?.RetryOptions?.DurationInSeconds !== undefined
              ? `${http.RetryOptions.DurationInSeconds} s`
              : undefined,
          ],
          ['Bucket', s3?.BucketARN],
          ['Prefix', s3?.Prefix],
          ['Error output prefix', s3?.ErrorOutputPrefix],
          ['Compression', s3?.CompressionFormat],
          ['File extension', destination.ExtendedS3DestinationDescription?.FileExtension],
          ['Buffer size', hints?.SizeInMBs !== undefined ? `${hints.SizeInMBs} MiB` : undefined],
          ['Buffer interval', hints?.IntervalInSeconds !== undefined ? `${hints.IntervalInSeconds} s` : undefined],
          ['Backup mode', http?.S3BackupMode ?? destination.ExtendedS3DestinationDescription?.S3BackupMode],
          ['Backup bucket', backup?.BucketARN],
          ['Role', s3?.RoleARN ?? http?.RoleARN],
        ]}
      />
    </div>
  );
}

/** What the page derives from one scrape of the stream's AWS/Firehose series. */
interface DeliveryFigures {
  readonly incomingRecords: number;
  readonly incomingBytes: number;
  readonly deliveredRecords: number;
  readonly deliveredBytes: number;
  readonly objects: number | undefined;
  readonly success: number | undefined;
  readonly freshnessSeconds: number | undefined;
  /**
   * The delivery worker's buffer now (`tributary_firehose_buffered_*`, ADR 0044); undefined when this server does
   * not run the stream's worker (another node of a cluster holds its lease, or it has not started).
   */
  readonly buffer: { readonly records: number; readonly bytes: number; readonly ageSeconds: number } | undefined;
}

/**
 * The stream's figures from the metric names of src/server/metrics.ts (`prometheusName`): received is
 * IncomingRecords/Bytes for Direct PUT, DataReadFromKinesisStream.* for a Kinesis source; delivered is
 * DeliveryToS3.* or DeliveryToHttpEndpoint.* (backup copies are not deliveries); the buffer is the worker's own
 * (Tributary/Firehose BufferedRecords, BufferedBytes, BufferAgeSeconds).
 */
export function deliveryFigures(
  samples: readonly MetricSample[],
  stream: { name: string; accountId: string; region: string },
  http: boolean,
  kinesisSource: boolean,
): DeliveryFigures {
  const m = samplesFor(samples, {
    delivery_stream_name: stream.name,
    account_id: stream.accountId,
    region: stream.region,
  });
  const get = (metric: string) => m.get(`aws_firehose_${metric}`);
  const bufferedBytes = m.get('tributary_firehose_buffered_bytes');
  const incoming = kinesisSource ? 'data_read_from_kinesis_stream' : 'incoming';
  const delivery = http ? 'delivery_to_http_endpoint' : 'delivery_to_s3';
  return {
    incomingRecords: get(`${incoming}_records_total`) ?? 0,
    incomingBytes: get(`${incoming}_bytes_total`) ?? 0,
    deliveredRecords: get(`${delivery}_records_total`) ?? 0,
    deliveredBytes: get(`${delivery}_bytes_total`) ?? 0,
    objects: http ? undefined : get('delivery_to_s3_object_count_total'),
    success: get(`${delivery}_success`),
    freshnessSeconds: get(`${delivery}_data_freshness`),
    buffer:
      bufferedBytes === undefined
        ? undefined
        : {
            bytes: bufferedBytes,
            records: m.get('tributary_firehose_buffered_records') ?? 0,
            ageSeconds: m.get('tributary_firehose_buffer_age_seconds') ?? 0,
          },
  };
}

/** `arn:aws:firehose:<region>:<account>:deliverystream/<name>` → its parts. */
function arnParts(arn: string | undefined): { region: string; accountId: string } | undefined {
  const parts = arn?.split(':');
  return parts && parts.length >= 6 ? { region: parts[3]!, accountId: parts[4]! } : undefined;
}

function DeliveryPanel({ description }: { description: DeliveryStreamDescription }) {
  const [figures, setFigures] = useState<DeliveryFigures | undefined>();
  const [lastDelivery, setLastDelivery] = useState('none seen yet');
  const seenDelivered = useRef<number | undefined>(undefined);
  const [error, setError] = useState('');
  const destination = description.Destinations?.[0];
  const http = destination?.HttpEndpointDestinationDescription !== undefined;
  const sizeMb = (destination && hintsOf(destination)?.SizeInMBs) ?? 5;
  const intervalSeconds = (destination && hintsOf(destination)?.IntervalInSeconds) ?? 300;
  const where = arnParts(description.DeliveryStreamARN);
  usePoll(async () => {
    if (where === undefined) return;
    try {
      const next = deliveryFigures(
        await scrapeMetrics(),
        { name: description.DeliveryStreamName ?? '', ...where },
        http,
        description.DeliveryStreamType === 'KinesisStreamAsSource',
      );
      // The series carry no time of delivery: the page notes when it saw the delivered count grow.
      const previous = seenDelivered.current;
      if (previous === undefined) {
        if (next.deliveredRecords > 0) setLastDelivery('before this page opened');
      } else if (next.deliveredRecords > previous) {
        setLastDelivery(`${next.deliveredRecords - previous} records, seen at ${new Date().toLocaleTimeString()}`);
      }
      seenDelivered.current = next.deliveredRecords;
      setFigures(next);
      setError('');
    } catch (e) {
      setError(describeError(e));
    }
  }, METRICS_POLL_MS);

  const capacity = sizeMb * MIB;
  const buffer = figures?.buffer;
  return (
    <section class="panel" aria-label="Delivery">
      <h2>Buffer and delivery</h2>
      <ErrorAlert error={error} />
      {buffer !== undefined ? (
        <div class="row">
          <label class="grow">
            Buffer fill ({formatBytes(buffer.bytes)} of {sizeMb} MiB, {buffer.records} records)
            <meter min={0} max={capacity} value={Math.min(buffer.bytes, capacity)} aria-label="Buffer fill" />
          </label>
          <label class="grow">
            Buffer age ({buffer.ageSeconds.toFixed(0)} s of {intervalSeconds} s)
            <meter
              min={0}
              max={Math.max(intervalSeconds, 1)}
              value={Math.min(buffer.ageSeconds, intervalSeconds)}
              aria-label="Buffer age"
            />
          </label>
        </div>
      ) : (
        figures && (
          <p class="muted">
            This server does not run the stream's delivery worker now (another node holds it, or it has not started):
            its buffer is not known here.
          </p>
        )
      )}
      {figures && (
        <Facts
          label="Last delivery"
          rows={[
            ['Received', `${figures.incomingRecords} records, ${formatBytes(figures.incomingBytes)}`],
            ['Delivered', `${figures.deliveredRecords} records, ${formatBytes(figures.deliveredBytes)}`],
            ['Objects written', figures.objects],
            ['Last delivery', lastDelivery],
            [
              'Data freshness',
              figures.freshnessSeconds !== undefined ? `${figures.freshnessSeconds.toFixed(1)} s` : undefined,
            ],
            ['Success', figures.success !== undefined ? `${(figures.success * 100).toFixed(0)} %` : undefined],
          ]}
        />
      )}
      <p class="muted">
        From this server's <code>/metrics</code>: the buffer as the delivery worker holds it now (delivery when either
        hint is reached), the AWS/Firehose counters since the server started.
      </p>
    </section>
  );
}

function PutRecordPanel({ name }: { name: string }) {
  const [data, setData] = useState('');
  const [newline, setNewline] = useState(true);
  const [result, setResult] = useState('');
  const [error, setError] = useState('');
  return (
    <form
      class="panel stack"
      aria-label="Put a test record"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          // Firehose adds no delimiter between records (Firehose Developer Guide, PutRecord): the option adds one.
          const out = await firehose().send(
            new PutRecordCommand({
              DeliveryStreamName: name,
              Record: { Data: new TextEncoder().encode(newline ? `${data}\n` : data) },
            }),
          );
          setError('');
          setResult(`Accepted as record ${out.RecordId}`);
        } catch (err) {
          setResult('');
          setError(describeError(err));
        }
      }}
    >
      <h2>Put a test record</h2>
      <div class="row">
        <label class="grow">
          Data (UTF-8 text)
          <textarea name="data" rows={3} value={data} onInput={(e) => setData(e.currentTarget.value)} />
        </label>
        <label class="inline">
          <input type="checkbox" checked={newline} onChange={(e) => setNewline(e.currentTarget.checked)} />
          End with a newline
        </label>
        <button type="submit">Put record</button>
      </div>
      <output class="mono">{result}</output>
      <ErrorAlert error={error} />
    </form>
  );
}
