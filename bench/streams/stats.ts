/**
 * Latency and throughput arithmetic for the benchmarks. Pure functions, no I/O.
 */

/** Summary of a set of latency samples, in milliseconds. */
export interface LatencySummary {
  /** Number of samples. */
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

/**
 * The `q`-quantile (0 < q ≤ 1) of `sorted` (ascending) by the nearest-rank method: the smallest
 * sample such that at least `q` of all samples are ≤ it. Nearest rank is used (not interpolation)
 * so every reported figure is a latency that was actually observed. `NaN` for no samples.
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile must be in (0, 1], got ${q}`);
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Sorts a copy of `samples` and summarises it (p50, p99, mean, max); `NaN`s when empty. */
export function summarizeLatencies(samples: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
  };
}

/** `count / seconds`, or 0 when no time elapsed (avoids Infinity in reports). */
export function perSecond(count: number, seconds: number): number {
  return seconds > 0 ? count / seconds : 0;
}

/** Bytes per second expressed in MB/s, with MB = 10^6 bytes (the unit printed in the table). */
export function megabytesPerSecond(bytes: number, seconds: number): number {
  return perSecond(bytes, seconds) / 1e6;
}
