/**
 * Command-line options of the Data Streams benchmark (`npm run bench:streams -- [options]` or
 * `npm run bench -- streams [options]`).
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { natsLocation } from '../../src/server/config.js';
import { SERVER_KINDS, type ServerKind } from './servers.js';

/** The scenarios, in the order they run (read-back reads what the PutRecords scenarios wrote). */
export const SCENARIOS = ['put100', 'put1k', 'putrecord', 'putrecord64', 'read'] as const;
/** Concurrent single-record clients of the `putrecord64` scenario (group commit across connections). */
export const PUTRECORD_FANIN = 64;
/** One of {@link SCENARIOS}. */
export type ScenarioName = (typeof SCENARIOS)[number];

/**
 * Where Tributary keeps its data: the embedded log (default), or a NATS JetStream cluster, either one the
 * benchmark starts on loopback (`--storage nats`) or one that runs already (`--storage nats://h1:4222,...`).
 */
export type BenchStorage =
  | { readonly kind: 'local' }
  | {
      readonly kind: 'nats';
      /** The value Tributary gets as `--storage`; undefined: start a 3-node loopback cluster. */
      readonly url: string | undefined;
      /** Server URLs for the raw JetStream client (empty when the benchmark starts the cluster). */
      readonly servers: readonly string[];
      readonly user?: string;
      readonly pass?: string;
      readonly token?: string;
    };

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
  /** Where Tributary keeps its data. Default the embedded log. */
  readonly storage: BenchStorage;
  /** With NATS storage: the JetStream replica counts to run, each a Tributary run and a raw JetStream run. */
  readonly natsReplicas: readonly (1 | 3)[];
  /** Run kinesalite on LevelDB in its temp dir instead of in memory. Default false. */
  readonly kinesaliteOnDisk: boolean;
  /** Where the JSON results go. Default `<os tmpdir>/tributary-bench/streams-latest.json`. */
  readonly out: string;
  /** `--help` was given. */
  readonly help: boolean;
}

/** The usage text printed by `--help`. */
export const USAGE = `Usage: npm run bench:streams -- [options]   (or: npm run bench -- streams [options])

Runs the same Kinesis Data Streams load against Tributary and kinesalite and prints a comparison. With
--storage nats, Tributary keeps its data in NATS JetStream and is compared with the same load published by
the NATS client alone (raw JetStream), once per replica count.

Options:
  --seconds N           measured seconds per write scenario (default 8)
  --concurrency N       concurrent clients (default 8)
  --only NAME           run one side: ${SERVER_KINDS.join(' | ')} (jetstream: the raw baseline of --storage nats)
  --storage WHERE       local (default) | nats (starts a 3-node loopback cluster, ports 24222-24224)
                        | nats://host:port,host:port,... (an existing cluster)
  --nats-replicas LIST  with --storage nats: comma-separated replica counts, 1 and/or 3 (default 1,3)
  --scenarios LIST      comma-separated subset of ${SCENARIOS.join(',')} (default all)
  --shards N            shards per benchmark stream (default 4)
  --profile             also CPU-profile Tributary during the 100-byte PutRecords scenario
                        (with --storage nats: on the last replica count)
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
      storage: { type: 'string' },
      'nats-replicas': { type: 'string' },
      'kinesalite-disk': { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const storage = parseStorage(values.storage);
  let servers: ServerKind[] = storage.kind === 'nats' ? ['tributary', 'jetstream'] : ['tributary', 'kinesalite'];
  if (values.only !== undefined) {
    if (!(SERVER_KINDS as readonly string[]).includes(values.only)) {
      throw new Error(`--only must be one of ${SERVER_KINDS.join(', ')}, got '${values.only}'`);
    }
    if (!servers.includes(values.only as ServerKind)) {
      throw new Error(`--only ${values.only} does not apply to --storage ${storage.kind}; use ${servers.join(' or ')}`);
    }
    servers = [values.only as ServerKind];
  }
  if (values['nats-replicas'] !== undefined && storage.kind !== 'nats') {
    throw new Error('--nats-replicas needs --storage nats');
  }
  const natsReplicas = parseReplicas(values['nats-replicas']);
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
    storage,
    natsReplicas,
    kinesaliteOnDisk: values['kinesalite-disk'] ?? false,
    out: values.out ?? path.join(os.tmpdir(), 'tributary-bench', 'streams-latest.json'),
    help: values.help ?? false,
  };
}

/** `--storage`: `local`, `nats` (start a cluster) or a `nats://` server list as the server's own option takes it. */
function parseStorage(raw: string | undefined): BenchStorage {
  const text = raw?.trim() ?? 'local';
  if (text === 'local') return { kind: 'local' };
  if (text === 'nats') return { kind: 'nats', url: undefined, servers: [] };
  let location: ReturnType<typeof natsLocation>;
  try {
    location = natsLocation(text);
  } catch (err) {
    throw new Error(`--storage: ${(err as Error).message}`);
  }
  if (location.tls) throw new Error('--storage: the benchmark connects without TLS; use nats://');
  return {
    kind: 'nats',
    url: text,
    servers: location.servers,
    ...(location.user !== undefined ? { user: location.user, pass: location.pass ?? '' } : {}),
    ...(location.token !== undefined ? { token: location.token } : {}),
  };
}

/** `--nats-replicas 1,3`: distinct counts, each 1 or 3, in the order given. */
function parseReplicas(raw: string | undefined): (1 | 3)[] {
  if (raw === undefined) return [1, 3];
  const counts = raw.split(',').map((s) => s.trim());
  const out: (1 | 3)[] = [];
  for (const c of counts) {
    if (c !== '1' && c !== '3') throw new Error(`--nats-replicas takes 1 and/or 3, got '${raw}'`);
    const n = Number(c) as 1 | 3;
    if (!out.includes(n)) out.push(n);
  }
  return out;
}
