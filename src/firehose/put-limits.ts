/**
 * DirectPut throughput quotas per delivery stream ("Amazon Data Firehose Quota": 2,000 requests/s, 500,000
 * records/s and 5 MiB/s in US East (N. Virginia), US West (Oregon) and Europe (Ireland); 1,000 requests/s,
 * 100,000 records/s and 1 MiB/s elsewhere). Over them PutRecord answers ServiceUnavailableException "Slow down."
 * (PutRecord API reference: the exception means the throughput limits of the delivery stream may have been
 * exceeded); PutRecordBatch writes the leading records that still fit and fails the others each with ErrorCode
 * ServiceUnavailableException, ErrorMessage "Slow down." (what a throttled PutRecordBatch answers: a partial
 * FailedPutCount with those per-record entries, as reported against AWS in boto/boto3 issue 2804). Nothing of a
 * refused record is written.
 * The quotas are a server setting, off by default; they are counted in windows of one second on the service clock.
 */

/** Per-second quotas of one delivery stream; 0 turns one off. */
export interface PutLimits {
  readonly requestsPerSecond: number;
  readonly recordsPerSecond: number;
  readonly bytesPerSecond: number;
}

interface Window {
  second: number;
  requests: number;
  records: number;
  bytes: number;
}

/** Counts puts per stream and says whether one more fits (see this file's header). */
export class PutLimiter {
  readonly #limits: PutLimits;
  readonly #windows = new Map<string, Window>();

  constructor(limits: PutLimits) {
    this.#limits = limits;
  }

  /** True when the limiter has any quota at all. */
  get enabled(): boolean {
    const l = this.#limits;
    return l.requestsPerSecond > 0 || l.recordsPerSecond > 0 || l.bytesPerSecond > 0;
  }

  /**
   * Takes one request for stream `id` at `now` (ms) with as many leading `records` as fit; returns how many
   * (0 when the request itself does not fit, and then nothing is taken).
   */
  take(id: string, now: number, records: readonly Uint8Array[]): number {
    const second = Math.floor(now / 1000);
    let w = this.#windows.get(id);
    if (!w) {
      w = { second, requests: 0, records: 0, bytes: 0 };
      this.#windows.set(id, w);
    } else if (w.second !== second) {
      w.second = second;
      w.requests = 0;
      w.records = 0;
      w.bytes = 0;
    }
    const l = this.#limits;
    if (l.requestsPerSecond > 0 && w.requests + 1 > l.requestsPerSecond) return 0;
    let n = 0;
    let bytes = w.bytes;
    while (n < records.length) {
      const next = bytes + records[n]!.length;
      if (
        (l.recordsPerSecond > 0 && w.records + n + 1 > l.recordsPerSecond) ||
        (l.bytesPerSecond > 0 && next > l.bytesPerSecond)
      )
        break;
      bytes = next;
      n++;
    }
    if (n === 0) return 0;
    w.requests += 1;
    w.records += n;
    w.bytes = bytes;
    return n;
  }

  forget(id: string): void {
    this.#windows.delete(id);
  }
}
