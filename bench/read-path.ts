/**
 * In-process measurement of the GetRecords read path (no HTTP): one shard holding 100,000 records of
 * 100 bytes (200 PutRecords calls of 500, partition keys `k0`…`k499`) is read back from TRIM_HORIZON
 * with GetRecords Limit 10,000, calling the service handler directly. Three figures, records/s:
 * - handler only: iterator decode, segment read + CRC check, record objects, sequence numbers;
 * - handler + JSON: a JSON 1.1 request's read (the records' text written straight from a log scan,
 *   docs/adr/0053-record-scan.md) plus `encodeJsonOutput` by the GetRecords output shape (what HTTP/1.1 and h2c
 *   clients get; src/protocol/json/encode.ts);
 * - handler + generic JSON: the same output through the generic conversion + `JSON.stringify` (the path before
 *   the shape-compiled encoder, kept for comparison);
 * - handler + CBOR: the above with `encodeCborOutput` instead (Java SDKs, KCL).
 * Each figure is the median of `--rounds` full read-backs after one warm-up read-back. Besides wall-clock
 * records/s it prints records per CPU-second of this process, which other load on the machine disturbs less
 * (use it to compare two builds on a shared machine).
 *
 * Usage: npm run bench -- read-path [--rounds 5] [--records 100000]
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cborCodec,
  encodeCborOutput,
  encodeJsonOutput,
  jsonCodec,
  silentLogger,
  type RequestContext,
  type WireCodec,
} from '../src/protocol/index.js';
import { openLocalBackend } from '../src/storage/local/index.js';
import { createStreamsService } from '../src/streams/index.js';
import { parseBenchArgs } from './shared/args.js';

const args = parseBenchArgs(
  'npm run bench -- read-path',
  'In-process GetRecords read path of one shard of 100 B records, handler only and with each wire encoding (see bench/read-path.ts).',
  { rounds: { type: 'string', default: '5' }, records: { type: 'string', default: '100000' } },
);
const ROUNDS = Math.max(1, Number(args.rounds));
const BATCH = 500;
const BATCHES = Math.max(1, Math.ceil(Number(args.records) / BATCH));

const dir = mkdtempSync(join(tmpdir(), 'trib-read-path-'));
try {
  const backend = await openLocalBackend(dir, { durability: { kind: 'none' } });
  const svc = await createStreamsService(backend, {
    region: 'us-east-1',
    accountId: '000000000000',
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 100,
    logger: silentLogger,
  });
  const ctx: RequestContext = {
    requestId: 'bench',
    region: 'us-east-1',
    accountId: '000000000000',
    receivedAt: Date.now(),
    signal: new AbortController().signal,
  };
  const operations = svc.definition!.operations;
  const call = async <T>(op: string, input: Record<string, unknown>, codec?: WireCodec): Promise<T> =>
    (await operations[op]!.handle(input, codec ? { ...ctx, codec } : ctx)) as T;

  await call('CreateStream', { StreamName: 'bench', ShardCount: 1 });
  const data = new Uint8Array(100).fill(7);
  const records = Array.from({ length: BATCH }, (_, j) => ({ PartitionKey: `k${j}`, Data: data }));
  for (let i = 0; i < BATCHES; i++) await call('PutRecords', { StreamName: 'bench', Records: records });

  /** Reads the whole shard back; returns records/s of wall-clock and of CPU time. */
  const readAll = async (
    encode: ((out: unknown) => Buffer) | undefined,
    codec: WireCodec | undefined,
  ): Promise<[number, number]> => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    let it = (
      await call<{ ShardIterator: string }>('GetShardIterator', {
        StreamName: 'bench',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      })
    ).ShardIterator;
    let n = 0;
    for (;;) {
      const out = await call<{ Records: unknown[]; NextShardIterator: string }>(
        'GetRecords',
        { ShardIterator: it, Limit: 10_000 },
        codec,
      );
      if (encode) encode(out);
      if (out.Records.length === 0) break;
      n += out.Records.length;
      it = out.NextShardIterator;
    }
    if (n !== BATCHES * BATCH) throw new Error(`read ${n} records, expected ${BATCHES * BATCH}`);
    const used = process.cpuUsage(cpu);
    return [n / ((performance.now() - started) / 1000), n / ((used.user + used.system) / 1e6)];
  };

  // The request's codec, as the server passes it: JSON requests may be answered with the records' text made straight
  // from the log (docs/adr/0053-record-scan.md); the others get record objects.
  const cases: Array<[string, ((out: unknown) => Buffer) | undefined, WireCodec | undefined]> = [
    ['handler only', undefined, undefined],
    ['handler + JSON', (out) => encodeJsonOutput(out, svc.definition!.model, 'GetRecords'), jsonCodec],
    ['generic JSON', (out) => encodeJsonOutput(out), undefined],
    ['handler + CBOR', encodeCborOutput, cborCodec],
  ];
  for (const [, encode, codec] of cases) await readAll(encode, codec); // warm-up
  const wall = cases.map((): number[] => []);
  const perCpu = cases.map((): number[] => []);
  // Rounds interleave the cases so a noisy neighbour on the machine affects them alike.
  for (let r = 0; r < ROUNDS; r++) {
    for (let c = 0; c < cases.length; c++) {
      const [w, p] = await readAll(cases[c]![1], cases[c]![2]);
      wall[c]!.push(w);
      perCpu[c]!.push(p);
    }
  }
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(
    `read-path: ${BATCHES * BATCH} records of ${data.length} bytes, GetRecords Limit 10000, median of ${ROUNDS}`,
  );
  for (let c = 0; c < cases.length; c++) {
    const w = wall[c]!;
    const line = `${fmt(median(w)).padStart(10)} records/s (range ${fmt(w[0]!)}–${fmt(w[w.length - 1]!)}), ${fmt(median(perCpu[c]!)).padStart(10)} records/CPU-s`;
    console.log(`${cases[c]![0].padEnd(16)} ${line}`);
  }
  await svc.close();
  await backend.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
