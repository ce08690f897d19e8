/**
 * The web console end to end in a real browser (Debian's chromium driven by playwright-core, docs/adr/0033-web-console.md):
 * a real server serves /console; the page creates a stream, puts a record, reads it back in the record browser in
 * three views, splits the shard and shows the lineage, shows an API validation error as the API returned it, and
 * deletes the stream. Screenshots go to test-artifacts/console/ (git-ignored). One browser launch for the file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { type Browser, chromium, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';

const CHROMIUM = '/usr/bin/chromium';
/** The console's fixed table row height (console/src/virtual-list.tsx, TABLE_ROW_PX). */
const TABLE_ROW_PX = 44;
const ARTIFACTS = join('test-artifacts', 'console');
/** Launch flags: no sandbox (root in CI), no outside traffic on a closed network. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const skip = requireTool('chromium', { cmd: CHROMIUM, args: ['--version'] });

// One browser for the file; each suite opens its own context (its own session storage).
let browser: Browser | undefined;
before(async () => {
  if (skip) return;
  await mkdir(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
});

/** The error an SDK call gets, as the console shows it: `<type>: <message>`. */
async function sdkError(call: () => Promise<unknown>): Promise<string> {
  return call().then(
    () => assert.fail('the API accepted the input'),
    (e: Error) => `${e.name}: ${e.message}`,
  );
}

/** The alert shown in the panel titled `heading`. */
async function panelAlert(page: Page, heading: string): Promise<string> {
  const panel = page.locator('.panel').filter({ has: page.getByRole('heading', { name: heading, exact: true }) });
  return ((await panel.getByRole('alert').textContent()) ?? '').trim();
}

async function openPage(errors: string[]): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  return page;
}

describe('web console in Chromium, security off', { skip }, () => {
  let server: TestServer;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    server = await startTestServer();
    page = await openPage(pageErrors);
  });

  after(async () => {
    await page?.context().close();
    await server?.close();
  });

  it('serves the page and its assets at /console without credentials, with a strict content policy', async () => {
    const index = await fetch(`${server.server.url}/console`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(index.headers.get('content-security-policy') ?? '', /connect-src 'self'/);
    const html = await index.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'index.html names its script under /console/assets/');
    const js = await fetch(`${server.server.url}${script}`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    // Only GET: the console is files, nothing else.
    const post = await fetch(`${server.server.url}/console`, { method: 'POST', body: '{}' });
    assert.notEqual(post.status, 200);
  });

  it('creates a stream, puts a record, reads it back, splits the shard and shows the lineage', async () => {
    await page.goto(`${server.server.url}/console/`);
    await page.getByRole('heading', { name: 'Data streams' }).waitFor();

    // An invalid name: the page shows exactly what the API answers the SDK for the same input.
    const badName = 'not a valid name!';
    const expected = await server.kinesis.send(new CreateStreamCommand({ StreamName: badName, ShardCount: 1 })).then(
      () => assert.fail('the API accepted an invalid stream name'),
      (e: Error) => `${e.name}: ${e.message}`,
    );
    const create = page.getByRole('form', { name: 'Create data stream' });
    await create.getByLabel('Stream name').fill(badName);
    await create.getByRole('button', { name: 'Create' }).click();
    assert.equal((await create.getByRole('alert').textContent())?.trim(), expected);

    await create.getByLabel('Stream name').fill('console-e2e');
    await create.getByLabel('Shards').fill('1');
    await create.getByRole('button', { name: 'Create' }).click();
    const row = page.getByRole('row').filter({ hasText: 'console-e2e' });
    await row.filter({ hasText: 'ACTIVE' }).waitFor();
    const cells = await row.getByRole('cell').allTextContents();
    assert.deepEqual(cells.slice(0, 6), ['console-e2e', 'ACTIVE', 'PROVISIONED', '1', '24', 'NONE']);
    await page.screenshot({ path: join(ARTIFACTS, 'streams.png'), fullPage: true });

    await row.getByRole('link', { name: 'console-e2e' }).click();
    await page.getByRole('heading', { name: 'console-e2e' }).waitFor();

    const put = page.getByRole('form', { name: 'Put a test record' });
    await put.getByLabel('Partition key').fill('pk-1');
    await put.getByLabel('Data (UTF-8 text)').fill('{"hello":"console","n":1}');
    await put.getByRole('button', { name: 'Put record' }).click();
    const stored = put.getByRole('status');
    await stored.filter({ hasText: 'Stored in shardId-000000000000' }).waitFor();
    const sequence = /sequence number (\d+)/.exec((await stored.textContent()) ?? '')?.[1];
    assert.ok(sequence);
    // The live charts read /metrics: the put shows as a non-zero incoming rate at the next reading.
    const incoming = page.locator('dl[aria-label="Records per second, latest"] dd').first();
    await incoming.filter({ hasText: /^(?!0\/s$|—$)\d/ }).waitFor();
    assert.equal(await page.locator('.chart-canvas canvas').count(), 3);

    const reader = page.getByRole('form', { name: 'Read records' });
    const records = page.getByRole('list', { name: 'Records' });
    await reader.getByLabel('Show data as').selectOption('json');
    await reader.getByRole('button', { name: 'Read', exact: true }).click();
    await records.getByRole('listitem').first().waitFor();
    assert.equal(await records.getByRole('listitem').count(), 1);
    assert.equal(await records.locator('pre').textContent(), '{\n  "hello": "console",\n  "n": 1\n}');
    assert.match((await records.textContent()) ?? '', new RegExp(`#${sequence}.*key pk-1`));
    await page.screenshot({ path: join(ARTIFACTS, 'record-browser.png'), fullPage: true });

    // From the sequence number, as hex.
    await reader.getByLabel('Start').selectOption('AT_SEQUENCE_NUMBER');
    await reader.getByLabel('Sequence number').fill(sequence);
    await reader.getByLabel('Show data as').selectOption('hex');
    await reader.getByRole('button', { name: 'Read', exact: true }).click();
    await records.locator('pre', { hasText: '7b 22 68 65 6c 6c 6f 22' }).waitFor();

    // Split at the default (the middle of the hash range) and see the two children under their parent.
    const reshard = page.getByRole('form', { name: 'Reshard' });
    await reshard.getByRole('button', { name: 'Split' }).click();
    const lineage = page.getByRole('tree', { name: 'Shard lineage' });
    await lineage.getByRole('treeitem').filter({ hasText: 'shardId-000000000002 (open)' }).waitFor();
    // The tree as drawn: the closed parent, its two children under it.
    assert.deepEqual(await lineage.getByRole('treeitem').allTextContents(), [
      '▾ shardId-000000000000 (closed)',
      '├─ shardId-000000000001 (open)',
      '└─ shardId-000000000002 (open)',
    ]);
    // What a screen reader is told: depth, place among siblings, expansion (an ARIA tree).
    const treeAttrs = (name: string) =>
      lineage.getByRole('treeitem').evaluateAll((els, n) => els.map((el) => el.getAttribute(n)), name);
    assert.deepEqual(await treeAttrs('aria-level'), ['1', '2', '2']);
    assert.deepEqual(await treeAttrs('aria-posinset'), ['1', '1', '2']);
    assert.deepEqual(await treeAttrs('aria-setsize'), ['1', '2', '2']);
    assert.deepEqual(await treeAttrs('aria-expanded'), ['true', null, null]);
    // The page shows the hash ranges the API reports.
    const shards = (await server.kinesis.send(new ListShardsCommand({ StreamName: 'console-e2e' }))).Shards ?? [];
    const table = await page.getByRole('table', { name: 'Shards' }).textContent();
    for (const shard of shards) {
      assert.ok(table?.includes(shard.HashKeyRange!.StartingHashKey!), `${shard.ShardId} starting hash key shown`);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'lineage.png'), fullPage: true });
    // The README's picture (docs/images/console-stream.png is a copy of this file from a run): the top of the
    // stream page, charts, shards and lineage, in a taller window.
    await page.setViewportSize({ width: 1280, height: 1240 });
    // Lines need points: wait for three readings of /metrics after the put.
    await page.waitForFunction(
      () => Number((globalThis as any).document.querySelector('.charts')?.dataset.points) >= 3,
    );
    await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, 'console-stream.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
    // The dark theme follows the system's preference.
    await page.emulateMedia({ colorScheme: 'dark' });
    const background = await page.evaluate(() => {
      const g = globalThis as any;
      return g.getComputedStyle(g.document.body).backgroundColor as string;
    });
    assert.equal(background, 'rgb(13, 17, 23)');
    await page.screenshot({ path: join(ARTIFACTS, 'lineage-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    // By keyboard (after the screenshots, which should not show a focus ring): Tab reaches the tree's one focusable row, arrows move, Left on the parent collapses it.
    await lineage.getByRole('treeitem').first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await lineage
      .getByRole('treeitem', { name: /shardId-000000000002/ })
      .and(page.locator(':focus'))
      .waitFor();
    await page.keyboard.press('ArrowLeft');
    await lineage
      .getByRole('treeitem', { name: /shardId-000000000000/ })
      .and(page.locator(':focus'))
      .waitFor();
    await page.keyboard.press('ArrowLeft');
    await lineage.getByRole('treeitem', { expanded: false }).waitFor();
    assert.equal(await lineage.getByRole('treeitem').count(), 1);
    await page.keyboard.press('ArrowRight');
    await lineage.getByRole('treeitem').nth(2).waitFor();

    // Tags: add, a refusal as the API words it, remove.
    const tagForm = page.getByRole('form', { name: 'Add tag' });
    const tags = page.getByRole('table', { name: 'Tags' });
    await tagForm.getByLabel('Key').fill('team');
    await tagForm.getByLabel('Value').fill('data');
    await tagForm.getByRole('button', { name: 'Add tag' }).click();
    await tags.getByRole('row').filter({ hasText: 'team' }).filter({ hasText: 'data' }).waitFor();
    const badTag = await sdkError(() =>
      server.kinesis.send(new AddTagsToStreamCommand({ StreamName: 'console-e2e', Tags: { 'aws:x': 'v' } })),
    );
    await tagForm.getByLabel('Key').fill('aws:x');
    await tagForm.getByLabel('Value').fill('v');
    await tagForm.getByRole('button', { name: 'Add tag' }).click();
    assert.equal(await panelAlert(page, 'Tags'), badTag);
    await tags.getByRole('button', { name: 'Remove tag team' }).click();
    await tags.getByRole('cell', { name: 'No tags.' }).waitFor();

    // Enhanced fan-out consumers: register (and a refusal as the API words it), deregister through the dialog.
    const registerForm = page.getByRole('form', { name: 'Register consumer' });
    const consumers = page.getByRole('table', { name: 'Consumers' });
    const arn = (await server.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'console-e2e' })))
      .StreamDescriptionSummary!.StreamARN!;
    const badConsumer = await sdkError(() =>
      server.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'not valid!' })),
    );
    await registerForm.getByLabel('Consumer name').fill('not valid!');
    await registerForm.getByRole('button', { name: 'Register' }).click();
    assert.equal(await panelAlert(page, 'Enhanced fan-out consumers'), badConsumer);
    await registerForm.getByLabel('Consumer name').fill('console-consumer');
    await registerForm.getByRole('button', { name: 'Register' }).click();
    await consumers.getByRole('row').filter({ hasText: 'console-consumer' }).filter({ hasText: 'ACTIVE' }).waitFor();
    // Keyboard: Escape cancels the dialog and gives focus back to the button that opened it; Enter confirms.
    const deregister = consumers.getByRole('button', { name: 'Deregister console-consumer' });
    await deregister.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Deregister consumer' });
    await dialog.waitFor();
    assert.equal(
      await dialog
        .getByRole('button', { name: 'Deregister' })
        .evaluate((b) => b === (globalThis as any).document.activeElement),
      true,
    );
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await deregister.evaluate((b) => b === (globalThis as any).document.activeElement), true);
    assert.equal(await consumers.getByRole('row').filter({ hasText: 'console-consumer' }).count(), 1);
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Enter');
    await consumers.getByRole('cell', { name: 'No consumers.' }).waitFor();

    // Capacity and retention: scale (UpdateShardCount), retention up, a refusal as the API words it, mode switch.
    const facts = page.locator('dl.facts');
    const scale = page.getByRole('form', { name: 'Update shard count' });
    await scale.getByLabel('Target shard count').fill('4');
    await scale.getByRole('button', { name: 'Update shard count' }).click();
    await facts
      .filter({ hasText: /Open shards4/ })
      .filter({ hasText: 'ACTIVE' })
      .waitFor();
    const retention = page.getByRole('form', { name: 'Retention period' });
    await retention.getByLabel('Retention period (hours)').fill('48');
    await retention.getByRole('button', { name: 'Set retention' }).click();
    await facts.filter({ hasText: 'Retention48 h' }).waitFor();
    const badRetention = await sdkError(() =>
      server.kinesis.send(
        new DecreaseStreamRetentionPeriodCommand({ StreamName: 'console-e2e', RetentionPeriodHours: 1 }),
      ),
    );
    await retention.getByLabel('Retention period (hours)').fill('1');
    await retention.getByRole('button', { name: 'Set retention' }).click();
    assert.equal(await panelAlert(page, 'Capacity and retention'), badRetention);
    await page.getByRole('button', { name: 'Switch to on-demand' }).click();
    const switchDialog = page.getByRole('dialog', { name: 'Switch capacity mode' });
    await switchDialog.getByRole('button', { name: 'Switch to ON_DEMAND' }).click();
    await facts.filter({ hasText: 'Capacity modeON_DEMAND' }).filter({ hasText: 'ACTIVE' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'stream-settings.png'), fullPage: true });

    // Delete from the list, confirmed in a dialog by keyboard (Enter).
    await page.getByRole('link', { name: 'Data streams' }).first().click();
    await row.getByRole('button', { name: 'Delete console-e2e' }).click();
    const deleteDialog = page.getByRole('dialog', { name: 'Delete data stream' });
    await deleteDialog.waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('cell', { name: 'No streams yet.' }).waitFor();
    assert.deepEqual(pageErrors, []);
  });

  /** GetRecords calls the page made, by when (index into this list), to see that a tail stops with the page. */
  const getRecordsCalls: string[] = [];
  let callsWhenLeft = -1;

  it('tails a shard: records put through the SDK appear without a click, also after a split', async () => {
    page.on('request', (r) => {
      if (r.headers()['x-amz-target'] === 'Kinesis_20131202.GetRecords') getRecordsCalls.push(r.url());
    });
    await server.kinesis.send(new CreateStreamCommand({ StreamName: 'console-tail', ShardCount: 1 }));
    await page.goto(`${server.server.url}/console/#/streams/console-tail`);
    await page.getByRole('heading', { name: 'console-tail' }).waitFor();
    await page.locator('dl.facts').filter({ hasText: 'ACTIVE' }).waitFor();
    const reader = page.getByRole('form', { name: 'Read records' });
    const records = page.getByRole('list', { name: 'Records' });
    const status = page.getByRole('status', { name: 'Tail' });
    await reader.getByRole('button', { name: 'Tail' }).click();
    await status.filter({ hasText: 'Tailing shardId-000000000000' }).waitFor();
    // Put by another client while the page tails: the records show up, in order, without any click.
    await server.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'console-tail',
        Records: ['tail-1', 'tail-2', 'tail-3'].map((d) => ({ PartitionKey: 'pk', Data: new TextEncoder().encode(d) })),
      }),
    );
    await records.locator('pre', { hasText: 'tail-3' }).waitFor();
    assert.deepEqual(await records.locator('pre').allTextContents(), ['tail-1', 'tail-2', 'tail-3']);
    // A split closes the shard: the tail goes on with both children and shows what is put into them.
    await server.kinesis.send(
      new SplitShardCommand({
        StreamName: 'console-tail',
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: String(1n << 127n),
      }),
    );
    await status.filter({ hasText: 'Tailing shardId-000000000001, shardId-000000000002' }).waitFor();
    await server.kinesis.send(
      new PutRecordCommand({
        StreamName: 'console-tail',
        PartitionKey: 'pk',
        ExplicitHashKey: String((1n << 127n) + 1n),
        Data: new TextEncoder().encode('after-split'),
      }),
    );
    const child = records.getByRole('listitem').filter({ hasText: 'after-split' });
    await child.waitFor();
    assert.match((await child.locator('.record-meta').textContent()) ?? '', /shardId-000000000002/);
    await page.screenshot({ path: join(ARTIFACTS, 'tail.png'), fullPage: true });
    // Enhanced fan-out traffic is charted as its own outgoing series: a consumer reads the child shard by push.
    const streamArn = (await server.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'console-tail' })))
      .StreamDescriptionSummary!.StreamARN!;
    const consumer = (
      await server.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'pushed' }))
    ).Consumer!;
    const subscription = await server.kinesis.send(
      new SubscribeToShardCommand({
        ConsumerARN: consumer.ConsumerARN,
        ShardId: 'shardId-000000000002',
        StartingPosition: { Type: 'TRIM_HORIZON' },
      }),
    );
    const events = subscription.EventStream![Symbol.asyncIterator]();
    for (let pushed = 0; pushed < 1; ) {
      const { value, done } = await events.next();
      assert.ok(!done);
      pushed += value.SubscribeToShardEvent?.Records?.length ?? 0;
    }
    await events.return?.();
    const recordsLatest = page.locator('dl[aria-label="Records per second, latest"]');
    assert.deepEqual(await recordsLatest.locator('dt').allTextContents(), [
      'Incoming',
      'Outgoing (GetRecords)',
      'Outgoing (enhanced fan-out)',
    ]);
    await recordsLatest
      .locator('dd')
      .nth(2)
      .filter({ hasText: /^(?!0\/s$|—$)\d/ })
      .waitFor();
    // Stop ends the tail; Tail starts it again; leaving the page ends it too (checked by the next test).
    await reader.getByRole('button', { name: 'Stop' }).click();
    await reader.getByRole('button', { name: 'Tail' }).click();
    await status.filter({ hasText: 'Tailing' }).waitFor();
    await page.getByRole('link', { name: 'Data streams' }).first().click();
    await page.getByRole('heading', { name: 'Data streams' }).waitFor();
    await page.waitForLoadState('networkidle');
    callsWhenLeft = getRecordsCalls.length;
    assert.deepEqual(pageErrors, []);
  });

  it('keeps a 300-shard stream and a 128-character name in fixed rows, rendering only the rows in view', async () => {
    const SHARDS = 300;
    const longName = `long-${'x'.repeat(118)}-end`; // 128 characters, the longest name the API accepts
    await server.kinesis.send(new CreateStreamCommand({ StreamName: longName, ShardCount: 1 }));
    await server.kinesis.send(new CreateStreamCommand({ StreamName: 'many-shards', ShardCount: SHARDS }));
    await page.goto(`${server.server.url}/console/#/streams`);
    // Created by the SDK behind the page's back (or before it loaded): the list's Refresh shows them.
    await page.getByRole('button', { name: 'Refresh' }).click();
    const longRow = page.getByRole('row').filter({ hasText: longName });
    await longRow.filter({ hasText: 'ACTIVE' }).waitFor();
    // The name does not wrap or widen the page: the row keeps its height and nothing scrolls sideways.
    assert.equal((await longRow.boundingBox())?.height, TABLE_ROW_PX);
    assert.equal(
      await page.evaluate(
        () => (globalThis as any).document.documentElement.scrollWidth <= (globalThis as any).innerWidth,
      ),
      true,
    );

    await page.getByRole('link', { name: 'many-shards' }).click();
    const table = page.getByRole('table', { name: 'Shards' });
    await table.getByRole('row').filter({ hasText: 'shardId-000000000000' }).waitFor();
    await page.getByText(`${SHARDS} shards, ${SHARDS} open`).waitFor();
    const rendered = () => table.locator('tbody tr:not(.spacer)').count();
    const inView = await rendered();
    assert.ok(inView > 5 && inView < 40, `${inView} shard rows rendered of ${SHARDS}`);
    assert.equal(
      await table
        .getByRole('row')
        .filter({ hasText: `shardId-000000000${SHARDS - 1}` })
        .count(),
      0,
    );
    // Scrolled to the end, the last shards are rendered and the first are not.
    await page
      .locator('.vtable')
      .filter({ has: table })
      .evaluate((box) => {
        box.scrollTop = box.scrollHeight;
      });
    await table
      .getByRole('row')
      .filter({ hasText: `shardId-000000000${SHARDS - 1}` })
      .waitFor();
    assert.equal(await table.getByRole('row').filter({ hasText: 'shardId-000000000000' }).count(), 0);
    assert.ok((await rendered()) < 40);
    const lineage = page.getByRole('tree', { name: 'Shard lineage' });
    assert.ok((await lineage.getByRole('treeitem').count()) < 40);
    assert.equal(
      await page.evaluate(
        () => (globalThis as any).document.documentElement.scrollWidth <= (globalThis as any).innerWidth,
      ),
      true,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'many-shards.png') });
    // The tail of the previous test stopped when its page was left: no GetRecords since, seconds later.
    assert.ok(callsWhenLeft > 0);
    assert.equal(getRecordsCalls.length, callsWhenLeft);
    assert.deepEqual(pageErrors, []);
  });

  it('creates an on-demand stream with a record size, tags and KMS encryption from the form', async () => {
    await page.goto(`${server.server.url}/console/#/streams`);
    const create = page.getByRole('form', { name: 'Create data stream' });
    // A tag the API refuses: shown as the SDK gets it for the same CreateStream.
    const badTags = await sdkError(() =>
      server.kinesis.send(
        new CreateStreamCommand({
          StreamName: 'console-formed',
          StreamModeDetails: { StreamMode: 'ON_DEMAND' },
          Tags: { 'aws:team': 'data' },
        }),
      ),
    );
    await create.getByLabel('Stream name').fill('console-formed');
    await create.getByLabel('Capacity mode').selectOption('ON_DEMAND');
    await create.getByLabel('Tags (key=value, one a line; optional)').fill('aws:team=data');
    await create.getByRole('button', { name: 'Create' }).click();
    assert.equal((await create.getByRole('alert').textContent())?.trim(), badTags);

    await create.getByLabel('Maximum record size (KiB, optional)').fill('2048');
    await create.getByLabel('Tags (key=value, one a line; optional)').fill('team=data\nowner=');
    await create.getByLabel('Server-side encryption (AWS KMS)').check();
    assert.equal(await create.getByLabel('KMS key').inputValue(), 'alias/aws/kinesis');
    await create.getByRole('button', { name: 'Create' }).click();
    await create.getByRole('status').filter({ hasText: 'Created console-formed with KMS encryption' }).waitFor();
    const summary = (await server.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'console-formed' })))
      .StreamDescriptionSummary!;
    assert.equal(summary.StreamModeDetails?.StreamMode, 'ON_DEMAND');
    assert.equal(summary.EncryptionType, 'KMS');
    assert.equal(summary.KeyId, 'alias/aws/kinesis');
    assert.equal(summary.MaxRecordSizeInKiB, 2048);
    const tags = await server.kinesis.send(new ListTagsForStreamCommand({ StreamName: 'console-formed' }));
    assert.deepEqual(tags.Tags?.map((t) => [t.Key, t.Value ?? '']).sort(), [
      ['owner', ''],
      ['team', 'data'],
    ]);
    await page
      .getByRole('row')
      .filter({ hasText: 'console-formed' })
      .filter({ hasText: 'KMS (alias/aws/kinesis)' })
      .waitFor();
    assert.deepEqual(pageErrors, []);
  });
});

describe('web console in Chromium, security on', { skip }, () => {
  const ACCOUNT = '222222222222';
  const ADMIN = { accessKeyId: 'AKIACONSOLEADMIN01', secretAccessKey: 'console-admin-secret' };
  let dir: string;
  let server: TestServer;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-console-'));
    const file = join(dir, 'credentials.json');
    await writeFile(
      file,
      JSON.stringify({
        principals: [
          {
            name: 'admin',
            accountId: ACCOUNT,
            accessKeys: [ADMIN],
            policies: [{ Statement: [{ Effect: 'Allow', Action: 'kinesis:*', Resource: '*' }] }],
          },
        ],
      }),
    );
    server = await startTestServer({ authConfig: file, logLevel: 'silent' }, join(dir, 'data'));
    page = await openPage(pageErrors);
  });

  after(async () => {
    await page?.context().close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads without credentials, shows the API refusal, then works with the credentials entered', async () => {
    assert.equal(server.server.securityMode, 'enforce');
    await page.goto(`${server.server.url}/console/`);
    // The page loads (public files); its unsigned-by-a-known-key API call is refused by the API, shown as returned.
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    assert.match((await refusal.textContent()) ?? '', /^UnrecognizedClientException: /);

    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.getByLabel('Access key ID').fill(ADMIN.accessKeyId);
    await page.getByLabel('Secret access key').fill(ADMIN.secretAccessKey);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved for this session.' }).waitFor();
    const stored = await page.evaluate(() =>
      (globalThis as any).sessionStorage.getItem('tributary.console.credentials'),
    );
    assert.equal(JSON.parse(stored ?? '{}').accessKeyId, ADMIN.accessKeyId);

    await page.getByRole('link', { name: 'Data Streams' }).click();
    const create = page.getByRole('form', { name: 'Create data stream' });
    await create.getByLabel('Stream name').fill('secured');
    await create.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('row').filter({ hasText: 'secured' }).filter({ hasText: 'ACTIVE' }).waitFor();
    // Created in the principal's account: the credentials entered signed the call.
    const link = await page.getByRole('link', { name: 'secured' }).getAttribute('href');
    assert.equal(link, '#/streams/secured');
    await page.getByRole('link', { name: 'secured' }).click();
    await page.getByText(`arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/secured`).waitFor();
    // The charts' /metrics request is signed with the same credentials; this principal may not read metrics
    // (only kinesis:*), and the refusal is shown as the server returned it.
    const monitoring = page.locator('.panel').filter({ has: page.getByRole('heading', { name: 'Monitoring' }) });
    const refused = (await monitoring.getByRole('alert').textContent()) ?? '';
    assert.match(refused, /^AccessDeniedException: .*tributary:GetMetrics/);
    await page.screenshot({ path: join(ARTIFACTS, 'secured.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
  });
});
