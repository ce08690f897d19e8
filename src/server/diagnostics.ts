/**
 * In-process counters of the server's side channels (the log and the audit log), read with
 * `RunningServer.stats()`. A failing side channel is counted here and never stops, blocks or crashes the server
 * (docs/adr/0016-side-channels-never-stop-the-server.md); these counters are how an operator, and later a
 * `/metrics` endpoint, sees that lines are being lost.
 */

/** Counters of one sink (the log destination or the audit file). Monotonic since start-up. */
export interface SinkStats {
  /** Lines (log lines, audit records) handed to the operating system. */
  readonly written: number;
  /** Writes that failed (one failed write may carry many lines). */
  readonly failures: number;
  /** Lines lost: in a failed write, or refused because too many were already waiting. */
  readonly dropped: number;
  /** The error code (`ENOSPC`, `EACCES`, …) or message of the last failure. */
  readonly lastError: string | undefined;
}

/** What `RunningServer.stats()` returns: a snapshot. */
export interface ServerStats {
  /**
   * The server's own log destination; undefined when the logger was given to `startServer` rather than made by
   * `createLogger` (then its owner counts).
   */
  readonly log: SinkStats | undefined;
  /** The audit log; undefined when auditing is off or a custom sink was given. */
  readonly audit: SinkStats | undefined;
}

/** The mutable counters a sink updates; {@link snapshot} copies them. */
export class SinkCounters {
  written = 0;
  failures = 0;
  dropped = 0;
  lastError: string | undefined = undefined;

  /** Counts one failed write that lost `lines` lines. */
  fail(error: unknown, lines: number): void {
    this.failures++;
    this.dropped += lines;
    this.lastError = errorName(error);
  }

  snapshot(): SinkStats {
    return { written: this.written, failures: this.failures, dropped: this.dropped, lastError: this.lastError };
  }
}

function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return String(error);
}
