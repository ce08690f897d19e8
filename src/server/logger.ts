/**
 * The {@link Logger} interface backed by pino. Created once per server (no global logger) and
 * handed down to every area.
 *
 * Lines go through a {@link LogDestination} that never stops the server (docs/adr/0016): lines are queued and
 * written in batches by one asynchronous write at a time, so a slow or blocked terminal, pipe or disk never
 * holds a request; a failed write (ENOSPC, EIO, a closed pipe) drops that batch and is counted
 * ({@link SinkCounters}, `RunningServer.stats().log`); beyond {@link MAX_QUEUED_LOG_BYTES} waiting, new lines are
 * dropped and counted. A given destination stream is guarded the same way: a throwing `write` or an `error`
 * event is counted, never rethrown.
 *
 * Format: JSON lines, or human-readable lines from pino-pretty's formatter when the format is `pretty`, or `auto`
 * and stdout is a terminal.
 */
import { write as fsWrite, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { Logger } from '../protocol/index.js';
import type { LogFormat, LogLevel } from './config.js';
import { SinkCounters } from './diagnostics.js';

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Default `info`. */
  readonly level: LogLevel;
  /** Where lines go; default stdout (file descriptor 1). Tests pass a stream to capture lines. */
  readonly destination: DestinationStream;
  /** `json`, `pretty`, or `auto` (pretty when stdout is a terminal). Default `auto`. */
  readonly format: LogFormat;
  /** Counts written, failed and dropped lines. Default: counters of its own, read with {@link logSinkOf}. */
  readonly counters: SinkCounters;
}

/** Bytes of log lines that may wait for the destination; further lines are dropped and counted. */
export const MAX_QUEUED_LOG_BYTES = 8 * 1024 * 1024;
/** A busy destination (EAGAIN) is retried this many times, 20 ms apart, before the batch is dropped. */
const BUSY_RETRIES = 50;

/** What the server needs of the destination of a logger it made. */
export interface LogSink {
  readonly counters: SinkCounters;
  /** Resolves when every queued line was written (or dropped). */
  flush(): Promise<void>;
}

const sinks = new WeakMap<Logger, LogSink>();

/** The sink behind a logger made by {@link createLogger}; undefined for other loggers. */
export function logSinkOf(logger: Logger): LogSink | undefined {
  return sinks.get(logger);
}

/** Whether `format` prints human-readable lines (`auto`: when stdout is a terminal). */
export function isPrettyFormat(format: LogFormat, stdoutIsTty: boolean = isatty(1)): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTty);
}

/** A {@link Logger} writing newline-delimited JSON (or pretty lines) through pino. */
export function createLogger(options: Partial<CreateLoggerOptions> = {}): Logger {
  const counters = options.counters ?? new SinkCounters();
  const given = options.destination;
  const pretty = isPrettyFormat(options.format ?? 'auto', given === undefined && isatty(1));
  const format = pretty
    ? pinoPretty.prettyFactory({
        colorize: given === undefined && isatty(1),
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,name',
      })
    : undefined;
  const sink = given ? new GuardedDestination(given, counters) : new LogDestination(1, counters);
  const destination: DestinationStream = format ? { write: (line) => sink.write(prettyOrRaw(format, line)) } : sink;
  const logger = wrap(pino({ level: options.level ?? 'info', base: { name: 'tributary' } }, destination));
  sinks.set(logger, sink);
  return logger;
}

/** A formatter failure must not reach the caller of the logger: the JSON line is written instead. */
function prettyOrRaw(format: (line: string) => string, line: string): string {
  try {
    return format(line);
  } catch {
    return line;
  }
}

function wrap(p: PinoLogger): Logger {
  return {
    debug: (obj, msg) => p.debug(obj, msg),
    info: (obj, msg) => p.info(obj, msg),
    warn: (obj, msg) => p.warn(obj, msg),
    error: (obj, msg) => p.error(obj, msg),
    child: (bindings) => wrap(p.child(bindings)),
    // Read on each access: pino's level can change at run time.
    get isDebugEnabled() {
      return p.isLevelEnabled('debug');
    },
  };
}

/** A caller's destination stream, guarded: a throwing write or an `error` event is counted, never rethrown. */
class GuardedDestination implements DestinationStream, LogSink {
  readonly #inner: DestinationStream;
  readonly counters: SinkCounters;

  constructor(inner: DestinationStream, counters: SinkCounters) {
    this.#inner = inner;
    this.counters = counters;
    const events = inner as Partial<NodeJS.EventEmitter>;
    if (typeof events.on === 'function') events.on.call(inner, 'error', (e: unknown) => counters.fail(e, 0));
  }

  write(line: string): void {
    try {
      this.#inner.write(line);
      this.counters.written++;
    } catch (e) {
      this.counters.fail(e, 1);
    }
  }

  async flush(): Promise<void> {}
}

/**
 * Lines to a file descriptor: queued, then written in one asynchronous `write` per batch (one at a time), so
 * the event loop never waits for the terminal or the disk. Failures are counted and the batch dropped.
 */
export class LogDestination implements DestinationStream, LogSink {
  readonly #fd: number;
  readonly counters: SinkCounters;
  readonly #maxQueuedBytes: number;
  #queue: string[] = [];
  #queuedBytes = 0;
  #writing = false;
  #idle: Array<() => void> = [];

  constructor(fd: number, counters: SinkCounters, maxQueuedBytes = MAX_QUEUED_LOG_BYTES) {
    this.#fd = fd;
    this.counters = counters;
    this.#maxQueuedBytes = maxQueuedBytes;
  }

  /** Destinations with lines waiting; written synchronously if the process exits first. */
  static readonly #waiting = new Set<LogDestination>();
  static #exitHook = false;

  write(line: string): void {
    if (this.#queuedBytes + line.length > this.#maxQueuedBytes) {
      this.counters.dropped++;
      return;
    }
    this.#queue.push(line);
    this.#queuedBytes += line.length;
    LogDestination.#waiting.add(this);
    if (!LogDestination.#exitHook) {
      LogDestination.#exitHook = true;
      process.on('exit', () => {
        for (const destination of LogDestination.#waiting) destination.flushSync();
      });
    }
    if (!this.#writing) {
      this.#writing = true;
      // Lines logged in the same turn go out in one write.
      setImmediate(() => this.#next());
    }
  }

  /** Writes what is queued synchronously (last words before the process exits); failures are counted. */
  flushSync(): void {
    const lines = this.#take();
    if (lines.length === 0) return;
    try {
      writeSync(this.#fd, lines.join(''));
      this.counters.written += lines.length;
    } catch (e) {
      this.counters.fail(e, lines.length);
    }
  }

  flush(): Promise<void> {
    if (!this.#writing) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #take(): string[] {
    const lines = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    return lines;
  }

  #next(): void {
    const lines = this.#take();
    if (lines.length === 0) {
      LogDestination.#waiting.delete(this);
      this.#writing = false;
      for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    this.#send(Buffer.from(lines.join('')), lines.length, 0);
  }

  #send(bytes: Buffer, lines: number, retries: number): void {
    fsWrite(this.#fd, bytes, 0, bytes.length, null, (err, n) => {
      if (err) {
        const busy = (err as NodeJS.ErrnoException).code === 'EAGAIN';
        if (busy && retries < BUSY_RETRIES) {
          setTimeout(() => this.#send(bytes, lines, retries + 1), 20).unref();
          return;
        }
        this.counters.fail(err, lines);
      } else if (n < bytes.length) {
        this.#send(bytes.subarray(n), lines, retries);
        return;
      } else {
        this.counters.written += lines;
      }
      this.#next();
    });
  }
}
