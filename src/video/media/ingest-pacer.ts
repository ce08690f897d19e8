/**
 * PutMedia's per-stream rates (Kinesis Video Streams quotas, "Data plane API service quotas", PutMedia row: 12.5 MB
 * per second per stream, at most 5 fragments sent per second; PutMedia API reference: "Kinesis Video Streams reads
 * media data at a rate of up to 12.5 MB/second"). AWS documents these as the rate at which it reads an upload and
 * lists no ack ErrorId for them, so a faster producer is slowed down rather than refused: the upload's next chunk
 * is read only once the stream is back under both rates (TCP back-pressure reaches the producer), and no fragment
 * is dropped or answered with an error.
 *
 * Each rate is a token bucket holding one second of allowance: a stream that was quiet may send one second's worth
 * at once, and after that is read at the rate. Time comes from the caller (the injected clock).
 */
export interface IngestRates {
  /** Bytes read per second per stream; quota 12.5 MB/s (100 Mbps). */
  readonly maxBytesPerSecond: number;
  /** Fragments (clusters) started per second per stream; quota 5. */
  readonly maxFragmentsPerSecond: number;
}

/** The allowance a quiet stream has saved up: one second of each rate. */
const BURST_MS = 1000;

export class IngestPacer {
  readonly #rates: IngestRates;
  /** When the bytes read so far are paid for at the byte rate (ms, the caller's clock). */
  #bytesDueAt = Number.NEGATIVE_INFINITY;
  /** When the fragments started so far are paid for at the fragment rate. */
  #fragmentsDueAt = Number.NEGATIVE_INFINITY;

  constructor(rates: IngestRates) {
    this.#rates = rates;
  }

  /**
   * Records `bytes` read and `fragments` started at `now`; returns how long (ms) the upload must wait before its next
   * read so that neither rate is exceeded (0: read on).
   */
  charge(bytes: number, fragments: number, now: number): number {
    const floor = now - BURST_MS;
    this.#bytesDueAt = Math.max(this.#bytesDueAt, floor) + (bytes * 1000) / this.#rates.maxBytesPerSecond;
    this.#fragmentsDueAt =
      Math.max(this.#fragmentsDueAt, floor) + (fragments * 1000) / this.#rates.maxFragmentsPerSecond;
    return Math.max(0, Math.ceil(Math.max(this.#bytesDueAt, this.#fragmentsDueAt) - now));
  }
}
