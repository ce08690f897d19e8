/**
 * `npm run bench -- analytics-app`: a running SQL application end to end on this machine, against an in-process
 * server with durable acks (`--durability always`). The input stream (2 shards) is filled first with JSON records
 * (about 60 B: ticker, price); the application then starts from TRIM_HORIZON, so the measured time is the
 * application alone: read through the Data Streams reader, map, run the pump (`PRICE * 2` and a filter keeping
 * every row), encode JSON and write every row to the output stream with its fsynced PutRecords, checkpointing
 * after each delivered batch. Prints input records/s from StartApplication until the last output record is
 * stored, and the CPU time of the process per record.
 * Options: --records <n> (default 100000).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand,
  KinesisAnalyticsV2Client,
  StartApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { startServer } from '../src/server/index.js';
import { parseBenchArgs } from './shared/args.js';

const values = parseBenchArgs(
  'npm run bench -- analytics-app',
  'A running SQL application end to end: fills an input stream, then measures the application from TRIM_HORIZON (see bench/analytics-app.ts).',
  { records: { type: 'string', default: '100000' } },
);
const TOTAL = Number(values.records);
const credentials = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' };

const dir = await mkdtemp(join(tmpdir(), 'tributary-bench-analytics-'));
const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  dataDir: dir,
  logLevel: 'error',
  createStreamMs: 0,
  analyticsTransitionMs: 0,
  durability: 'always',
});
const kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials });
const ka = new KinesisAnalyticsV2Client({ endpoint: server.url, region: 'us-east-1', credentials });
const arn = (name: string) => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
try {
  await kinesis.send(new CreateStreamCommand({ StreamName: 'in', ShardCount: 2 }));
  await kinesis.send(new CreateStreamCommand({ StreamName: 'out', ShardCount: 2 }));
  for (let i = 0; i < TOTAL; i += 500) {
    const n = Math.min(500, TOTAL - i);
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'in',
        Records: Array.from({ length: n }, (_, j) => ({
          PartitionKey: `k${(i + j) % 64}`,
          Data: Buffer.from(JSON.stringify({ ticker: `T${(i + j) % 500}`, price: (i + j) % 1000 })),
        })),
      }),
    );
  }
  await ka.send(
    new CreateApplicationCommand({
      ApplicationName: 'bench',
      RuntimeEnvironment: 'SQL-1_0',
      ServiceExecutionRole: 'arn:aws:iam::000000000000:role/bench',
      ApplicationConfiguration: {
        SqlApplicationConfiguration: {
          Inputs: [
            {
              NamePrefix: 'SOURCE_SQL_STREAM',
              KinesisStreamsInput: { ResourceARN: arn('in') },
              InputSchema: {
                RecordFormat: {
                  RecordFormatType: 'JSON',
                  MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } },
                },
                RecordColumns: [
                  { Name: 'TICKER', SqlType: 'VARCHAR(8)', Mapping: '$.ticker' },
                  { Name: 'PRICE', SqlType: 'INTEGER', Mapping: '$.price' },
                ],
              },
            },
          ],
          Outputs: [
            {
              Name: 'DESTINATION_SQL_STREAM',
              KinesisStreamsOutput: { ResourceARN: arn('out') },
              DestinationSchema: { RecordFormatType: 'JSON' },
            },
          ],
        },
        ApplicationCodeConfiguration: {
          CodeContentType: 'PLAINTEXT',
          CodeContent: {
            TextContent: `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (TICKER VARCHAR(8), DOUBLED INTEGER);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM TICKER, PRICE * 2 FROM "SOURCE_SQL_STREAM_001" WHERE PRICE >= 0;`,
          },
        },
      },
    }),
  );
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await ka.send(
    new StartApplicationCommand({
      ApplicationName: 'bench',
      RunConfiguration: {
        SqlRunConfigurations: [
          { InputId: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } },
        ],
      },
    }),
  );
  // Count the output as it arrives, reading each shard on from where the last read stopped.
  const counter = await outputCounter();
  while ((await counter()) < TOTAL) await new Promise((r) => setTimeout(r, 50));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    `analytics-app: ${TOTAL} records in ${ms.toFixed(0)} ms = ${Math.round((TOTAL / ms) * 1000)} records/s; ` +
      `CPU ${(((cpu.user + cpu.system) / TOTAL) | 0).toString()} µs/record\n`,
  );
} finally {
  kinesis.destroy();
  ka.destroy();
  await server.close();
  await rm(dir, { recursive: true, force: true });
}

/** A function that reads the output stream's new records and returns how many were read so far. */
async function outputCounter(): Promise<() => Promise<number>> {
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: 'out' }))).Shards ?? [];
  const iterators: string[] = [];
  for (const s of shards)
    iterators.push(
      (
        await kinesis.send(
          new GetShardIteratorCommand({ StreamName: 'out', ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
        )
      ).ShardIterator!,
    );
  let total = 0;
  return async () => {
    for (let i = 0; i < iterators.length; i++) {
      for (;;) {
        const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterators[i]!, Limit: 10000 }));
        total += r.Records?.length ?? 0;
        iterators[i] = r.NextShardIterator!;
        if ((r.Records?.length ?? 0) === 0) break;
      }
    }
    return total;
  };
}
