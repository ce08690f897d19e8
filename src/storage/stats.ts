/**
 * Figures of a backend's write path and footprint for the server's `/metrics` (docs/adr/0038-storage-and-media-
 * metrics.md): how long a committed group waits to become durable, how many records a group commit carries, and
 * what the logs occupy. Backends count into a {@link StatsHistogram} on their single writer path (one addition and
 * a bucket search per group, never per record); the server reads {@link StorageStats} once per scrape.
 */

/** A histogram as counted: upper bounds, counts per bucket (not cumulative, the last one is +Inf), sum and count. */
export interface HistogramSnapshot {
  readonly bounds: readonly number[];
  /** `bounds.length + 1` counts: bucket i holds observations in (bounds[i-1], bounds[i]]; the last is > every bound. */
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** What {@link StorageBackend.stats} reports. */
export interface StorageStats {
  /** The backend's name (as in its capabilities). */
  readonly backend: string;
  /**
   * Seconds a committed group waited to become durable: the `fdatasync` of its segment (local backend; groups
   * written under `--durability none` or between `interval` syncs are not observed), or the JetStream
   * acknowledgement of its chained publishes (NATS backend, where the server does the fsync).
   */
  readonly syncSeconds: HistogramSnapshot;
  /** Records per group commit: the appends one write (local) or one chained publish (NATS) carried. */
  readonly commitRecords: HistogramSnapshot;
  /** Logs (shards) stored. */
  readonly logs: number;
  /** Segment files of those logs (local backend only: JetStream does not expose its message blocks). */
  readonly segments?: number;
  /** Bytes the logs occupy: segment and index files (local), or the streams' stored bytes per replica (NATS). */
  readonly bytes: number;
}

/** Upper bounds of the durable-wait histogram, seconds: a page-cache fdatasync (≈50 µs) to a stalled disk or an election. */
export const SYNC_SECONDS_BOUNDS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5,
];

/** Upper bounds of the records-per-group histogram: one PutRecord to many full PutRecords calls in one group. */
export const COMMIT_RECORDS_BOUNDS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

/** A fixed-bucket histogram counted in place (no allocation per observation). */
export class StatsHistogram {
  readonly #bounds: readonly number[];
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.#counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.#counts[i]!++;
    this.#sum += value;
    this.#count++;
  }

  snapshot(): HistogramSnapshot {
    return { bounds: this.#bounds, counts: Array.from(this.#counts), sum: this.#sum, count: this.#count };
  }
}
