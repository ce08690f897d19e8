/**
 * DiscoverInputSchema: the inference rules of src/analytics/schema-discovery.ts on hand-written samples, and the
 * operation through both SDKs over a real Kinesis stream and an object in the embedded S3 directory.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  DiscoverInputSchemaCommand as DiscoverV1,
  type KinesisAnalyticsClient,
} from '@aws-sdk/client-kinesis-analytics';
import {
  DiscoverInputSchemaCommand as DiscoverV2,
  type KinesisAnalyticsV2Client,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { columnName, discoverSchema } from '../../src/analytics/schema-discovery.js';
import { rejects } from '../helpers/assert.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ROLE, analyticsV1Client, analyticsV2Client, streamArn } from './api-helpers.js';

describe('schema inference', () => {
  it('flattens JSON objects into leaf paths with the narrowest types', () => {
    const found = discoverSchema([
      JSON.stringify({
        ticker: 'AMZN',
        price: 12.5,
        qty: 3,
        big: 70000,
        ok: true,
        at: '2026-12-03 10:00:00.5',
        nested: { id: 1 },
        tags: ['a'],
      }),
      JSON.stringify({
        ticker: 'TECHNOLOGY',
        price: 3,
        qty: -100,
        big: 3000000000,
        ok: false,
        at: '2026-12-03',
        nested: { id: 300 },
        tags: [],
      }),
    ]);
    assert.ok(found);
    assert.deepEqual(found.schema.RecordFormat, {
      RecordFormatType: 'JSON',
      MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } },
    });
    assert.deepEqual(found.schema.RecordColumns, [
      { Name: 'ticker', Mapping: '$.ticker', SqlType: 'VARCHAR(16)' },
      { Name: 'price', Mapping: '$.price', SqlType: 'REAL' },
      { Name: 'qty', Mapping: '$.qty', SqlType: 'TINYINT' },
      { Name: 'big', Mapping: '$.big', SqlType: 'BIGINT' },
      { Name: 'ok', Mapping: '$.ok', SqlType: 'BOOLEAN' },
      { Name: 'at', Mapping: '$.at', SqlType: 'TIMESTAMP' },
      { Name: 'id', Mapping: '$.nested.id', SqlType: 'SMALLINT' },
      { Name: 'tags', Mapping: '$.tags[0:]', SqlType: 'VARCHAR(8)' },
    ]);
    assert.deepEqual(found.parsed[1], ['TECHNOLOGY', '3', '-100', '3000000000', 'false', '2026-12-03', '300', '[]']);
  });

  it('renames reserved, odd and colliding names', () => {
    assert.equal(columnName('select'), 'COL_select');
    assert.equal(columnName('1st'), 'COL_1st');
    assert.equal(columnName('a-b'), 'COL_a_b');
    const found = discoverSchema([JSON.stringify({ a: { id: 1 }, b: { id: 2 } })]);
    assert.deepEqual(
      found?.schema.RecordColumns.map((c) => [c.Name, c.Mapping]),
      [
        ['a_id', '$.a.id'],
        ['b_id', '$.b.id'],
      ],
    );
  });

  it('detects CSV with its delimiter, and gives up on text that is neither', () => {
    const found = discoverSchema(['AMZN|12.5|3', 'MSFT|7|100']);
    assert.deepEqual(found?.schema.RecordFormat, {
      RecordFormatType: 'CSV',
      MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: '|' } },
    });
    assert.deepEqual(
      found?.schema.RecordColumns.map((c) => [c.Name, c.SqlType]),
      [
        ['COL1', 'VARCHAR(4)'],
        ['COL2', 'REAL'],
        ['COL3', 'TINYINT'],
      ],
    );
    assert.equal(discoverSchema(['just words', 'more words here']), undefined);
    assert.equal(discoverSchema([]), undefined);
  });
});

describe('DiscoverInputSchema through the SDKs', () => {
  let t: TestServer;
  let v1: KinesisAnalyticsClient;
  let v2: KinesisAnalyticsV2Client;

  before(async () => {
    t = await startTestServer({ analyticsTransitionMs: 0 });
    v1 = analyticsV1Client(t.server.url);
    v2 = analyticsV2Client(t.server.url);
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'ticks', ShardCount: 2 }));
    await t.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'ticks',
        Records: Array.from({ length: 20 }, (_, i) => ({
          PartitionKey: `k${i}`,
          Data: Buffer.from(JSON.stringify({ TICKER: i % 2 ? 'AMZN' : 'MSFT', PRICE: 10 + i / 4 })),
        })),
      }),
    );
    const bucket = join(t.dataDir, 's3', 'ref');
    await mkdir(bucket, { recursive: true });
    await writeFile(join(bucket, 'companies.csv'), 'AMZN,Amazon\nMSFT,Microsoft\n');
  });
  after(async () => {
    v1.destroy();
    v2.destroy();
    await t.close();
  });

  it('samples a Kinesis stream from TRIM_HORIZON (v1)', async () => {
    const out = await v1.send(
      new DiscoverV1({
        ResourceARN: streamArn('ticks'),
        RoleARN: ROLE,
        InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' },
      }),
    );
    assert.deepEqual(out.InputSchema?.RecordColumns, [
      { Name: 'TICKER', Mapping: '$.TICKER', SqlType: 'VARCHAR(4)' },
      { Name: 'PRICE', Mapping: '$.PRICE', SqlType: 'REAL' },
    ]);
    assert.equal(out.InputSchema?.RecordEncoding, 'UTF-8');
    assert.equal(out.RawInputRecords?.length, 20);
    assert.equal(out.ParsedInputRecords?.length, 20);
  });

  it('samples an S3 object (v2)', async () => {
    const out = await v2.send(
      new DiscoverV2({
        ServiceExecutionRole: ROLE,
        S3Configuration: { BucketARN: 'arn:aws:s3:::ref', FileKey: 'companies.csv' },
      }),
    );
    assert.equal(out.InputSchema?.RecordFormat?.RecordFormatType, 'CSV');
    assert.deepEqual(out.ParsedInputRecords, [
      ['AMZN', 'Amazon'],
      ['MSFT', 'Microsoft'],
    ]);
  });

  it('answers errors for a missing source, both or neither source, and an empty stream', async () => {
    await rejects(
      v2.send(
        new DiscoverV2({
          ServiceExecutionRole: ROLE,
          S3Configuration: { BucketARN: 'arn:aws:s3:::ref', FileKey: 'missing.csv' },
        }),
      ),
      'InvalidArgumentException',
    );
    await rejects(v2.send(new DiscoverV2({ ServiceExecutionRole: ROLE })), 'InvalidArgumentException');
    await rejects(
      v1.send(
        new DiscoverV1({
          ResourceARN: streamArn('nope'),
          RoleARN: ROLE,
          InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' },
        }),
      ),
      'InvalidArgumentException',
    );
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'empty', ShardCount: 1 }));
    await rejects(
      v1.send(
        new DiscoverV1({
          ResourceARN: streamArn('empty'),
          RoleARN: ROLE,
          InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' },
        }),
      ),
      'UnableToDetectSchemaException',
    );
  });
});
