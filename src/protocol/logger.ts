/**
 * The injected logger every area uses (no global logger). The server backs it with pino;
 * tests may pass {@link silentLogger}.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** A logger that adds `bindings` to every line. */
  child(bindings: Record<string, unknown>): Logger;
  /** Whether debug lines are written (lets hot paths skip building them). */
  readonly isDebugEnabled: boolean;
}

const noop = (): void => {};

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
  isDebugEnabled: false,
};
