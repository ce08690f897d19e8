/**
 * `npm run bench -- analytics`: throughput of the analytics SQL engine on this machine, one thread, on
 * Nexmark-style bids (about 200 B of JSON each: auction, bidder, price, channel, url, dateTime, extra), generated
 * deterministically by event number with a hot auction half of the time.
 * For each query it prints events/s end to end (JSON record → mapped row → engine → output rows) and for the
 * engine alone (rows mapped beforehand):
 * - q1: projection `price * 0.908`;
 * - q2: filter `MOD(auction, 123) = 0`;
 * - tumble: `COUNT(*) … GROUP BY auction, STEP(ROWTIME BY INTERVAL '10' SECOND)`;
 * - slide: `COUNT(*) OVER (PARTITION BY auction RANGE INTERVAL '10' SECOND PRECEDING)`.
 * Events arrive 10 000 per second of ROWTIME. Options: --events <n> (default 300000), --rounds <n> (default 3,
 * the best round is printed).
 */
import { createRecordMapper, type EngineClock, type MappedColumn, startEngine } from '../src/analytics/engine/index.js';
import { compileApplication, type SqlValue } from '../src/analytics/sql/index.js';
import { parseBenchArgs } from './shared/args.js';

const values = parseBenchArgs(
  'npm run bench -- analytics',
  'Throughput of the analytics SQL engine on one thread, on Nexmark-style bids (see bench/analytics.ts).',
  { events: { type: 'string', default: '300000' }, rounds: { type: 'string', default: '3' } },
);
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const RATE_PER_MS = 10;
const T0 = Date.UTC(2026, 0, 1);

const COLUMNS: MappedColumn[] = [
  { name: 'AUCTION', sqlType: 'BIGINT', mapping: '$.auction' },
  { name: 'BIDDER', sqlType: 'BIGINT', mapping: '$.bidder' },
  { name: 'PRICE', sqlType: 'INTEGER', mapping: '$.price' },
  { name: 'CHANNEL', sqlType: 'VARCHAR(16)', mapping: '$.channel' },
  { name: 'URL', sqlType: 'VARCHAR(128)', mapping: '$.url' },
  { name: 'DATE_TIME', sqlType: 'TIMESTAMP', mapping: '$.dateTime' },
];
const INPUT = { name: 'SOURCE_SQL_STREAM_001', columns: COLUMNS };

/** A small deterministic PRNG (mulberry32), so every run sees the same bids. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

function bids(n: number): Buffer[] {
  const rnd = prng(42);
  const channels = ['Google', 'Facebook', 'Baidu', 'Apple'];
  const out: Buffer[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const auction = rnd() < 0.5 ? 1000 : 1000 + Math.floor(rnd() * 1000);
    const bidder = rnd() < 0.75 ? 2001 : 2000 + Math.floor(rnd() * 1000);
    const price = Math.round(10 ** (rnd() * 6) * 100);
    const ms = T0 + Math.floor(i / RATE_PER_MS);
    const d = new Date(ms);
    const dateTime = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}`;
    const channel = channels[i % 4]!;
    out[i] = Buffer.from(
      JSON.stringify({
        auction,
        bidder,
        price,
        channel,
        url: `https://www.nexmark.com/${channel.toLowerCase()}/item.htm?query=1&channel_id=${i % 10_000}`,
        dateTime,
        extra: 'x'.repeat(40),
      }),
    );
  }
  return out;
}

const QUERIES: Record<string, { out: string; select: string }> = {
  q1: {
    out: 'auction BIGINT, bidder BIGINT, price DOUBLE, date_time TIMESTAMP',
    select: 'SELECT STREAM auction, bidder, price * 0.908, date_time FROM "SOURCE_SQL_STREAM_001"',
  },
  q2: {
    out: 'auction BIGINT, price INTEGER',
    select: 'SELECT STREAM auction, price FROM "SOURCE_SQL_STREAM_001" WHERE MOD(auction, 123) = 0',
  },
  tumble: {
    out: 'auction BIGINT, n BIGINT',
    select: `SELECT STREAM auction, COUNT(*) FROM "SOURCE_SQL_STREAM_001"
             GROUP BY auction, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '10' SECOND)`,
  },
  slide: {
    out: 'auction BIGINT, n BIGINT',
    select: `SELECT STREAM auction, COUNT(*) OVER (PARTITION BY auction RANGE INTERVAL '10' SECOND PRECEDING)
             FROM "SOURCE_SQL_STREAM_001"`,
  },
};

/** A clock whose timers never fire: windows close on rows, which arrive at 10 per ms. */
const idleClock: EngineClock = { now: () => T0, setTimer: () => ({ cancel() {} }) };

function run(name: string, records: Buffer[], rows: SqlValue[][] | null): { perSecond: number; outRows: number } {
  const q = QUERIES[name]!;
  const app = compileApplication(`CREATE STREAM "OUT" (${q.out}); CREATE PUMP "P" AS INSERT INTO "OUT" ${q.select};`, {
    inputs: [INPUT],
    referenceTables: [],
  });
  let outRows = 0;
  const engine = startEngine(app, {
    clock: idleClock,
    sink: {
      row(stream) {
        if (stream === 'OUT') outRows++;
      },
      error(e) {
        throw new Error(`unexpected error row: ${e.message}`);
      },
    },
    referenceData: new Map(),
  });
  const mapper = createRecordMapper({ type: 'JSON', recordRowPath: '$' }, COLUMNS);
  const start = process.hrtime.bigint();
  if (rows === null)
    for (let i = 0; i < records.length; i++) {
      const r = mapper.map(records[i]!);
      if (r.rows === null) throw new Error(r.error.message);
      for (const row of r.rows) engine.push('SOURCE_SQL_STREAM_001', row, T0 + Math.floor(i / RATE_PER_MS));
    }
  else
    for (let i = 0; i < rows.length; i++)
      engine.push('SOURCE_SQL_STREAM_001', rows[i]!, T0 + Math.floor(i / RATE_PER_MS));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  engine.stop();
  return { perSecond: records.length / seconds, outRows };
}

const records = bids(EVENTS);
const mapper = createRecordMapper({ type: 'JSON', recordRowPath: '$' }, COLUMNS);
const mapped = records.map((r) => mapper.map(r).rows![0]!);
const avgBytes = Math.round(records.reduce((a, r) => a + r.length, 0) / records.length);
process.stdout.write(
  `analytics engine: ${EVENTS} bids of ${avgBytes} B JSON, best of ${ROUNDS} rounds, Node ${process.version}\n`,
);
process.stdout.write('query    end-to-end ev/s   engine-only ev/s   output rows\n');
for (const name of Object.keys(QUERIES)) {
  let e2e = 0;
  let engineOnly = 0;
  let outRows = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const a = run(name, records, null);
    const b = run(name, records, mapped);
    e2e = Math.max(e2e, a.perSecond);
    engineOnly = Math.max(engineOnly, b.perSecond);
    outRows = a.outRows;
  }
  process.stdout.write(
    `${name.padEnd(8)} ${Math.round(e2e).toLocaleString('en-US').padStart(16)}   ${Math.round(engineOnly).toLocaleString('en-US').padStart(16)}   ${outRows.toLocaleString('en-US').padStart(11)}\n`,
  );
}
