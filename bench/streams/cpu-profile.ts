/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and ranks functions by self time. Parsed
 * by hand: the format is a JSON object `{nodes, startTime, endTime, samples, timeDeltas}` where
 * `nodes` is the call tree (each with a `callFrame` and child ids), `samples[i]` is the id of the
 * node on top of the stack at sample i, and `timeDeltas[i]` the microseconds since sample i−1
 * (sample 0: since `startTime`). Pure apart from {@link readCpuProfile}.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The subset of the `.cpuprofile` format this module reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      /** 0-based. */
      readonly lineNumber: number;
      readonly columnNumber: number;
    };
  }[];
  /** Microseconds on the monotonic clock. */
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One function's share of the profile. */
export interface SelfTimeEntry {
  /** `functionName` or `(anonymous)`; V8's pseudo-frames keep their names: `(idle)`, `(garbage collector)`, `(program)`. */
  readonly functionName: string;
  /** `file:line` relative to `relativeTo` when under it, else the URL as given (empty for pseudo-frames). */
  readonly location: string;
  readonly selfMs: number;
  /** Share of all sampled time in the window, in %. */
  readonly percentOfTotal: number;
  /** Share of non-idle sampled time, in %. */
  readonly percentOfBusy: number;
}

/** Options of {@link topSelfTime}. */
export interface TopSelfTimeOptions {
  /** Entries to return. Default 15. */
  readonly limit: number;
  /** Only samples taken in `[startUs, endUs]` count (same clock as the profile's timestamps). */
  readonly window: { readonly startUs: number; readonly endUs: number };
  /** Directory to make file URLs relative to. */
  readonly relativeTo: string;
}

/** Summary returned with the ranking. */
export interface SelfTimeReport {
  readonly entries: SelfTimeEntry[];
  readonly totalMs: number;
  readonly idleMs: number;
  readonly samples: number;
  /** False when a window was requested but no sample fell into it, so the whole profile was used. */
  readonly windowApplied: boolean;
  /** Self time summed per {@link areaOf} group, highest first. */
  readonly byArea: { readonly area: string; readonly selfMs: number; readonly percentOfBusy: number }[];
}

/** Names V8 gives to samples outside JavaScript functions. */
const V8_PSEUDO_FRAMES = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/**
 * Groups a profile location into an area worth reading in a summary: V8 pseudo-frames as they are,
 * `node:` built-ins, one npm package, or a folder of this repository (`src/server`, ...).
 */
export function areaOf(functionName: string, location: string): string {
  if (location === '') return V8_PSEUDO_FRAMES.has(functionName) ? functionName : '(native)';
  if (location.startsWith('node:')) return 'node: built-ins';
  const nm = location.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = location.slice(nm + 'node_modules/'.length).split('/');
    return `npm ${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const parts = location.split('/');
  const dist = parts.indexOf('dist');
  const from = dist === -1 ? 0 : dist + 1;
  return parts
    .slice(from, from + 2)
    .join('/')
    .replace(/:\d+$/, '');
}

function locationOf(frame: CpuProfile['nodes'][number]['callFrame'], relativeTo: string | undefined): string {
  const { url, lineNumber: line } = frame;
  if (url === '') return '';
  let file = url.startsWith('file://') ? new URL(url).pathname : url;
  if (relativeTo !== undefined && file.startsWith(relativeTo + path.sep)) file = path.relative(relativeTo, file);
  return `${file}:${line + 1}`;
}

/**
 * Self time per function (the time a function was on top of the stack), aggregated over all call
 * tree nodes of the same function, highest first. Sample i is charged the interval until sample i+1
 * (the last sample gets none), which is how Chrome DevTools attributes time.
 */
export function topSelfTime(profile: CpuProfile, options: Partial<TopSelfTimeOptions> = {}): SelfTimeReport {
  const byNode = new Map<number, CpuProfile['nodes'][number]>();
  for (const node of profile.nodes) byNode.set(node.id, node);
  const selfUsByNode = new Map<number, number>();
  const inWindow = (t: number): boolean =>
    options.window === undefined || (t >= options.window.startUs && t <= options.window.endUs);

  const accumulate = (useWindow: boolean): number => {
    selfUsByNode.clear();
    let counted = 0;
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0;
      const duration = profile.timeDeltas[i + 1] ?? 0;
      if (useWindow && !inWindow(t)) continue;
      const id = profile.samples[i]!;
      selfUsByNode.set(id, (selfUsByNode.get(id) ?? 0) + duration);
      counted++;
    }
    return counted;
  };

  let samples = accumulate(options.window !== undefined);
  const windowApplied = options.window === undefined || samples > 0;
  if (!windowApplied) samples = accumulate(false);

  const byFunction = new Map<string, { functionName: string; location: string; us: number }>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUsByNode) {
    const frame = byNode.get(id)?.callFrame;
    const functionName = frame === undefined ? '(unknown)' : frame.functionName || '(anonymous)';
    const location = frame === undefined ? '' : locationOf(frame, options.relativeTo);
    const key = `${functionName}\u0000${location}:${frame?.columnNumber ?? 0}`;
    const entry = byFunction.get(key) ?? { functionName, location, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    totalUs += us;
    if (functionName === '(idle)') idleUs += us;
  }
  const busyUs = totalUs - idleUs;
  const areas = new Map<string, number>();
  for (const e of byFunction.values()) {
    if (e.functionName === '(idle)') continue;
    const area = areaOf(e.functionName, e.location);
    areas.set(area, (areas.get(area) ?? 0) + e.us);
  }
  const byArea = [...areas]
    .sort((a, b) => b[1] - a[1])
    .map(([area, us]) => ({ area, selfMs: us / 1000, percentOfBusy: busyUs > 0 ? (us / busyUs) * 100 : 0 }));
  const entries = [...byFunction.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, options.limit ?? 15)
    .map((e) => ({
      functionName: e.functionName,
      location: e.location,
      selfMs: e.us / 1000,
      percentOfTotal: totalUs > 0 ? (e.us / totalUs) * 100 : 0,
      percentOfBusy: busyUs > 0 && e.functionName !== '(idle)' ? (e.us / busyUs) * 100 : 0,
    }));
  return { entries, totalMs: totalUs / 1000, idleMs: idleUs / 1000, samples, windowApplied, byArea };
}

/** Reads the newest `.cpuprofile` in `dir`; undefined when there is none. */
export function readCpuProfile(dir: string): { file: string; profile: CpuProfile } | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort();
  const file = files.at(-1);
  if (file === undefined) return undefined;
  const full = path.join(dir, file);
  return { file: full, profile: JSON.parse(readFileSync(full, 'utf8')) as CpuProfile };
}
