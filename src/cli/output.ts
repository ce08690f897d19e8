/**
 * What the CLI prints and how it ends (docs/adr/0030-cli.md): tables for people, `--json` for scripts, one line per
 * error on stderr, and exit codes scripts can trust.
 */

/** Exit codes of the CLI. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The server answered an error, could not be reached, or the work failed. */
  failure: 1,
  /** Bad usage: unknown command or option, missing or invalid argument (message on stderr). */
  usage: 2,
  /** Partly done: some records could not be written after the retries (`put`, `import`). */
  partial: 3,
} as const;

/** Where commands write: stdout for results, stderr for progress and errors. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };

/** A usage error found by a command after parsing (exit 2). */
export class UsageError extends Error {}

/** Left-aligned columns separated by two spaces; the header row first. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** `Key:   value` lines of a resource's description, the values aligned. */
export function keyValues(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(14, ...rows.map(([k]) => k.length + 1)) + 1;
  return rows
    .map(
      ([k, v]) => `${`${k}:`.padEnd(width)}${v}
`,
    )
    .join('');
}

/** JSON for `--json`: dates as ISO strings, byte arrays as base64. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
      return v;
    },
    2,
  )}\n`;
}

/** The one-line text of an error: AWS's error type and message, or why the endpoint could not be reached. */
export function describeError(e: unknown, endpoint: string | undefined): string {
  const err = e as { name?: string; message?: string; code?: string; cause?: { code?: string } };
  // The HTTP/2 handler wraps the socket error in its own (ERR_HTTP2_STREAM_CANCEL, "The pending stream has been
  // canceled (caused by: connect ECONNREFUSED …)"): look at the cause and the texts too.
  const text = `${err.code} ${err.cause?.code} ${err.message} ${String(err.cause)}`;
  const code = /\b(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET)\b/.exec(text)?.[1];
  if (code !== undefined) {
    return `could not reach ${endpoint ?? 'AWS'} (${code})${endpoint ? "; is 'tributary serve' running there?" : ''}`;
  }
  const metadata = (e as { $metadata?: unknown }).$metadata;
  if (metadata !== undefined && err.name) return `${err.name}: ${err.message ?? ''}`.trim();
  return err.message ?? String(e);
}
