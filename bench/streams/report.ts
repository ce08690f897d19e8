/**
 * Output of the benchmark: the machine header and the Markdown comparison table. Pure functions.
 */
import os from 'node:os';
import type { ReadResult, WriteResult } from './scenarios.js';

/** What the machine header shows. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  readonly totalMemoryGiB: number;
}

/** Describes this machine. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemoryGiB: os.totalmem() / 2 ** 30,
  };
}

/** One line per fact, for the top of the output. */
export function formatMachine(m: MachineInfo): string {
  return [
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.totalMemoryGiB.toFixed(1)} GiB RAM, ${m.platform}`,
    `Node: ${m.node}`,
    'Note: the load generator and the server under test share this machine; with 2 cores the server',
    'gets roughly one of them. "CPU" rows are % of one core used during the measured window.',
  ].join('\n');
}

/** A table cell: a number (for the ratio) and its display text, or text only. */
export interface Cell {
  readonly text: string;
  readonly value?: number;
}

/** One table row. */
export interface Row {
  readonly scenario: string;
  readonly metric: string;
  readonly tributary: Cell | undefined;
  readonly kinesalite: Cell | undefined;
  /** Whether a Tributary / kinesalite ratio makes sense for this metric. */
  readonly ratio: boolean;
}

/** Formats with thousands separators and `digits` decimals. */
export function formatNumber(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Tributary / kinesalite, e.g. `2.61×`; `—` when either side is missing or zero. */
export function formatRatio(t: Cell | undefined, k: Cell | undefined): string {
  if (
    t?.value === undefined ||
    k?.value === undefined ||
    !Number.isFinite(t.value) ||
    !Number.isFinite(k.value) ||
    k.value === 0
  ) {
    return '—';
  }
  return `${(t.value / k.value).toFixed(2)}×`;
}

/** Column titles of the two compared sides. */
export interface ColumnTitles {
  readonly subject: string;
  readonly baseline: string;
}

/** The embedded-log comparison: Tributary against kinesalite. */
export const KINESALITE_COLUMNS: ColumnTitles = { subject: 'Tributary', baseline: 'kinesalite' };

/** The `--storage nats` comparison for one replica count: Tributary on JetStream against raw JetStream publish. */
export function natsColumns(replicas: number): ColumnTitles {
  return { subject: `Tributary on NATS R${replicas}`, baseline: `raw JetStream R${replicas}` };
}

/**
 * Renders rows as a GitHub Markdown table; the scenario name appears on its first row only. `tributary` cells go
 * under `columns.subject`, `kinesalite` cells under `columns.baseline`.
 */
export function renderMarkdownTable(rows: readonly Row[], columns: ColumnTitles = KINESALITE_COLUMNS): string {
  const header = ['Scenario', 'Metric', columns.subject, columns.baseline, `${columns.subject} / ${columns.baseline}`];
  const body = rows.map((r, i) => [
    i > 0 && rows[i - 1]!.scenario === r.scenario ? '' : r.scenario,
    r.metric,
    r.tributary?.text ?? 'n/a',
    r.kinesalite?.text ?? 'n/a',
    r.ratio ? formatRatio(r.tributary, r.kinesalite) : '—',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c >= 2 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

/** Results of one server, keyed by row group. */
export interface ServerResults {
  readonly writes: Readonly<Record<string, WriteResult>>;
  readonly reads: Readonly<Record<string, ReadResult>>;
}

/**
 * Both sides' results (either may be missing: `--only`, or it failed to start). `kinesalite` is the baseline
 * column: kinesalite on the embedded log, raw JetStream with `--storage nats`.
 */
export interface ComparedResults {
  readonly tributary?: ServerResults | undefined;
  readonly kinesalite?: ServerResults | undefined;
}

const num = (value: number, digits: number, suffix = ''): Cell => ({
  value,
  text: `${formatNumber(value, digits)}${suffix}`,
});

function failures(w: WriteResult): Cell {
  const text = `${formatNumber(w.failedRecords)} / ${formatNumber(w.failedRequests)}${w.aborted ? ' (aborted)' : ''}`;
  return { text };
}

/**
 * The comparison rows for one write group (`key` into {@link ServerResults.writes}). Latency and CPU
 * ratios are Tributary / kinesalite too, so below 1 is better there.
 */
export function writeRows(
  scenario: string,
  { key, results, throughput }: { key: string; results: ComparedResults; throughput: 'records' | 'requests' },
): Row[] {
  const t = results.tributary?.writes[key];
  const k = results.kinesalite?.writes[key];
  const cell = (f: (w: WriteResult) => Cell): [Cell | undefined, Cell | undefined] => [
    t === undefined ? undefined : f(t),
    k === undefined ? undefined : f(k),
  ];
  const rows: Row[] = [];
  const add = (metric: string, f: (w: WriteResult) => Cell, ratio = true): void => {
    const [tc, kc] = cell(f);
    rows.push({ scenario, metric, tributary: tc, kinesalite: kc, ratio });
  };
  if (throughput === 'records') {
    add('records/s', (w) => num(w.recordsPerSecond, 0));
    add('MB/s (record data)', (w) => num(w.megabytesPerSecond, 2));
  } else {
    add('requests/s', (w) => num(w.requestsPerSecond, 0));
  }
  add('latency p50 (ms)', (w) => num(w.latency.p50, 2));
  add('latency p99 (ms)', (w) => num(w.latency.p99, 2));
  add('failed records / requests', failures, false);
  add('server CPU (% of a core)', (w) =>
    w.cpu.serverPercent === undefined ? { text: 'n/a' } : num(w.cpu.serverPercent, 0, '%'),
  );
  add('load generator CPU', (w) => num(w.cpu.clientPercent, 0, '%'), false);
  add(
    'other processes CPU',
    (w) => (w.cpu.otherPercent === undefined ? { text: 'n/a' } : num(w.cpu.otherPercent, 0, '%')),
    false,
  );
  if (t?.cpu.natsPercent !== undefined || k?.cpu.natsPercent !== undefined)
    add('NATS servers CPU (% of a core)', (w) =>
      w.cpu.natsPercent === undefined ? { text: 'n/a' } : num(w.cpu.natsPercent, 0, '%'),
    );
  return rows;
}

/** The comparison rows for one read-back group (`key` into {@link ServerResults.reads}). */
export function readRows(scenario: string, { key, results }: { key: string; results: ComparedResults }): Row[] {
  const t = results.tributary?.reads[key];
  const k = results.kinesalite?.reads[key];
  const both = (f: (r: ReadResult) => Cell): [Cell | undefined, Cell | undefined] => [
    t === undefined ? undefined : f(t),
    k === undefined ? undefined : f(k),
  ];
  const [rt, rk] = both((r) => num(r.recordsPerSecond, 0));
  const [mt, mk] = both((r) => num(r.megabytesPerSecond, 2));
  const [vt, vk] = both((r) => ({
    text: r.verified
      ? `ok ${formatNumber(r.records)}/${formatNumber(r.expected)}`
      : `FAIL ${formatNumber(r.records)}/${formatNumber(r.expected)}`,
  }));
  const [ct, ck] = both((r) =>
    r.cpu.serverPercent === undefined ? { text: 'n/a' } : num(r.cpu.serverPercent, 0, '%'),
  );
  const [lt, lk] = both((r) => num(r.cpu.clientPercent, 0, '%'));
  const [ot, ok] = both((r) => (r.cpu.otherPercent === undefined ? { text: 'n/a' } : num(r.cpu.otherPercent, 0, '%')));
  const nats: Row[] = [];
  if (t?.cpu.natsPercent !== undefined || k?.cpu.natsPercent !== undefined) {
    const [nt, nk] = both((r) => (r.cpu.natsPercent === undefined ? { text: 'n/a' } : num(r.cpu.natsPercent, 0, '%')));
    nats.push({ scenario, metric: 'NATS servers CPU (% of a core)', tributary: nt, kinesalite: nk, ratio: true });
  }
  return [
    { scenario, metric: 'records/s', tributary: rt, kinesalite: rk, ratio: true },
    { scenario, metric: 'MB/s (record data)', tributary: mt, kinesalite: mk, ratio: true },
    { scenario, metric: 'read = acknowledged', tributary: vt, kinesalite: vk, ratio: false },
    { scenario, metric: 'server CPU (% of a core)', tributary: ct, kinesalite: ck, ratio: true },
    { scenario, metric: 'load generator CPU', tributary: lt, kinesalite: lk, ratio: false },
    { scenario, metric: 'other processes CPU', tributary: ot, kinesalite: ok, ratio: false },
    ...nats,
  ];
}
