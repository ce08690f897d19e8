/**
 * Scrapes `/metrics` and parses the exposition with the Prometheus project's own text parser (Debian
 * python3-prometheus-client's `text_string_to_metric_families`): a malformed exposition throws there.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireTool } from './tools.js';

const run = promisify(execFile);

/** One parsed series: family name, sample name (with `_bucket`, `_count`, …), labels, value. */
export interface Series {
  family: string;
  type: string;
  name: string;
  labels: Record<string, string>;
  /** A number; NaN and infinities (an idle process's event-loop statistics) as their text. */
  value: number | string;
}

const PARSE = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    for s in f.samples:
        out.append({"family": f.name, "type": f.type, "name": s.name, "labels": s.labels, "value": s.value if math.isfinite(s.value) else str(s.value)})
print(json.dumps(out))
`;

/** Parses an exposition text into its series. */
export async function parseExposition(text: string): Promise<Series[]> {
  const child = run('/usr/bin/python3', ['-c', PARSE], { maxBuffer: 64 * 1024 * 1024 });
  child.child.stdin!.end(text);
  const { stdout } = await child;
  return JSON.parse(stdout) as Series[];
}

/** GET `<url>/metrics`, parsed. */
export async function scrape(url: string): Promise<Series[]> {
  const response = await fetch(`${url}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return parseExposition(await response.text());
}

/** The value of the one series named `name` whose labels include `labels`; undefined when none; throws on several. */
export function value(
  series: Series[],
  name: string,
  labels: Record<string, string> = {},
): number | string | undefined {
  const found = series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} series`);
  return found[0]?.value;
}

/** False when the parser is installed, else the skip message (a failure under CI=true). */
export function missingPrometheusParser(): false | string {
  return requireTool('python3-prometheus-client', {
    cmd: '/usr/bin/python3',
    args: ['-c', 'import prometheus_client.parser'],
  });
}
