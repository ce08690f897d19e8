/**
 * Waiting for something unless a long-lived signal fires first, without the signal keeping what was waited for.
 *
 * `Promise.race([next, stopped])`, with `stopped` a promise that settles only when a whole upload or loop ends,
 * leaks: every race adds a reaction to `stopped`, and that reaction keeps the race's own promise, hence its result,
 * alive until `stopped` settles. A loop racing each chunk of a PutMedia upload that way retained every byte of the
 * upload (bench:video: the server's RSS grew by the ingest rate, 3 GB in 60 s, and its CPU tripled as every new
 * buffer needed fresh pages; docs/adr/0046-promise-race-retained-every-chunk.md). Here the signal's listener is
 * added per call and removed as soon as the awaited promise settles, so nothing outlives the wait.
 */

/** What {@link unlessAborted} resolves with when the signal aborted first. */
export const ABORTED: unique symbol = Symbol('aborted');

/**
 * Settles as `promise` does, or resolves with {@link ABORTED} as soon as `signal` aborts (at once when it already
 * has), whichever comes first. Safe to call once per item of an endless loop on one signal.
 */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) {
    // The abandoned promise's rejection is nobody's to report any more.
    promise.catch(() => {});
    return Promise.resolve(ABORTED);
  }
  return new Promise<T | typeof ABORTED>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => {});
      resolve(ABORTED);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
