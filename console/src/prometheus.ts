/**
 * The server's read-only metrics endpoint (`GET /metrics`, docs/adr/0031-metrics-naming.md) as the console reads
 * it: Prometheus' text exposition format ("Exposition formats", Prometheus documentation): one sample a line,
 * `name{label="value",...} value`, `#` lines are comments (HELP, TYPE). Label values escape `\\`, `\"` and `\n`.
 */
import { signedGet } from './api.js';
import { parsePrometheusText, type PromSample } from './metrics.js';

/** One sample line (the parser is ./metrics.ts's, tested in Node: one parser for every page). */
export type MetricSample = PromSample;

/** Every sample of an exposition text; lines that are not samples are skipped. */
export function parseExposition(text: string): MetricSample[] {
  return parsePrometheusText(text);
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
