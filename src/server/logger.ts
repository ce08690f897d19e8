/**
 * The {@link Logger} interface backed by pino. Created once per server (no global logger) and
 * handed down to every area.
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Logger } from '../protocol/index.js';
import type { LogLevel } from './config.js';

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Default `info`. */
  readonly level: LogLevel;
  /** Where lines go; default stdout. Tests pass a stream to capture lines. */
  readonly destination: DestinationStream;
}

/** A {@link Logger} writing newline-delimited JSON through pino. */
export function createLogger(options: Partial<CreateLoggerOptions> = {}): Logger {
  const base = pino({ level: options.level ?? 'info', base: { name: 'tributary' } }, options.destination);
  return wrap(base);
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
