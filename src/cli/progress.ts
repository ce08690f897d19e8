/**
 * The progress line of `put`, `import` and `export` on a terminal (stderr): records, records/s, MB/s, and the ETA
 * when the total size is known. Redrawn at most every 200 ms; nothing is drawn when stderr is not a terminal.
 */
import type { Io } from './output.js';

export class Progress {
  readonly #io: Io;
  readonly #label: string;
  readonly #totalBytes: number | undefined;
  readonly #started = Date.now();
  readonly #enabled: boolean;
  #records = 0;
  #bytes = 0;
  #drawnAt = 0;
  #drawn = false;

  constructor(io: Io, label: string, totalBytes?: number) {
    this.#io = io;
    this.#label = label;
    this.#totalBytes = totalBytes;
    this.#enabled = io.stderr.isTTY === true;
  }

  /** Counts `records` records of `bytes` input bytes done. */
  add(records: number, bytes: number): void {
    this.#records += records;
    this.#bytes += bytes;
    if (!this.#enabled) return;
    const now = Date.now();
    if (now - this.#drawnAt < 200) return;
    this.#drawnAt = now;
    this.#draw(now);
  }

  #draw(now: number): void {
    const seconds = Math.max((now - this.#started) / 1000, 0.001);
    const rate = this.#records / seconds;
    const mbps = this.#bytes / seconds / 1e6;
    let text = `${this.#label}: ${this.#records} records, ${rate.toFixed(0)} rec/s, ${mbps.toFixed(2)} MB/s`;
    if (this.#totalBytes !== undefined && this.#totalBytes > 0) {
      const fraction = Math.min(this.#bytes / this.#totalBytes, 1);
      const width = 20;
      const filled = Math.round(fraction * width);
      const eta = fraction > 0 ? (seconds * (1 - fraction)) / fraction : 0;
      text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0)}% ${text}, ETA ${eta.toFixed(0)} s`;
    }
    this.#io.stderr.write(`\r${text}\u001b[K`);
    this.#drawn = true;
  }

  /** Draws the final state and ends the line (when anything was drawn). */
  done(): void {
    if (!this.#enabled) return;
    this.#draw(Date.now());
    if (this.#drawn) this.#io.stderr.write('\n');
  }
}
