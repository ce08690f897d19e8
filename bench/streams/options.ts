/**
 * Command-line options of the Data Streams benchmark (`npm run bench:streams -- [options]` or
 * `npm run bench -- streams [options]`).
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SERVER_KINDS, type ServerKind } from './servers.js';

/** The scenarios, in the order they run (read-back reads what the PutRecords scenarios wrote). */
export const SCENARIOS = ['put100', 'put1k', 'putrecord', 'putrecord64', 'read'] as const;
/** Concurrent single-record clients of the `putrecord64` scenario (group commit across connections). */
export const PUTRECORD_FANIN = 64;
/** One of {@link SCENARIOS}. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** Parsed options. */
export interface StreamsBenchOptions {
  /** Measured seconds per write scenario (PutRecord splits it between its two concurrency levels). Default 8. */
  readonly seconds: number;
  /** Concurrent clients for PutRecords and the second PutRecord level. Default 8. */
  readonly concurrency: number;
  /** Servers to run, in order. Default both. */
  readonly servers: readonly ServerKind[];
  /** Scenarios to run, in {@link SCENARIOS} order. Default all. */
  readonly scenarios: readonly ScenarioName[];
  /** Shards of each benchmark stream. Default 4. */
  readonly shards: number;
  /** Also profile a separate Tributary run of the 100-byte PutRecords scenario. Default false. */
  readonly profile: boolean;
  /** Run kinesalite on LevelDB in its temp dir instead of in memory. Default false. */
  readonly kinesaliteOnDisk: boolean;
  /** Where the JSON results go. Default `<os tmpdir>/tributary-bench/streams-latest.json`. */
  readonly out: string;
  /** `--help` was given. */
  readonly help: boolean;
}

/** The usage text printed by `--help`. */
export const USAGE = `Usage: npm run bench:streams -- [options]   (or: npm run bench -- streams [options])

Runs the same Kinesis Data Streams load against Tributary and kinesalite and prints a comparison.

Options:
  --seconds N           measured seconds per write scenario (default 8)
  --concurrency N       concurrent clients (default 8)
  --only NAME           run one server: ${SERVER_KINDS.join(' | ')}
  --scenarios LIST      comma-separated subset of ${SCENARIOS.join(',')} (default all)
  --shards N            shards per benchmark stream (default 4)
  --profile             also CPU-profile Tributary during the 100-byte PutRecords scenario
  --kinesalite-disk     run kinesalite on LevelDB instead of in memory
  --out PATH            JSON results file (default <tmpdir>/tributary-bench/streams-latest.json)
  --help                this text
`;

function positiveNumber(
  name: string,
  { raw, fallback, integer }: { raw: string | undefined; fallback: number; integer: boolean },
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got '${raw}'`);
  }
  return n;
}

/** Parses the benchmark's argv (without `node` and the script). Throws with a readable message on bad input. */
export function parseStreamsBenchArgs(argv: readonly string[]): StreamsBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      seconds: { type: 'string' },
      concurrency: { type: 'string' },
      only: { type: 'string' },
      scenarios: { type: 'string' },
      shards: { type: 'string' },
      profile: { type: 'boolean' },
      'kinesalite-disk': { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  let servers: ServerKind[] = [...SERVER_KINDS];
  if (values.only !== undefined) {
    if (!(SERVER_KINDS as readonly string[]).includes(values.only)) {
      throw new Error(`--only must be one of ${SERVER_KINDS.join(', ')}, got '${values.only}'`);
    }
    servers = [values.only as ServerKind];
  }
  let scenarios: ScenarioName[] = [...SCENARIOS];
  if (values.scenarios !== undefined) {
    const wanted = values.scenarios
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const s of wanted) {
      if (!(SCENARIOS as readonly string[]).includes(s)) {
        throw new Error(`unknown scenario '${s}'; known: ${SCENARIOS.join(', ')}`);
      }
    }
    if (wanted.length === 0) throw new Error('--scenarios needs at least one scenario');
    scenarios = SCENARIOS.filter((s) => wanted.includes(s));
  }
  return {
    seconds: positiveNumber('seconds', { raw: values.seconds, fallback: 8, integer: false }),
    concurrency: positiveNumber('concurrency', { raw: values.concurrency, fallback: 8, integer: true }),
    servers,
    scenarios,
    shards: positiveNumber('shards', { raw: values.shards, fallback: 4, integer: true }),
    profile: values.profile ?? false,
    kinesaliteOnDisk: values['kinesalite-disk'] ?? false,
    out: values.out ?? path.join(os.tmpdir(), 'tributary-bench', 'streams-latest.json'),
    help: values.help ?? false,
  };
}
