#!/usr/bin/env -S node --max-semi-space-size=64
/**
 * Executable of the `tributary` command (package.json `bin` → dist/src/cli/main.js).
 * All logic lives in ./run.ts so it can be read and tested without running anything.
 */
import { EXIT, main } from './run.js';

main(process.argv.slice(2)).then(
  (code) => {
    // After `serve`, timers or handles of a closed service must not keep the process alive.
    // The server's close() has written the queued log lines (src/server/logger.ts); stderr writes are synchronous.
    process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(`tributary: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(EXIT.failure);
  },
);
