/**
 * A {@link ShardLog} decorator that passes every member through to the wrapped log except `append`, which goes
 * through an interceptor (undici-style composition instead of flags). Used to count appends in flight
 * (resharding waits for them) and, in tests, to hold or fail appends.
 */
import type { AppendEntry, AppendResult, ShardLog } from '../types.js';

/** Receives each append and the wrapped log's own `append` to call (or not). */
export type AppendInterceptor = (
  entries: readonly AppendEntry[],
  now: number,
  next: (entries: readonly AppendEntry[], now: number) => Promise<AppendResult>,
) => Promise<AppendResult>;

/** Wraps `log` so its appends go through `intercept`; reads, trims and positions are the log's own. */
export function interceptAppend(log: ShardLog, intercept: AppendInterceptor): ShardLog {
  const next = (entries: readonly AppendEntry[], now: number): Promise<AppendResult> => log.append(entries, now);
  return {
    get startOffset() {
      return log.startOffset;
    },
    get nextOffset() {
      return log.nextOffset;
    },
    get lastTimestamp() {
      return log.lastTimestamp;
    },
    read: (fromOffset, options) => log.read(fromOffset, options),
    ...(log.scan ? { scan: (fromOffset, options, visitor) => log.scan!(fromOffset, options, visitor) } : {}),
    offsetForTimestamp: (timestamp) => log.offsetForTimestamp(timestamp),
    trim: (before) => log.trim(before),
    append: (entries, now) => intercept(entries, now, next),
    ...(log.seal ? { seal: () => log.seal!() } : {}),
    ...(log.setRetention ? { setRetention: (maxAgeMs: number) => log.setRetention!(maxAgeMs) } : {}),
  };
}
