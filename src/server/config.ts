/**
 * Server configuration: defaults, command-line flags and `TRIBUTARY_*` environment variables.
 * Every setting is declared once in {@link CONFIG_OPTIONS}; the parser, the validation and the CLI
 * help text are all derived from that table, so they cannot drift apart.
 */
import { parseArgs } from 'node:util';
import { TribError, TribErrorCode } from '../errors/index.js';

/** Log levels pino understands, quietest last. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** Log line formats: JSON lines, human-readable lines, or `auto` (human-readable when stdout is a terminal). */
export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;
/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * How storage appends become durable: `always` (fsync before ack), `interval:<ms>` (fsync at most
 * <ms> later) or `none` (the OS decides). See `DurabilityPolicy` in src/storage/types.ts.
 */
export type DurabilitySetting = 'always' | 'none' | `interval:${number}`;

/** Everything the server needs to run. */
export interface ServerConfig {
  /** Interface to bind. Default `127.0.0.1`. */
  readonly host: string;
  /** TCP port; 0 picks a free one. Default 4567. */
  readonly port: number;
  /** Directory for all persistent state. Default `./data`. */
  readonly dataDir: string;
  /** Default `info`. Per-request lines are written at `debug`. */
  readonly logLevel: LogLevel;
  /** `json`, `pretty`, or `auto`: pretty on a terminal, JSON lines otherwise. Default `auto`. */
  readonly logFormat: LogFormat;
  /** Region used when a request carries no SigV4 credential scope. Default `us-east-1`. */
  readonly region: string;
  /** Account used when the access key id is not a 12-digit account id. Default `000000000000`. */
  readonly accountId: string;
  /** How long a stream stays CREATING, in ms. Default 500. */
  readonly createStreamMs: number;
  /** How long a stream stays DELETING, in ms. Default 500. */
  readonly deleteStreamMs: number;
  /** How long a stream stays UPDATING, in ms. Default 500. */
  readonly updateStreamMs: number;
  /** Storage fsync policy. Default `always`. */
  readonly durability: DurabilitySetting;
  /**
   * Where streams, metadata and leases live: `local` (the embedded log under the data directory) or a NATS
   * JetStream cluster, `nats://[user:pass@]h1:4222,h2:4222,h3:4222` (`tls://` for TLS). Default `local`.
   */
  readonly storage: string;
  /** JetStream replicas of shard streams and buckets on a NATS cluster: 1 or 3. Default 3. */
  readonly natsReplicas: number;
  /** Prefix of the JetStream stream and bucket names, so deployments can share a cluster. Default `TRIB`. */
  readonly natsPrefix: string;
  /** PEM file of the CA that signed the NATS servers' certificates (with `tls://`). Default '' (system roots). */
  readonly natsTlsCa: string;
  /**
   * Time to live of a background worker's lease, in ms: on a cluster, how long the workers of a node that died
   * wait before a surviving node takes them over (renewed every third of it). Default 30,000.
   */
  readonly workerLeaseMs: number;
  /** Shards per account and region. Default 1000. */
  readonly shardLimit: number;
  /** Segment files the embedded log keeps open at once (an LRU over every shard; idle ones close). */
  readonly maxOpenFiles: number;
  /**
   * Largest accepted request body in bytes; larger ones get 413. Default 16 MiB: a 10 MiB record
   * grows by a third in base64, plus the JSON around it.
   */
  readonly maxBodyBytes: number;
  /** Concurrent TCP connections accepted before new ones are refused. Default 10000. */
  readonly maxConnections: number;
  /** Credentials file (principals, access keys, policies; src/auth). Empty: none. Default ''. */
  readonly authConfig: string;
  /** Without credentials, accept any signature on a non-loopback address too. Default false. */
  readonly allowAnonymous: boolean;
  /** `off`, or `self-signed` to generate a certificate at start-up. Default `off`. */
  readonly tls: TlsSetting;
  /** PEM certificate file; with {@link tlsKey} turns TLS on. Default ''. */
  readonly tlsCert: string;
  /** PEM private key file. Default ''. */
  readonly tlsKey: string;
  /** Audit log to `<dataDir>/audit/audit.log`: `on` or `off`. Default `on`. */
  readonly audit: 'on' | 'off';
  /** The audit log rotates when it would exceed this size. Default 100 MiB. */
  readonly auditMaxBytes: number;
  /** Rotated audit files kept. Default 5. */
  readonly auditKeep: number;
  /**
   * `/metrics` and the request histogram behind it (`on`/`off`; `/health` and `/ready` answer either way). Default
   * `on`. Off exists to measure what metrics cost (docs/adr/0031).
   */
  readonly metrics: 'on' | 'off';
  /** Enforce AWS's per-shard throughput and control-plane rate limits. Default false. */
  readonly enforceLimits: boolean;
  /** Local KMS key file for server-side encryption. Empty: `<dataDir>/kms-keys.json`. Default ''. */
  readonly kmsKeyFile: string;
  /** How long a new Firehose delivery stream stays CREATING, in ms. Default 500. */
  readonly firehoseCreateMs: number;
  /** How long a deleted Firehose delivery stream stays DELETING, in ms. Default 500. */
  readonly firehoseDeleteMs: number;
  /** Undelivered Firehose DirectPut bytes above which puts answer ServiceUnavailableException. Default 1 GiB. */
  readonly firehoseBufferCapBytes: number;
  /** How long Firehose encryption stays ENABLING / DISABLING, in ms. Default 500. */
  readonly firehoseSseMs: number;
  /** Firehose Start/StopDeliveryStreamEncryption calls per delivery stream per 24 h (AWS: 25); 0 = no limit. Default 0. */
  readonly firehoseSseCallsPerDay: number;
  /** How long an Analytics application stays STARTING, STOPPING, UPDATING or DELETING, in ms. Default 500. */
  readonly analyticsTransitionMs: number;
  /**
   * Firehose DirectPut quotas per delivery stream, `<requests/s>,<records/s>,<bytes/s>` (AWS, large regions:
   * `2000,500000,5242880`); 0 turns one off. Default all 0.
   */
  readonly firehosePutLimits: string;
  /** Lambda-compatible HTTP endpoint that Analytics Lambda outputs are invoked on. Empty: refused. Default ''. */
  readonly analyticsLambdaEndpoint: string;
  /** S3-compatible endpoint of Firehose's S3 destinations. Empty: objects go to `<dataDir>/s3/<bucket>/<key>`. Default ''. */
  readonly s3Endpoint: string;
  /** Access key id for {@link s3Endpoint}. Default ''. */
  readonly s3AccessKeyId: string;
  /** Secret access key for {@link s3Endpoint}. Default ''. */
  readonly s3SecretAccessKey: string;
  /** How long a new Kinesis video stream or signaling channel stays CREATING, in ms. Default 500. */
  readonly videoCreateMs: number;
  /** How long an updated Kinesis video stream or signaling channel stays UPDATING, in ms. Default 500. */
  readonly videoUpdateMs: number;
  /** How long a deleted Kinesis video stream or signaling channel stays DELETING, in ms. Default 500. */
  readonly videoDeleteMs: number;
  /**
   * The URL clients reach this server at, when it differs from the one they address (behind a proxy): what
   * Kinesis Video's GetDataEndpoint answers. Empty: the URL of each request. Default ''.
   */
  readonly publicUrl: string;
}

/** `off` or `self-signed` (certificate files are given with tlsCert / tlsKey). */
export type TlsSetting = 'off' | 'self-signed';

/** The defaults, as documented on {@link ServerConfig}. */
export const DEFAULT_CONFIG: ServerConfig = Object.freeze({
  host: '127.0.0.1',
  port: 4567,
  dataDir: './data',
  logLevel: 'info',
  logFormat: 'auto',
  region: 'us-east-1',
  accountId: '000000000000',
  createStreamMs: 500,
  deleteStreamMs: 500,
  updateStreamMs: 500,
  durability: 'always',
  storage: 'local',
  natsReplicas: 3,
  natsPrefix: 'TRIB',
  natsTlsCa: '',
  workerLeaseMs: 30_000,
  shardLimit: 1000,
  maxOpenFiles: 512,
  maxBodyBytes: 16 * 1024 * 1024,
  maxConnections: 10_000,
  authConfig: '',
  allowAnonymous: false,
  tls: 'off',
  tlsCert: '',
  tlsKey: '',
  audit: 'on',
  auditMaxBytes: 100 * 1024 * 1024,
  auditKeep: 5,
  metrics: 'on',
  enforceLimits: false,
  kmsKeyFile: '',
  firehoseCreateMs: 500,
  firehoseDeleteMs: 500,
  firehoseBufferCapBytes: 1024 * 1024 * 1024,
  firehoseSseMs: 500,
  firehoseSseCallsPerDay: 0,
  analyticsTransitionMs: 500,
  firehosePutLimits: '0,0,0',
  analyticsLambdaEndpoint: '',
  s3Endpoint: '',
  s3AccessKeyId: '',
  s3SecretAccessKey: '',
  videoCreateMs: 500,
  videoUpdateMs: 500,
  videoDeleteMs: 500,
  publicUrl: '',
});

/** A bad flag, environment variable or value. `code` is always `TRIB_ERR_CONFIG`. */
export class ConfigError extends TribError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(TribErrorCode.CONFIG, message, options);
    this.name = 'ConfigError';
  }
}

/** One configurable setting: its flag, environment variable, help text and parser. */
export interface ConfigOption {
  readonly key: keyof ServerConfig;
  /** Long flag without the dashes, e.g. `data-dir`. */
  readonly flag: string;
  /** Environment variable, e.g. `TRIBUTARY_DATA_DIR`. */
  readonly env: string;
  /** Placeholder shown in help, e.g. `<ms>`. */
  readonly valueName: string;
  readonly description: string;
  /** Turns the raw text into a value or throws a message (without the option name). */
  readonly parse: (raw: string) => ServerConfig[keyof ServerConfig];
  /** A flag without a value (`--allow-anonymous`); its parser receives `true`. */
  readonly boolean?: true;
}

function bool(raw: string): boolean {
  const text = raw.trim().toLowerCase();
  if (text === 'true' || text === '1' || text === 'yes') return true;
  if (text === 'false' || text === '0' || text === 'no') return false;
  throw new Error(`expected true or false, got '${raw}'`);
}

function oneOf<T extends string>(values: readonly T[]): (raw: string) => T {
  return (raw) => {
    const text = raw.trim().toLowerCase();
    if (!(values as readonly string[]).includes(text)) throw new Error(`expected ${values.join(' or ')}, got '${raw}'`);
    return text as T;
  };
}

/** The quotas of a `--firehose-put-limits` value `<requests/s>,<records/s>,<bytes/s>` (throws a message if malformed). */
export function firehosePutLimits(raw: string): {
  requestsPerSecond: number;
  recordsPerSecond: number;
  bytesPerSecond: number;
} {
  const parts = raw.split(',');
  if (parts.length !== 3) throw new Error(`expected <requests/s>,<records/s>,<bytes/s>, got '${raw}'`);
  const n = parts.map(integer(0, 1024 * 1024 * 1024 * 1024));
  return { requestsPerSecond: n[0]!, recordsPerSecond: n[1]!, bytesPerSecond: n[2]! };
}

/** Flags that are shorthands for another flag and value. */
const FLAG_ALIASES: Readonly<Record<string, readonly [string, string]>> = { '--no-audit': ['--audit', 'off'] };

function integer(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const text = raw.trim();
    if (!/^\d+$/.test(text)) throw new Error(`expected an integer from ${min} to ${max}, got '${raw}'`);
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new Error(`expected an integer from ${min} to ${max}, got '${raw}'`);
    }
    return value;
  };
}

function nonEmpty(raw: string): string {
  if (raw.trim() === '') throw new Error('must not be empty');
  return raw;
}

/** Parses a durability setting (`always`, `none`, `interval:<ms>` with 1 ≤ ms ≤ 3600000). */
export function parseDurability(raw: string): DurabilitySetting {
  const text = raw.trim();
  if (text === 'always' || text === 'none') return text;
  const match = /^interval:(\d+)$/.exec(text);
  if (match) {
    const ms = Number(match[1]);
    if (ms >= 1 && ms <= 3_600_000) return `interval:${ms}`;
  }
  throw new Error(`expected 'always', 'none' or 'interval:<ms>' (1 to 3600000 ms), got '${raw}'`);
}

const MS_MAX = 3_600_000;

/** A NATS storage location: server URLs and optional credentials. */
export interface NatsLocation {
  readonly servers: readonly string[];
  readonly tls: boolean;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
}

/**
 * Parses a `--storage` value: `local`, or `nats://[user:pass@|token@]host:port,host:port,...` (`tls://` for
 * TLS); the credentials are given once, before the first host.
 */
export function parseStorage(raw: string): string {
  const text = raw.trim();
  if (text === 'local') return text;
  natsLocation(text);
  return text;
}

/** The servers and credentials of a `nats://` or `tls://` storage value (throws a message when malformed). */
export function natsLocation(storage: string): NatsLocation {
  const match = /^(nats|tls):\/\/(?:([^@/]*)@)?([^@/]+)$/.exec(storage.trim());
  if (!match) throw new Error(`expected 'local' or nats://host:port[,host:port...], got '${storage}'`);
  const [, scheme, auth, hostList] = match as unknown as [string, string, string | undefined, string];
  const hosts = hostList.split(',').map((h) => h.trim());
  for (const host of hosts) {
    if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:]+\](:\d{1,5})?$/.test(host))
      throw new Error(`expected host:port in '${storage}', got '${host}'`);
  }
  const servers = hosts.map((h) => `${scheme}://${h}`);
  if (auth === undefined) return { servers, tls: scheme === 'tls' };
  const colon = auth.indexOf(':');
  const decode = (s: string) => decodeURIComponent(s);
  return colon < 0
    ? { servers, tls: scheme === 'tls', token: decode(auth) }
    : { servers, tls: scheme === 'tls', user: decode(auth.slice(0, colon)), pass: decode(auth.slice(colon + 1)) };
}

/** Every setting, in help order. */
export const CONFIG_OPTIONS: readonly ConfigOption[] = [
  {
    key: 'host',
    flag: 'host',
    env: 'TRIBUTARY_HOST',
    valueName: '<host>',
    description: 'interface to bind',
    parse: nonEmpty,
  },
  {
    key: 'port',
    flag: 'port',
    env: 'TRIBUTARY_PORT',
    valueName: '<port>',
    description: 'TCP port (0 = any free port); HTTP/1.1 and h2c share it',
    parse: integer(0, 65535),
  },
  {
    key: 'dataDir',
    flag: 'data-dir',
    env: 'TRIBUTARY_DATA_DIR',
    valueName: '<dir>',
    description: 'directory for persistent state',
    parse: nonEmpty,
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: 'TRIBUTARY_LOG_LEVEL',
    valueName: '<level>',
    description: `${LOG_LEVELS.join(' | ')}; one line per request at debug`,
    parse: (raw) => {
      const text = raw.trim().toLowerCase();
      if (!(LOG_LEVELS as readonly string[]).includes(text))
        throw new Error(`expected one of ${LOG_LEVELS.join(', ')}, got '${raw}'`);
      return text as LogLevel;
    },
  },
  {
    key: 'logFormat',
    flag: 'log-format',
    env: 'TRIBUTARY_LOG_FORMAT',
    valueName: '<format>',
    description: 'json | pretty | auto (human-readable lines when stdout is a terminal, JSON lines otherwise)',
    parse: oneOf(LOG_FORMATS),
  },
  {
    key: 'region',
    flag: 'region',
    env: 'TRIBUTARY_REGION',
    valueName: '<region>',
    description: 'region when a request carries no SigV4 credential scope',
    parse: (raw) => {
      // AWS region names: lower-case letters, digits and dashes (us-east-1, us-gov-west-1, eu-central-2).
      if (!/^[a-z]{2,}(-[a-z0-9]+)+$/.test(raw.trim()))
        throw new Error(`expected a region name like us-east-1, got '${raw}'`);
      return raw.trim();
    },
  },
  {
    key: 'accountId',
    flag: 'account-id',
    env: 'TRIBUTARY_ACCOUNT_ID',
    valueName: '<12 digits>',
    description: 'account when the access key id is not a 12-digit account id',
    parse: (raw) => {
      // AWS account ids are exactly 12 decimal digits (they appear in ARNs as \d{12}).
      if (!/^\d{12}$/.test(raw.trim())) throw new Error(`expected 12 digits, got '${raw}'`);
      return raw.trim();
    },
  },
  {
    key: 'createStreamMs',
    flag: 'create-stream-ms',
    env: 'TRIBUTARY_CREATE_STREAM_MS',
    valueName: '<ms>',
    description: 'time a new stream stays CREATING',
    parse: integer(0, MS_MAX),
  },
  {
    key: 'deleteStreamMs',
    flag: 'delete-stream-ms',
    env: 'TRIBUTARY_DELETE_STREAM_MS',
    valueName: '<ms>',
    description: 'time a deleted stream stays DELETING',
    parse: integer(0, MS_MAX),
  },
  {
    key: 'updateStreamMs',
    flag: 'update-stream-ms',
    env: 'TRIBUTARY_UPDATE_STREAM_MS',
    valueName: '<ms>',
    description: 'time an updated stream stays UPDATING',
    parse: integer(0, MS_MAX),
  },
  {
    key: 'durability',
    flag: 'durability',
    env: 'TRIBUTARY_DURABILITY',
    valueName: '<policy>',
    description: 'always | interval:<ms> | none (fsync before ack, at most <ms> later, never)',
    parse: parseDurability,
  },
  {
    key: 'storage',
    flag: 'storage',
    env: 'TRIBUTARY_STORAGE',
    valueName: '<local|nats://h:p,...>',
    description:
      'local (embedded log in the data directory) or a NATS JetStream cluster: nats://[user:pass@]h1:4222,h2:4222,h3:4222 (tls:// for TLS)',
    parse: parseStorage,
  },
  {
    key: 'natsReplicas',
    flag: 'nats-replicas',
    env: 'TRIBUTARY_NATS_REPLICAS',
    valueName: '<1|3>',
    description: 'JetStream replicas of shard streams and metadata on a NATS cluster (3 survives the loss of a server)',
    parse: (raw) => {
      const n = Number(raw.trim());
      if (n !== 1 && n !== 3) throw new Error(`expected 1 or 3, got '${raw}'`);
      return n;
    },
  },
  {
    key: 'natsPrefix',
    flag: 'nats-prefix',
    env: 'TRIBUTARY_NATS_PREFIX',
    valueName: '<name>',
    description:
      'prefix of the JetStream stream and bucket names (letters and digits), so deployments can share a cluster',
    parse: (raw) => {
      if (!/^[A-Za-z0-9]{1,32}$/.test(raw.trim())) throw new Error(`expected 1-32 letters or digits, got '${raw}'`);
      return raw.trim();
    },
  },
  {
    key: 'natsTlsCa',
    flag: 'nats-tls-ca',
    env: 'TRIBUTARY_NATS_TLS_CA',
    valueName: '<file>',
    description: 'PEM CA file for tls:// NATS servers; default the system roots',
    parse: (raw) => raw.trim(),
  },
  {
    key: 'workerLeaseMs',
    flag: 'worker-lease-ms',
    env: 'TRIBUTARY_WORKER_LEASE_MS',
    valueName: '<ms>',
    description: "lease of a background worker: how soon a surviving node takes over a dead node's workers",
    parse: integer(1000, MS_MAX),
  },
  {
    key: 'shardLimit',
    flag: 'shard-limit',
    env: 'TRIBUTARY_SHARD_LIMIT',
    valueName: '<n>',
    description: 'shards per account and region',
    parse: integer(1, 1_000_000),
  },
  {
    key: 'maxOpenFiles',
    flag: 'max-open-files',
    env: 'TRIBUTARY_MAX_OPEN_FILES',
    valueName: '<n>',
    description: 'segment files the embedded log keeps open at once across all shards (idle ones close, reopen on use)',
    parse: integer(4, 1_000_000),
  },
  {
    key: 'maxBodyBytes',
    flag: 'max-body-bytes',
    env: 'TRIBUTARY_MAX_BODY_BYTES',
    valueName: '<bytes>',
    description: 'largest request body; larger ones get 413',
    parse: integer(1024, 1024 * 1024 * 1024),
  },
  {
    key: 'maxConnections',
    flag: 'max-connections',
    env: 'TRIBUTARY_MAX_CONNECTIONS',
    valueName: '<n>',
    description: 'concurrent TCP connections',
    parse: integer(1, 1_000_000),
  },
  {
    key: 'authConfig',
    flag: 'auth-config',
    env: 'TRIBUTARY_AUTH_CONFIG',
    valueName: '<file>',
    description: 'credentials and policies (JSON); verifies SigV4 and applies policies; reloaded on change and SIGHUP',
    parse: (raw) => raw.trim(),
  },
  {
    key: 'allowAnonymous',
    flag: 'allow-anonymous',
    env: 'TRIBUTARY_ALLOW_ANONYMOUS',
    valueName: '',
    description: 'without credentials, serve a non-loopback address anyway (any signature accepted)',
    parse: bool,
    boolean: true,
  },
  {
    key: 'tls',
    flag: 'tls',
    env: 'TRIBUTARY_TLS',
    valueName: '<mode>',
    description: 'off | self-signed (generate a certificate at start-up, print its SHA-256 fingerprint)',
    parse: oneOf(['off', 'self-signed'] as const),
  },
  {
    key: 'tlsCert',
    flag: 'tls-cert',
    env: 'TRIBUTARY_TLS_CERT',
    valueName: '<file>',
    description: 'PEM certificate (chain); with --tls-key serves HTTPS (h2 and http/1.1 via ALPN)',
    parse: (raw) => raw.trim(),
  },
  {
    key: 'tlsKey',
    flag: 'tls-key',
    env: 'TRIBUTARY_TLS_KEY',
    valueName: '<file>',
    description: 'PEM private key of --tls-cert',
    parse: (raw) => raw.trim(),
  },
  {
    key: 'audit',
    flag: 'audit',
    env: 'TRIBUTARY_AUDIT',
    valueName: '<on|off>',
    description: 'CloudTrail-style audit log in <data-dir>/audit/audit.log (--no-audit = --audit off)',
    parse: oneOf(['on', 'off'] as const),
  },
  {
    key: 'auditMaxBytes',
    flag: 'audit-max-bytes',
    env: 'TRIBUTARY_AUDIT_MAX_BYTES',
    valueName: '<bytes>',
    description: 'rotate the audit log at this size',
    parse: integer(4096, 1024 * 1024 * 1024 * 1024),
  },
  {
    key: 'auditKeep',
    flag: 'audit-keep',
    env: 'TRIBUTARY_AUDIT_KEEP',
    valueName: '<n>',
    description: 'rotated audit files kept',
    parse: integer(0, 1000),
  },
  {
    key: 'metrics',
    flag: 'metrics',
    env: 'TRIBUTARY_METRICS',
    valueName: '<on|off>',
    description: 'Prometheus metrics at GET /metrics on the server port (/health and /ready are always there)',
    parse: oneOf(['on', 'off'] as const),
  },
  {
    key: 'enforceLimits',
    flag: 'enforce-limits',
    env: 'TRIBUTARY_ENFORCE_LIMITS',
    valueName: '',
    description:
      "enforce AWS's per-shard throughput and control-plane rate limits (ProvisionedThroughputExceeded, LimitExceeded)",
    parse: bool,
    boolean: true,
  },
  {
    key: 'kmsKeyFile',
    flag: 'kms-key-file',
    env: 'TRIBUTARY_KMS_KEY_FILE',
    valueName: '<file>',
    description:
      'local KMS keys for server-side encryption (JSON; created with alias/aws/kinesis when missing); default <data-dir>/kms-keys.json',
    parse: (raw) => raw.trim(),
  },
  {
    key: 'firehoseCreateMs',
    flag: 'firehose-create-ms',
    env: 'TRIBUTARY_FIREHOSE_CREATE_MS',
    valueName: '<ms>',
    description: 'time a new Firehose delivery stream stays CREATING',
    parse: integer(0, MS_MAX),
  },
  {
    key: 'firehoseDeleteMs',
    flag: 'firehose-delete-ms',
    env: 'TRIBUTARY_FIREHOSE_DELETE_MS',
    valueName: '<ms>',
    description: 'time a deleted Firehose delivery stream stays DELETING',
    parse: integer(0, MS_MAX),
  },
  {
    key: 'firehoseBufferCapBytes',
    flag: 'firehose-buffer-cap-bytes',
    env: 'TRIBUTARY_FIREHOSE_BUFFER_CAP_BYTES',
    valueName: '<bytes>',
    description: 'undelivered Firehose data above which PutRecord answers ServiceUnavailableException',
    parse: integer(1, 1024 * 1024 * 1024 * 1024),
  },
  {
    key: 'firehoseSseMs',
    flag: 'firehose-sse-ms',
    env: 'TRIBUTARY_FIREHOSE_SSE_MS',
    valueName: '<ms>',
    description: 'time Firehose server-side encryption stays ENABLING / DISABLING',
    parse: integer(0, MS_MAX),
  },
  {
    key: 'firehoseSseCallsPerDay',
    flag: 'firehose-sse-calls-per-day',
    env: 'TRIBUTARY_FIREHOSE_SSE_CALLS_PER_DAY',
    valueName: '<n>',
    description: 'Start/StopDeliveryStreamEncryption calls per delivery stream per 24 h (AWS: 25); 0 = no limit',
    parse: integer(0, 1_000_000),
  },
  {
    key: 'analyticsTransitionMs',
    flag: 'analytics-transition-ms',
    env: 'TRIBUTARY_ANALYTICS_TRANSITION_MS',
    valueName: '<ms>',
    description: 'time an Analytics application stays STARTING, STOPPING, UPDATING or DELETING',
    parse: integer(0, MS_MAX),
  },
  {
    key: 'firehosePutLimits',
    flag: 'firehose-put-limits',
    env: 'TRIBUTARY_FIREHOSE_PUT_LIMITS',
    valueName: '<req/s>,<rec/s>,<bytes/s>',
    description: 'Firehose DirectPut quotas per delivery stream (AWS: 2000,500000,5242880); 0 = off; default 0,0,0',
    parse: (raw) => {
      const l = firehosePutLimits(raw);
      return `${l.requestsPerSecond},${l.recordsPerSecond},${l.bytesPerSecond}`;
    },
  },
  {
    key: 'analyticsLambdaEndpoint',
    flag: 'analytics-lambda-endpoint',
    env: 'TRIBUTARY_ANALYTICS_LAMBDA_ENDPOINT',
    valueName: '<url>',
    description:
      'Lambda-compatible HTTP endpoint (POST /2015-03-31/functions/<name>/invocations) of Analytics Lambda outputs',
    parse: (raw) => raw.trim(),
  },
  {
    key: 's3Endpoint',
    flag: 's3-endpoint',
    env: 'TRIBUTARY_S3_ENDPOINT',
    valueName: '<url>',
    description: 'S3-compatible server for Firehose S3 destinations (path-style); default <data-dir>/s3/<bucket>/<key>',
    parse: (raw) => {
      const text = raw.trim();
      if (text !== '' && !/^https?:\/\/[^\s]+$/.test(text)) throw new Error(`expected an http(s) URL, got '${raw}'`);
      return text;
    },
  },
  {
    key: 's3AccessKeyId',
    flag: 's3-access-key-id',
    env: 'TRIBUTARY_S3_ACCESS_KEY_ID',
    valueName: '<id>',
    description: 'access key id for --s3-endpoint',
    parse: (raw) => raw.trim(),
  },
  {
    key: 's3SecretAccessKey',
    flag: 's3-secret-access-key',
    env: 'TRIBUTARY_S3_SECRET_ACCESS_KEY',
    valueName: '<secret>',
    description: 'secret access key for --s3-endpoint',
    parse: (raw) => raw,
  },
  {
    key: 'videoCreateMs',
    flag: 'video-create-ms',
    env: 'TRIBUTARY_VIDEO_CREATE_MS',
    valueName: '<ms>',
    description: 'time a new Kinesis video stream or signaling channel stays CREATING',
    parse: integer(0, MS_MAX),
  },
  {
    key: 'videoUpdateMs',
    flag: 'video-update-ms',
    env: 'TRIBUTARY_VIDEO_UPDATE_MS',
    valueName: '<ms>',
    description: 'time an updated Kinesis video stream or signaling channel stays UPDATING',
    parse: integer(0, MS_MAX),
  },
  {
    key: 'videoDeleteMs',
    flag: 'video-delete-ms',
    env: 'TRIBUTARY_VIDEO_DELETE_MS',
    valueName: '<ms>',
    description: 'time a deleted Kinesis video stream or signaling channel stays DELETING',
    parse: integer(0, MS_MAX),
  },
  {
    key: 'publicUrl',
    flag: 'public-url',
    env: 'TRIBUTARY_PUBLIC_URL',
    valueName: '<url>',
    description: "URL clients reach this server at (behind a proxy); Kinesis Video's GetDataEndpoint answers it",
    parse: (raw) => {
      const text = raw.trim().replace(/\/+$/, '');
      if (text !== '' && !/^https?:\/\/[^\s/]+$/.test(text)) {
        throw new Error(`expected an http(s) URL without a path, got '${raw}'`);
      }
      return text;
    },
  },
];

/**
 * Builds the configuration from command-line flags (the arguments after `serve`) and the
 * environment. Precedence: flag, then environment variable, then default. Empty environment
 * variables count as unset. Throws {@link ConfigError} with a message naming the flag or variable.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): ServerConfig {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const option of CONFIG_OPTIONS) options[option.flag] = { type: option.boolean ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    const args = argv.flatMap((arg) => FLAG_ALIASES[arg] ?? [arg]);
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new ConfigError((e as Error).message, { cause: e });
  }
  const config: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const option of CONFIG_OPTIONS) {
    const fromFlag = values[option.flag];
    const fromEnv = env[option.env];
    let raw: string | undefined;
    let source: string;
    if (typeof fromFlag === 'string' || typeof fromFlag === 'boolean') {
      raw = String(fromFlag);
      source = `--${option.flag}`;
    } else if (fromEnv !== undefined && fromEnv !== '') {
      raw = fromEnv;
      source = option.env;
    } else {
      continue;
    }
    try {
      config[option.key] = option.parse(raw);
    } catch (e) {
      throw new ConfigError(`Invalid ${source}: ${(e as Error).message}`, { cause: e });
    }
  }
  return Object.freeze(config) as unknown as ServerConfig;
}

/**
 * Merges a partial configuration (programmatic use) over the defaults, validating each given value
 * with the same rules as {@link loadConfig}. Throws {@link ConfigError}.
 */
export function resolveConfig(partial: Partial<ServerConfig> = {}): ServerConfig {
  const config: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const option of CONFIG_OPTIONS) {
    const value = partial[option.key];
    if (value === undefined) continue;
    try {
      config[option.key] = option.parse(String(value));
    } catch (e) {
      throw new ConfigError(`Invalid ${option.key}: ${(e as Error).message}`, { cause: e });
    }
  }
  return Object.freeze(config) as unknown as ServerConfig;
}
