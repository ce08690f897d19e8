/**
 * Entry point of `npm run bench:streams -- [options]`: see ./streams/main.ts for what it measures.
 */
import { runStreamsBench } from './streams/main.js';

process.exitCode = await runStreamsBench(process.argv.slice(2));
