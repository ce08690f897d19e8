/**
 * The server's read-only metrics endpoint (`GET /metrics`, docs/adr/0031-metrics-naming.md) as the console reads
 * it: Prometheus' text exposition format ("Exposition formats", Prometheus documentation): one sample a line,
 * `name{label="value",...} value`, `#` lines are comments (HELP, TYPE). Label values escape `\\`, `\"` and `\n`.
 */
import { signedGet } from './api.js';

export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Every sample of an exposition text; lines that are not samples are skipped. */
export function parseExposition(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE_LINE.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    if (m[2] !== undefined) for (const l of m[2].matchAll(LABEL)) labels[l[1]!] = unescapeLabel(l[2]!);
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** One scrape of `/metrics`, signed as the operations endpoints require with security on (service `tributary`). */
export async function scrapeMetrics(): Promise<MetricSample[]> {
  const response = await signedGet('/metrics', 'tributary');
  return parseExposition(await response.text());
}

/** The samples whose labels include every label of `match`, by metric name. */
export function samplesFor(
  samples: readonly MetricSample[],
  match: Readonly<Record<string, string>>,
): Map<string, number> {
  const out = new Map<string, number>();
  const entries = Object.entries(match);
  for (const s of samples) {
    if (entries.every(([k, v]) => s.labels[k] === v)) out.set(s.name, s.value);
  }
  return out;
}
