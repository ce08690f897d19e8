/**
 * A stream's live figures from the server's read-only `/metrics` endpoint (Prometheus text exposition format,
 * version 0.0.4: one sample per line, `name{label="value",...} value [timestamp]`, `#` lines are comments). The
 * series are the CloudWatch metrics of `AWS/Kinesis` under the naming rule of docs/adr/0031-metrics-naming.md:
 * `IncomingRecords` → `aws_kinesis_incoming_records_total{account_id,region,stream_name}` and so on.
 *
 * Pure functions: no DOM, no fetch (tested in Node by test/console/metrics.test.ts).
 */

/** The per-stream series the stream page charts, by their Prometheus names (ADR 0031). */
export const STREAM_SERIES = {
  incomingRecords: 'aws_kinesis_incoming_records_total',
  incomingBytes: 'aws_kinesis_incoming_bytes_total',
  outgoingRecords: 'aws_kinesis_get_records_records_total',
  outgoingBytes: 'aws_kinesis_get_records_bytes_total',
  iteratorAgeMs: 'aws_kinesis_get_records_iterator_age_milliseconds',
  // Enhanced fan-out (SubscribeToShardEvent.{Records,Bytes}, per consumer): summed over the stream's consumers.
  fanOutRecords: 'aws_kinesis_subscribe_to_shard_event_records_total',
  fanOutBytes: 'aws_kinesis_subscribe_to_shard_event_bytes_total',
} as const;

export type StreamSeriesKey = keyof typeof STREAM_SERIES;

/** Which stream: the labels every `AWS/Kinesis` stream-level series carries. */
export interface StreamLabels {
  readonly accountId: string;
  readonly region: string;
  readonly streamName: string;
}

/** One sample line: its metric name, labels and value. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The value text of a sample: a float, or `NaN`, `+Inf`, `-Inf` (the format's spellings). */
function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  return Number(text);
}

/**
 * Reads a label set starting after `{` at `i`: `name="value"` pairs separated by commas, values escaped with
 * `\\`, `\"` and `\n`. Returns the labels and the index after the closing `}`, or undefined when malformed.
 */
function parseLabels(line: string, i: number): { labels: Record<string, string>; end: number } | undefined {
  const labels: Record<string, string> = {};
  let p = i;
  for (;;) {
    while (line[p] === ' ' || line[p] === ',') p++;
    if (line[p] === '}') return { labels, end: p + 1 };
    const eq = line.indexOf('=', p);
    if (eq < 0 || line[eq + 1] !== '"') return undefined;
    const name = line.slice(p, eq).trim();
    let value = '';
    p = eq + 2;
    for (;;) {
      const c = line[p];
      if (c === undefined) return undefined;
      if (c === '"') break;
      if (c === '\\') {
        const next = line[p + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        p += 2;
        continue;
      }
      value += c;
      p++;
    }
    labels[name] = value;
    p++;
  }
}

/**
 * Every sample of an exposition whose metric name passes `wanted` (all by default). Comment and blank lines are
 * skipped; a line that does not parse is skipped too (the page shows what it can rather than nothing).
 */
export function parsePrometheusText(text: string, wanted: (name: string) => boolean = () => true): PromSample[] {
  const out: PromSample[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    const nameEnd = brace >= 0 && (space < 0 || brace < space) ? brace : space;
    if (nameEnd <= 0) continue;
    const name = line.slice(0, nameEnd);
    if (!wanted(name)) continue;
    let labels: Record<string, string> = {};
    let rest = nameEnd;
    if (line[nameEnd] === '{') {
      const parsed = parseLabels(line, nameEnd + 1);
      if (parsed === undefined) continue;
      labels = parsed.labels;
      rest = parsed.end;
    }
    // The value, then an optional timestamp (ignored: the page stamps samples with its own clock).
    const fields = line.slice(rest).trim().split(/\s+/);
    const value = parseValue(fields[0] ?? '');
    if (fields[0] === undefined || fields[0] === '' || (Number.isNaN(value) && fields[0] !== 'NaN')) continue;
    out.push({ name, labels, value });
  }
  return out;
}

/** The stream's value of each charted series in one exposition; a series the text lacks reads 0 (none counted yet). */
export type StreamFigures = Record<StreamSeriesKey, number>;

const NAME_TO_KEY = new Map<string, StreamSeriesKey>(
  Object.entries(STREAM_SERIES).map(([key, name]) => [name, key as StreamSeriesKey]),
);

/** The stream's figures in an exposition (its series matched by account, region and stream name). */
export function streamFigures(text: string, stream: StreamLabels): StreamFigures {
  const figures: StreamFigures = {
    incomingRecords: 0,
    incomingBytes: 0,
    outgoingRecords: 0,
    outgoingBytes: 0,
    iteratorAgeMs: 0,
    fanOutRecords: 0,
    fanOutBytes: 0,
  };
  for (const s of parsePrometheusText(text, (name) => NAME_TO_KEY.has(name))) {
    if (
      s.labels['stream_name'] !== stream.streamName ||
      s.labels['account_id'] !== stream.accountId ||
      s.labels['region'] !== stream.region
    ) {
      continue;
    }
    // Stream-level series have one sample; per-consumer ones (fan-out) one per consumer, added up.
    figures[NAME_TO_KEY.get(s.name)!] += s.value;
  }
  return figures;
}

/** Per-second rates between two scrapes, and the iterator age of the later one. */
export interface StreamRates {
  readonly incomingRecords: number;
  readonly incomingBytes: number;
  readonly outgoingRecords: number;
  readonly outgoingBytes: number;
  readonly iteratorAgeMs: number;
  readonly fanOutRecords: number;
  readonly fanOutBytes: number;
}

/**
 * Rates of the counters between `before` and `after`, `seconds` apart. A counter that went down was reset (the
 * server restarted, or the stream was deleted and created again: its series start at zero), so its increase is
 * its new value, as Prometheus' rate() reads a reset.
 */
export function counterRates(before: StreamFigures, after: StreamFigures, seconds: number): StreamRates {
  const rate = (key: StreamSeriesKey): number => {
    if (!(seconds > 0)) return 0;
    const increase = after[key] >= before[key] ? after[key] - before[key] : after[key];
    return increase / seconds;
  };
  return {
    incomingRecords: rate('incomingRecords'),
    incomingBytes: rate('incomingBytes'),
    outgoingRecords: rate('outgoingRecords'),
    outgoingBytes: rate('outgoingBytes'),
    iteratorAgeMs: after.iteratorAgeMs,
    fanOutRecords: rate('fanOutRecords'),
    fanOutBytes: rate('fanOutBytes'),
  };
}

/**
 * The last `capacity` points of a stream's rates, column by column as uPlot takes its data (x in Unix seconds, then
 * one array per series). Appending past the capacity drops the oldest point.
 */
export class RateHistory {
  readonly times: number[] = [];
  readonly columns: Record<keyof StreamRates, number[]> = {
    incomingRecords: [],
    incomingBytes: [],
    outgoingRecords: [],
    outgoingBytes: [],
    iteratorAgeMs: [],
    fanOutRecords: [],
    fanOutBytes: [],
  };

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.times.length;
  }

  push(unixSeconds: number, rates: StreamRates): void {
    this.times.push(unixSeconds);
    for (const key of Object.keys(this.columns) as (keyof StreamRates)[]) this.columns[key].push(rates[key]);
    if (this.times.length > this.capacity) {
      this.times.shift();
      for (const column of Object.values(this.columns)) column.shift();
    }
  }
}
