/**
 * The console's Firehose, Analytics and Video pages end to end in Debian's Chromium
 * (docs/adr/0040-console-firehose-analytics-video.md): a real server serves /console; the pages create a delivery
 * stream and see a record delivered, run a SQL application and see its sample rows, and create a video stream and
 * see fragments of an ffmpeg-made MKV on the timeline. Each page's validation error is compared with what the SDK
 * gets for the same input. One browser launch for the file; screenshots in test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  PutRecordBatchCommand,
} from '@aws-sdk/client-firehose';
import { CreateStreamCommand, KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand,
  KinesisAnalyticsV2Client,
  StartApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import {
  CreateStreamCommand as CreateVideoStreamCommand,
  DescribeStreamCommand as DescribeVideoStreamCommand,
} from '@aws-sdk/client-kinesis-video';
import type { Browser, Page } from 'playwright-core';
import {
  ROLE as ANALYTICS_ROLE,
  analyticsV2Client,
  PASS_THROUGH_SQL,
  streamArn,
  TICKER_SCHEMA,
} from '../analytics/api-helpers.js';
import { listObjects, firehoseClient, ROLE as FIREHOSE_ROLE } from '../firehose/helpers.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ffmpegMissing, ffmpegMkv } from '../video/fixtures.js';
import { videoClient } from '../video/helpers.js';
import { putMedia } from '../video/media-helpers.js';
import { ARTIFACTS, chromiumMissing, launchChromium, openPage } from './chromium.js';

const skip = chromiumMissing();

let browser: Browser | undefined;
before(async () => {
  if (!skip) browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** The text of the SDK's error for a call, as the console shows it (`Type: message`). */
async function sdkError(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => assert.fail('the API accepted invalid input'),
    (e: Error) => `${e.name}: ${e.message}`,
  );
}

describe('console Firehose, Analytics and Video pages, security off', { skip }, () => {
  let server: TestServer;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    server = await startTestServer({ analyticsTransitionMs: 0 });
    page = await openPage(browser!, pageErrors);
  });
  after(async () => {
    await page?.context().close();
    await server?.close();
  });

  it('Firehose: creates a delivery stream, puts a record, sees it delivered, deletes the stream', async () => {
    await page.goto(`${server.server.url}/console/#/firehose`);
    await page.getByRole('heading', { name: 'Delivery streams' }).waitFor();
    await page.getByRole('cell', { name: 'No delivery streams yet.' }).waitFor();

    const create = page.getByRole('form', { name: 'Create delivery stream' });
    // An invalid name: shown exactly as the API answers the SDK for the same request.
    const fh = firehoseClient(server.server.url);
    const expected = await sdkError(
      fh.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'not valid!',
          DeliveryStreamType: 'DirectPut',
          ExtendedS3DestinationConfiguration: {
            RoleARN: FIREHOSE_ROLE,
            BucketARN: 'arn:aws:s3:::console-bucket',
            BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
            CompressionFormat: 'UNCOMPRESSED',
          },
        }),
      ),
    );
    fh.destroy();
    await create.getByLabel('Delivery stream name').fill('not valid!');
    await create.getByLabel('Bucket', { exact: true }).fill('console-bucket');
    await create.getByLabel('Buffer size (MiB)').fill('1');
    await create.getByLabel('Buffer interval (s)').fill('0');
    await create.getByLabel('IAM role ARN').fill(FIREHOSE_ROLE);
    await create.getByRole('button', { name: 'Create' }).click();
    assert.equal((await create.getByRole('alert').textContent())?.trim(), expected);

    await create.getByLabel('Delivery stream name').fill('console-fh');
    await create.getByRole('button', { name: 'Create' }).click();
    const row = page.getByRole('row').filter({ hasText: 'console-fh' });
    await row.filter({ hasText: 'ACTIVE' }).waitFor();
    const cells = await row.getByRole('cell').allTextContents();
    assert.deepEqual(cells.slice(0, 4), ['console-fh', 'ACTIVE', 'Direct PUT', 'Amazon S3']);
    await page.screenshot({ path: join(ARTIFACTS, 'firehose.png'), fullPage: true });

    await row.getByRole('link', { name: 'console-fh' }).click();
    await page.getByRole('heading', { name: 'console-fh' }).waitFor();
    const destination = page.getByRole('definition').filter({ hasText: 'arn:aws:s3:::console-bucket' });
    await destination.first().waitFor();

    const put = page.getByRole('form', { name: 'Put a test record' });
    await put.getByLabel('Data (UTF-8 text)').fill('{"hello":"firehose"}');
    await put.getByRole('button', { name: 'Put record' }).click();
    await put.getByRole('status').filter({ hasText: 'Accepted as record ' }).waitFor();

    // The delivery shows on the page (from /metrics), and the object is where the server writes it.
    const delivery = page.getByRole('region', { name: 'Delivery' });
    await delivery.getByText(/^1 records, seen at /).waitFor();
    assert.match((await delivery.textContent()) ?? '', /Delivered1 records, 21 B/);
    const objects = await listObjects(join(server.dataDir, 's3', 'console-bucket'));
    assert.deepEqual(
      [...objects.values()].map((b) => b.toString()),
      ['{"hello":"firehose"}\n'],
    );
    await page.screenshot({ path: join(ARTIFACTS, 'delivery-stream.png'), fullPage: true });

    // The form's other destinations and options reach the API as a client would send them.
    await page.getByRole('link', { name: 'Delivery streams' }).first().click();
    await create.getByLabel('Delivery stream name').fill('console-fh-gzip');
    await create.getByLabel('Bucket', { exact: true }).fill('console-bucket');
    await create.getByLabel('Prefix (optional)', { exact: true }).fill('data/!{timestamp:yyyy}/');
    await create.getByLabel('Error output prefix (optional)').fill('errors/!{firehose:error-output-type}/');
    await create.getByLabel('Compression').selectOption('GZIP');
    await create.getByLabel('File extension (optional)').fill('.json.gz');
    await create.getByLabel('Source record backup bucket (optional)').fill('console-backup');
    await create.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('row').filter({ hasText: 'console-fh-gzip' }).filter({ hasText: 'ACTIVE' }).waitFor();
    const formed = firehoseClient(server.server.url);
    const gzip = (await formed.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'console-fh-gzip' })))
      .DeliveryStreamDescription!.Destinations![0]!.ExtendedS3DestinationDescription!;
    assert.equal(gzip.CompressionFormat, 'GZIP');
    assert.equal(gzip.Prefix, 'data/!{timestamp:yyyy}/');
    assert.equal(gzip.ErrorOutputPrefix, 'errors/!{firehose:error-output-type}/');
    assert.equal(gzip.FileExtension, '.json.gz');
    assert.equal(gzip.S3BackupMode, 'Enabled');
    assert.equal(gzip.S3BackupDescription?.BucketARN, 'arn:aws:s3:::console-backup');
    // A prefix the API refuses: its message, as the SDK gets it for the same request.
    const badPrefix = await sdkError(
      formed.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'console-fh-bad',
          DeliveryStreamType: 'DirectPut',
          ExtendedS3DestinationConfiguration: {
            RoleARN: FIREHOSE_ROLE,
            BucketARN: 'arn:aws:s3:::console-bucket',
            Prefix: 'data/!{timestamp:yyyy}/',
            BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 300 },
            CompressionFormat: 'UNCOMPRESSED',
          },
        }),
      ),
    );
    await create.getByLabel('Delivery stream name').fill('console-fh-bad');
    await create.getByLabel('Compression').selectOption('UNCOMPRESSED');
    await create.getByLabel('File extension (optional)').fill('');
    await create.getByLabel('Source record backup bucket (optional)').fill('');
    await create.getByLabel('Error output prefix (optional)').fill('');
    await create.getByRole('button', { name: 'Create' }).click();
    assert.equal((await create.getByRole('alert').textContent())?.trim(), badPrefix);
    // An HTTP endpoint with its request and retry options.
    await create.getByLabel('Destination').selectOption('http');
    await create.getByLabel('Delivery stream name').fill('console-fh-http');
    await create.getByLabel('Endpoint URL').fill('http://127.0.0.1:9/ingest');
    await create.getByLabel('Content encoding').selectOption('GZIP');
    await create.getByLabel('Retry duration (s, optional)').fill('60');
    await create.getByLabel('S3 backup').selectOption('AllData');
    await create.getByLabel('Backup bucket').fill('console-backup');
    await create.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('row').filter({ hasText: 'console-fh-http' }).filter({ hasText: 'ACTIVE' }).waitFor();
    const http = (await formed.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'console-fh-http' })))
      .DeliveryStreamDescription!.Destinations![0]!.HttpEndpointDestinationDescription!;
    assert.equal(http.EndpointConfiguration?.Url, 'http://127.0.0.1:9/ingest');
    assert.equal(http.RequestConfiguration?.ContentEncoding, 'GZIP');
    assert.equal(http.RetryOptions?.DurationInSeconds, 60);
    assert.equal(http.S3BackupMode, 'AllData');
    for (const name of ['console-fh-gzip', 'console-fh-http'])
      await formed.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: name }));
    formed.destroy();

    // The buffer as the delivery worker holds it (tributary_firehose_buffered_*), against the stream's hints.
    const buffering = firehoseClient(server.server.url);
    await buffering.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'console-fh-buffered',
        DeliveryStreamType: 'DirectPut',
        ExtendedS3DestinationConfiguration: {
          RoleARN: FIREHOSE_ROLE,
          BucketARN: 'arn:aws:s3:::console-bucket',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
        },
      }),
    );
    await page.goto(`${server.server.url}/console/#/firehose/console-fh-buffered`);
    const buffered = page.getByRole('region', { name: 'Delivery' });
    await buffered.getByText('Buffer fill (0 B of 1 MiB, 0 records)').waitFor();
    await buffering.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: 'console-fh-buffered',
        Records: [{ Data: new TextEncoder().encode('0123456789') }, { Data: new TextEncoder().encode('abc') }],
      }),
    );
    await buffered.getByText('Buffer fill (13 B of 1 MiB, 2 records)').waitFor();
    await buffered.getByText(/^Buffer age \(\d+ s of 900 s\)$/).waitFor();
    assert.equal(await buffered.getByRole('meter', { name: 'Buffer fill' }).getAttribute('value'), '13');
    await page.screenshot({ path: join(ARTIFACTS, 'delivery-buffer.png'), fullPage: true });
    await buffering.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'console-fh-buffered' }));
    buffering.destroy();

    await page.getByRole('link', { name: 'Delivery streams' }).first().click();
    await row.getByRole('button', { name: 'Delete console-fh' }).click();
    await page.getByRole('dialog', { name: 'Delete delivery stream' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('cell', { name: 'No delivery streams yet.' }).waitFor();
    assert.deepEqual(pageErrors, []);
  });

  it('Analytics: creates a SQL application, starts it, sees sample rows of its in-application streams, stops and deletes it', async () => {
    await server.kinesis.send(new CreateStreamCommand({ StreamName: 'console-ticks', ShardCount: 1 }));
    await page.goto(`${server.server.url}/console/#/analytics`);
    await page.getByRole('heading', { name: 'Analytics applications' }).waitFor();
    await page.getByRole('cell', { name: 'No applications yet.' }).waitFor();

    const create = page.getByRole('form', { name: 'Create SQL application' });
    const ka = analyticsV2Client(server.server.url);
    const expected = await sdkError(
      ka.send(
        new CreateApplicationCommand({
          ApplicationName: 'not valid!',
          RuntimeEnvironment: 'SQL-1_0',
          ServiceExecutionRole: ANALYTICS_ROLE,
        }),
      ),
    );
    ka.destroy();
    await create.getByLabel('Application name').fill('not valid!');
    await create.getByLabel('Service execution role ARN').fill(ANALYTICS_ROLE);
    await create.getByRole('button', { name: 'Create' }).click();
    assert.equal((await create.getByRole('alert').textContent())?.trim(), expected);

    await create.getByLabel('Application name').fill('console-sql');
    await create.getByLabel('Input: Kinesis stream ARN (optional)').fill(streamArn('console-ticks'));
    await create.getByRole('button', { name: 'Create' }).click();
    const row = page.getByRole('row').filter({ hasText: 'console-sql' });
    await row.filter({ hasText: 'READY' }).waitFor();
    assert.deepEqual((await row.getByRole('cell').allTextContents()).slice(0, 4), [
      'console-sql',
      'READY',
      'SQL-1_0',
      '1',
    ]);

    await row.getByRole('link', { name: 'console-sql' }).click();
    await page.getByRole('heading', { name: 'console-sql' }).waitFor();
    assert.match((await page.locator('pre.sql-code').textContent()) ?? '', /INSERT INTO "DESTINATION_SQL_STREAM"/);
    await page.getByRole('definition').filter({ hasText: 'SOURCE_SQL_STREAM_001' }).waitFor();

    const run = page.getByRole('form', { name: 'Run' });
    await run.getByLabel('Start reading inputs from').selectOption('TRIM_HORIZON');
    await run.getByRole('button', { name: 'Start' }).click();
    await page
      .getByRole('definition')
      .filter({ hasText: /^RUNNING$/ })
      .waitFor();
    await server.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'console-ticks',
        Records: [
          { PartitionKey: 'a', Data: Buffer.from(JSON.stringify({ ticker: 'AMZN', price: 1.5 })) },
          { PartitionKey: 'b', Data: Buffer.from(JSON.stringify({ ticker: 'TRIB', price: 2 })) },
        ],
      }),
    );
    // Both the input's and the output's in-application streams show the rows, with ROWTIME first (the input stream
    // also has the source's columns: APPROXIMATE_ARRIVAL_TIME, SHARD_ID, …).
    for (const stream of ['SOURCE_SQL_STREAM_001', 'DESTINATION_SQL_STREAM']) {
      const table = page.getByRole('table', { name: `Sample of ${stream}` });
      await table.getByRole('row').filter({ hasText: 'TRIB' }).waitFor();
      const header = await table.getByRole('columnheader').allTextContents();
      assert.deepEqual(header.slice(0, 3), ['ROWTIME', 'TICKER', 'PRICE']);
      if (stream === 'DESTINATION_SQL_STREAM') assert.equal(header.length, 3);
      const cells = await table.getByRole('row').filter({ hasText: 'AMZN' }).getByRole('cell').allTextContents();
      assert.deepEqual(cells.slice(1, 3), ['AMZN', '1.5']);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'analytics-application.png'), fullPage: true });

    await run.getByRole('button', { name: 'Stop' }).click();
    await page
      .getByRole('definition')
      .filter({ hasText: /^READY$/ })
      .waitFor();
    await page.getByText('Start the application to see its rows.').waitFor();

    // Delete from the list (DeleteApplication with the CreateTimestamp the page reads first), confirmed by Enter.
    await page.getByRole('link', { name: 'Analytics applications' }).first().click();
    await row.getByRole('button', { name: 'Delete console-sql' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete application' });
    await dialog.waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('cell', { name: 'No applications yet.' }).waitFor();
    assert.deepEqual(pageErrors, []);
  });

  it('Video: creates a stream, sees the fragments of an ffmpeg-made MKV on the timeline, deletes the stream', {
    skip: ffmpegMissing(),
  }, async () => {
    await page.goto(`${server.server.url}/console/#/video`);
    await page.getByRole('heading', { name: 'Video streams' }).waitFor();
    await page.getByRole('cell', { name: 'No video streams yet.' }).waitFor();

    const create = page.getByRole('form', { name: 'Create video stream' });
    const kv = videoClient(server.server.url);
    const expected = await sdkError(
      kv.send(
        new CreateVideoStreamCommand({ StreamName: 'not valid!', MediaType: 'video/h264', DataRetentionInHours: 24 }),
      ),
    );
    kv.destroy();
    await create.getByLabel('Stream name').fill('not valid!');
    await create.getByRole('button', { name: 'Create' }).click();
    assert.equal((await create.getByRole('alert').textContent())?.trim(), expected);

    await create.getByLabel('Stream name').fill('console-cam');
    await create.getByLabel('Data retention (hours)').fill('48');
    await create.getByLabel('Device name (optional)').fill('front-door');
    await create.getByRole('button', { name: 'Create' }).click();
    const row = page.getByRole('row').filter({ hasText: 'console-cam' });
    await row.filter({ hasText: 'ACTIVE' }).waitFor();
    assert.deepEqual((await row.getByRole('cell').allTextContents()).slice(0, 4), [
      'console-cam',
      'ACTIVE',
      'video/h264',
      '48',
    ]);
    const described = videoClient(server.server.url);
    const info = (await described.send(new DescribeVideoStreamCommand({ StreamName: 'console-cam' }))).StreamInfo!;
    described.destroy();
    assert.equal(info.DeviceName, 'front-door');
    assert.equal(info.DataRetentionInHours, 48);

    // Three 1-second fragments of H.264 from ffmpeg, sent with PutMedia (not in the JavaScript SDK: raw HTTP).
    const mkv = await ffmpegMkv({ seconds: 3, fragmentMs: 1000 });
    const put = await putMedia(server.server.url, mkv, { stream: 'console-cam' });
    assert.equal(put.status, 200);
    assert.equal(put.acks.filter((a) => a.EventType === 'PERSISTED').length, 3);

    await row.getByRole('link', { name: 'console-cam' }).click();
    await page.getByRole('heading', { name: 'console-cam' }).waitFor();
    await page.getByText('the player will appear here when it does').waitFor();
    const fragments = page.getByRole('region', { name: 'Fragments' });
    await fragments.getByLabel('Time range').selectOption({ label: 'Last 5 minutes' });
    await fragments.getByRole('button', { name: 'Show fragments' }).click();
    const timeline = fragments.getByRole('img', { name: /^Fragment timeline: 3 fragments between / });
    await timeline.waitFor();
    assert.equal(await timeline.locator('rect.fragment').count(), 3);
    // The fragments the page lists are those ListFragments gives, newest first.
    const listed = await fragments
      .getByRole('table', { name: 'Newest fragments' })
      .locator('tbody tr td:first-child')
      .allTextContents();
    const numbers = put.acks.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentNumber);
    assert.deepEqual(listed, [...numbers].reverse());
    await fragments.getByLabel('Fit the axis to the fragments').check();
    await page.screenshot({ path: join(ARTIFACTS, 'video-stream.png'), fullPage: true });

    await page.getByRole('link', { name: 'Video streams' }).first().click();
    await row.getByRole('button', { name: 'Delete console-cam' }).click();
    await page.getByRole('dialog', { name: 'Delete video stream' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('cell', { name: 'No video streams yet.' }).waitFor();
    assert.deepEqual(pageErrors, []);
  });
});

describe('console Firehose, Analytics and Video pages, security on', { skip }, () => {
  const ACCOUNT = '333333333333';
  const OPERATOR = { accessKeyId: 'AKIACONSOLEOPERATOR1', secretAccessKey: 'console-operator-secret' };
  let dir: string;
  let server: TestServer;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-console-services-'));
    const file = join(dir, 'credentials.json');
    const actions = ['kinesis:*', 'firehose:*', 'kinesisanalytics:*', 'kinesisvideo:*', 'tributary:GetMetrics'];
    await writeFile(
      file,
      JSON.stringify({
        principals: [
          {
            name: 'operator',
            accountId: ACCOUNT,
            accessKeys: [OPERATOR],
            policies: [{ Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] }],
          },
        ],
      }),
    );
    server = await startTestServer({ authConfig: file, logLevel: 'silent' }, join(dir, 'data'));
    page = await openPage(browser!, pageErrors);
  });
  after(async () => {
    await page?.context().close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('signs the API calls, /metrics and the sample endpoint with the credentials entered', async () => {
    assert.equal(server.server.securityMode, 'enforce');
    await page.goto(`${server.server.url}/console/#/firehose`);
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    assert.match((await refusal.textContent()) ?? '', /^UnrecognizedClientException: /);

    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.getByLabel('Access key ID').fill(OPERATOR.accessKeyId);
    await page.getByLabel('Secret access key').fill(OPERATOR.secretAccessKey);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved for this session.' }).waitFor();

    await page.getByRole('link', { name: 'Firehose' }).click();
    const create = page.getByRole('form', { name: 'Create delivery stream' });
    await create.getByLabel('Delivery stream name').fill('secured-fh');
    await create.getByLabel('Bucket', { exact: true }).fill('secured-bucket');
    await create.getByLabel('Buffer interval (s)').fill('0');
    await create.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('row').filter({ hasText: 'secured-fh' }).filter({ hasText: 'ACTIVE' }).waitFor();
    await page.getByRole('link', { name: 'secured-fh' }).click();
    await page.getByText(`arn:aws:firehose:us-east-1:${ACCOUNT}:deliverystream/secured-fh`).waitFor();
    const put = page.getByRole('form', { name: 'Put a test record' });
    await put.getByLabel('Data (UTF-8 text)').fill('secured');
    await put.getByRole('button', { name: 'Put record' }).click();
    // The delivery figures come from /metrics, signed for service `tributary` with the operator's key.
    await page
      .getByRole('region', { name: 'Delivery' })
      .getByText(/^1 records, seen at /)
      .waitFor();

    // The sample endpoint answers the page's request signed with the operator's key.
    const credentials = { ...OPERATOR };
    const kinesis = new KinesisClient({ endpoint: server.server.url, region: 'us-east-1', credentials });
    const ka = new KinesisAnalyticsV2Client({ endpoint: server.server.url, region: 'us-east-1', credentials });
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'secured-ticks', ShardCount: 1 }));
      await ka.send(
        new CreateApplicationCommand({
          ApplicationName: 'secured-sql',
          RuntimeEnvironment: 'SQL-1_0',
          ServiceExecutionRole: `arn:aws:iam::${ACCOUNT}:role/analytics`,
          ApplicationConfiguration: {
            SqlApplicationConfiguration: {
              Inputs: [
                {
                  NamePrefix: 'SOURCE_SQL_STREAM',
                  KinesisStreamsInput: { ResourceARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/secured-ticks` },
                  InputSchema: TICKER_SCHEMA,
                },
              ],
            },
            ApplicationCodeConfiguration: {
              CodeContentType: 'PLAINTEXT',
              CodeContent: { TextContent: PASS_THROUGH_SQL },
            },
          },
        }),
      );
      await ka.send(
        new StartApplicationCommand({
          ApplicationName: 'secured-sql',
          RunConfiguration: {
            SqlRunConfigurations: [
              { InputId: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } },
            ],
          },
        }),
      );
      await kinesis.send(
        new PutRecordCommand({
          StreamName: 'secured-ticks',
          PartitionKey: 'k',
          Data: Buffer.from(JSON.stringify({ ticker: 'SAFE', price: 3 })),
        }),
      );
    } finally {
      kinesis.destroy();
      ka.destroy();
    }
    await page.goto(`${server.server.url}/console/#/analytics/secured-sql`);
    await page
      .getByRole('table', { name: 'Sample of DESTINATION_SQL_STREAM' })
      .getByRole('row')
      .filter({ hasText: 'SAFE' })
      .waitFor();
    await page.goto(`${server.server.url}/console/#/video`);
    await page.getByRole('cell', { name: 'No video streams yet.' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'video-secured.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
  });
});
