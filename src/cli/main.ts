#!/usr/bin/env node
/**
 * Executable of the `tributary` command (package.json `bin` → dist/src/cli/main.js).
 * All logic lives in ./run.ts so it can be read and tested without running anything.
 */
import { EXIT, main } from './run.js';

main(process.argv.slice(2)).then(
  (code) => {
    // After `serve`, timers or handles of a closed service must not keep the process alive.
    // stdout/stderr writes to pipes and files are synchronous on Linux, so nothing is lost.
    process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(`tributary: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(EXIT.failure);
  },
);
