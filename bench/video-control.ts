/**
 * `npm run bench -- video-control`: the Kinesis Video control plane (REST-JSON routes built from the model) on this
 * machine, against an in-process server with durable metadata writes (`--durability always`) and the SDK v3 client.
 * 1. CreateStream: each call is a compare-and-set metadata write and a persisted status timer.
 * 2. DescribeStream and GetDataEndpoint: read-only calls (decode, catalogue lookup, encode).
 * 3. ListStreams of the first 100 streams (the catalogue is sorted by name on every call).
 * Prints calls/s and the process CPU time per call (server and client share the process).
 * Options: --streams <n> (default 2000), --clients <n> (default 16).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetDataEndpointCommand,
  KinesisVideoClient,
  ListStreamsCommand,
} from '@aws-sdk/client-kinesis-video';
import { silentLogger } from '../src/protocol/index.js';
import { startServer } from '../src/server/index.js';
import { parseBenchArgs } from './shared/args.js';

const values = parseBenchArgs(
  'npm run bench -- video-control',
  'The Kinesis Video control plane through the SDK v3 client, with durable metadata writes (see bench/video-control.ts).',
  { streams: { type: 'string', default: '2000' }, clients: { type: 'string', default: '16' } },
);
const STREAMS = Number(values.streams);
const CLIENTS = Number(values.clients);

/** Runs `call(i)` for i in 0..n-1 on `CLIENTS` concurrent loops; prints the rate and CPU per call. */
async function measure(label: string, n: number, call: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < n; i = next++) await call(i);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / n;
  console.log(
    `${label.padEnd(28)} ${String(n).padStart(6)} calls  ${(n / seconds).toFixed(0).padStart(7)} calls/s  ${cpuUs.toFixed(0).padStart(5)} µs CPU/call`,
  );
}

const dataDir = await mkdtemp(join(tmpdir(), 'trib-bench-kv-'));
const server = await startServer(
  { port: 0, dataDir, durability: 'always', audit: 'off', videoCreateMs: 0, logLevel: 'silent' },
  { logger: silentLogger },
);
const kv = new KinesisVideoClient({
  endpoint: server.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
  maxAttempts: 1,
});
try {
  console.log(`Kinesis Video control plane: ${STREAMS} streams, ${CLIENTS} concurrent clients, durability always`);
  const name = (i: number): string => `bench-${String(i).padStart(6, '0')}`;
  await measure('CreateStream', STREAMS, (i) => kv.send(new CreateStreamCommand({ StreamName: name(i) })));
  await measure('DescribeStream', STREAMS, (i) => kv.send(new DescribeStreamCommand({ StreamName: name(i) })));
  await measure('GetDataEndpoint', STREAMS, (i) =>
    kv.send(new GetDataEndpointCommand({ StreamName: name(i), APIName: 'GET_MEDIA' })),
  );
  await measure('ListStreams (first 100)', Math.ceil(STREAMS / 10), () =>
    kv.send(new ListStreamsCommand({ MaxResults: 100 })),
  );
} finally {
  kv.destroy();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
}
