/**
 * The NATS JetStream backend (ADR 0028): shard logs as JetStream streams, metadata and leases in JetStream
 * key-value buckets, all under one name prefix so that several Tributary deployments (or test runs) can share
 * a cluster. Chosen by the composition root with `--storage nats://h1:4222,h2:4222,h3:4222`.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { type Capabilities, type StorageBackend, StorageError, StorageErrorCode } from '../index.js';
import { STREAM_NOT_FOUND, apiCode, isTransient, retryTransient, toStorageError } from './errors.js';
import { NatsLeases } from './leases.js';
import { NatsLogStore } from './log-store.js';
import { NatsMetaStore } from './meta-store.js';
import { type NatsPublisher, PublishAcks } from './publish-acks.js';

/** Options of {@link openNatsBackend}. */
export interface NatsBackendOptions {
  /** Server URLs, e.g. `['nats://10.0.0.1:4222', 'nats://10.0.0.2:4222']`; list all so the client fails over. */
  servers: readonly string[];
  /** JetStream replicas of new shard streams and of the buckets: 1 (dev) or 3 (survives a server). Default 3. */
  replicas: 1 | 3;
  /** Prefix of stream and bucket names, `[A-Za-z0-9]+`. Default `TRIB`. */
  prefix: string;
  /** Clock of the leases, epoch ms. Default `Date.now`. */
  now: () => number;
  /** Timeout of one publish attempt. Default 2 s: elections stall publishes for 4–9 s, so several attempts fit an append's deadline (ADR 0028). */
  attemptTimeoutMs: number;
  /** How long an append retries through a leader election before it rejects as unavailable. Default 20 s. */
  appendDeadlineMs: number;
  /** How long a read retries through a leader election before it rejects as unavailable. Default 15 s. */
  readDeadlineMs: number;
  /** Connection credentials: user and password, or a token. */
  user?: string;
  pass?: string;
  token?: string;
  /** TLS for the connection (PEM file paths); `{}` turns TLS on with the system's roots. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** Connection name shown by the server's monitoring. */
  name?: string;
  /**
   * How long connecting to one server may take, TCP connect to the server's INFO, before the client tries the next.
   * Default 2 s (see {@link natsConnect}).
   */
  connectTimeoutMs: number;
  /**
   * Fault injection for tests: wraps the publisher every shard log appends through, so a test can hold a publish
   * back and deliver it later (what a reconnecting client or a paused server does to a timed-out publish).
   */
  wrapPublish?: (publisher: NatsPublisher) => NatsPublisher;
}

/** Server features by the version that introduced them (as the nats.js client gates them). */
export const NATS_FEATURES = Object.freeze({
  /** `sync_interval` (fsync before ack with `always`): 2.10.0. */
  syncInterval: '2.10.0',
  /** Consumers with several filter subjects: 2.10.0. */
  multiFilter: '2.10.0',
  /** Batched direct get (stateless GetRecords in one request), per-message TTL, priority groups: 2.11.0. */
  batchDirectGet: '2.11.0',
  perKeyTtl: '2.11.0',
  pinnedConsumers: '2.11.0',
  /** Atomic batch publish (several messages all-or-nothing): 2.12.0. */
  atomicBatch: '2.12.0',
});
export type NatsFeature = keyof typeof NATS_FEATURES;

/** The capabilities of the NATS backend: the shared record plus the server version and its features. */
export interface NatsCapabilities extends Capabilities {
  readonly serverVersion: string;
  readonly replicas: number;
  readonly features: Readonly<Record<NatsFeature, boolean>>;
}

/** Whether `version` (`2.9.10`) is at least `floor`. */
export function versionAtLeast(version: string, floor: string): boolean {
  const a = version.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const b = floor.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** Capabilities for a server version and replica count. */
export function natsCapabilities(serverVersion: string, replicas: number): NatsCapabilities {
  const features = Object.fromEntries(
    Object.entries(NATS_FEATURES).map(([f, v]) => [f, versionAtLeast(serverVersion, v)]),
  ) as Record<NatsFeature, boolean>;
  return Object.freeze({
    backend: 'nats',
    // An acknowledged publish is on a quorum of servers; with one replica a lost server loses it.
    durableAcks: replicas >= 3,
    replicated: replicas >= 3,
    // Any number of gateway nodes may open the same cluster.
    shared: true,
    // Sealed streams (2.6.2) and max_age exist on every supported server (2.9.10 up).
    sealing: true,
    maxAge: true,
    serverVersion,
    replicas,
    features: Object.freeze(features),
  });
}

/**
 * Revisions the metadata bucket keeps of each key (ADR 0028, 0036). The change feed is a consumer reading the bucket's
 * stream: a revision the stream dropped before the consumer read it is never reported. With one revision a key
 * changed twice before the feed got there lost its first change (a consumer on a replica applying both at once, or
 * one recreated after its node's server hung); with 16, only a key changed more than 16 times while a node's feed
 * was cut off loses its older changes, and the newest is always reported. The spec asks for at least 5.
 */
const META_HISTORY = 16;

const DEFAULTS = {
  replicas: 3 as const,
  prefix: 'TRIB',
  now: Date.now,
  attemptTimeoutMs: 2000,
  appendDeadlineMs: 20_000,
  readDeadlineMs: 15_000,
  connectTimeoutMs: 2000,
};

/**
 * What opening a bucket may meet and try again: any transient failure, and "stream not found", which a server answers
 * while another node is creating the same bucket and the new stream has not reached this server's view yet (two
 * nodes started at once on a new prefix; test/server/nats-nodes.test.ts).
 */
function isTransientWhileCreating(err: unknown): boolean {
  return isTransient(err) || apiCode(err) === STREAM_NOT_FOUND;
}

/** Connects to the cluster and opens (creating if needed) this prefix's buckets. */
export async function openNatsBackend(
  options: Partial<NatsBackendOptions> & Pick<NatsBackendOptions, 'servers'>,
): Promise<StorageBackend> {
  const opts = { ...DEFAULTS, ...options };
  if (!/^[A-Za-z0-9]{1,32}$/.test(opts.prefix))
    throw new StorageError(
      StorageErrorCode.invalidArgument,
      `NATS name prefix must be 1-32 letters or digits, got ${JSON.stringify(opts.prefix)}`,
    );
  if (opts.replicas !== 1 && opts.replicas !== 3)
    throw new StorageError(
      StorageErrorCode.invalidArgument,
      `NATS replicas must be 1 or 3, got ${String(opts.replicas)}`,
    );
  const nc = await natsConnect(opts);
  try {
    // Reads, metadata and management requests get the client's default 5 s; publishes carry their own
    // per-attempt timeout and are retried (log-store.ts).
    const js = jetstream(nc, { timeout: 5000 });
    // jetstreamManager asks for the account's JetStream info, which the meta leader answers: right after a server
    // died (or while the cluster forms) that is "JetStream system temporarily unavailable" for a few seconds, and a
    // gateway starting then should wait for the election rather than fail.
    const jsm = await retryTransient(() => jetstreamManager(nc, { timeout: 5000 }), 30_000);
    const capabilities = natsCapabilities(nc.info?.version ?? '0.0.0', opts.replicas);
    const kvm = new Kvm(js);
    // Creating an R3 bucket is a new Raft group, which can outlast one request on a busy cluster. Reads go to the
    // leader (no direct get): a replica may answer before it applied a write, and compare-and-set callers must
    // read their own writes.
    const bucket = (name: string, history: number) =>
      retryTransient(
        async () => {
          const kv = await kvm.create(`${opts.prefix}_${name}`, {
            replicas: opts.replicas,
            history,
            allow_direct: false,
          });
          // A bucket created by an older version keeps its history until its stream is updated.
          const { streamInfo } = await kv.status();
          if ((streamInfo.config.max_msgs_per_subject ?? 0) < history)
            await jsm.streams.update(streamInfo.config.name, { ...streamInfo.config, max_msgs_per_subject: history });
          return kv;
        },
        30_000,
        isTransientWhileCreating,
      );
    const [metaKv, leasesKv] = await Promise.all([bucket('meta', META_HISTORY), bucket('leases', 1)]);
    const acks = new PublishAcks(nc);
    const logs = new NatsLogStore({
      js,
      acks: opts.wrapPublish ? opts.wrapPublish(acks) : acks,
      jsm,
      prefix: opts.prefix,
      replicas: opts.replicas,
      attemptTimeoutMs: opts.attemptTimeoutMs,
      appendDeadlineMs: opts.appendDeadlineMs,
      readDeadlineMs: opts.readDeadlineMs,
      capabilities,
    });
    const meta = new NatsMetaStore(metaKv, {
      jsm,
      js,
      stream: `KV_${opts.prefix}_meta`,
      subjectPrefix: `$KV.${opts.prefix}_meta.`,
    });
    // The change feed runs before any service loads, so no change falls between a load and its subscription.
    await retryTransient(() => meta.startWatch(), 30_000, isTransientWhileCreating);
    const leases = new NatsLeases(leasesKv, opts.now);
    let closing: Promise<void> | undefined;
    return {
      logs,
      meta,
      leases,
      capabilities,
      stats: () => logs.stats(),
      close(): Promise<void> {
        closing ??= (async () => {
          leases.close();
          try {
            await Promise.all([logs.close(), meta.close()]);
          } finally {
            acks.close();
            await nc.close();
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw toStorageError(err, 'open the NATS backend');
  }
}

/**
 * A connection that reconnects forever to any listed server, and leaves a server that stopped answering within the
 * time the cluster needs to elect new leaders without it (ADR 0055).
 *
 * A paused or partitioned server keeps its sockets open, so only the client's pings notice it: NATS closes a
 * connection as stale once `maxPingOut` pings are unanswered, and then tries the other known servers
 * (docs.nats.io, "Ping/Pong Protocol"). Pinging every second with two outstanding leaves such a server 2–3 s after it
 * stopped, before the remaining servers can have elected new leaders (nats-server's Raft election timeout is
 * 4–9 s, `server/raft.go`), so the client waits on the election, not on its own detection.
 *
 * The reconnect may dial the stopped server first: its kernel still accepts the TCP connection, and the client
 * then waits for the server's INFO until the connect timeout, which applies to each server on its own
 * (docs.nats.io, "Setting a Connect Timeout"). nats.js waits 20 s by default, which with the old 5 s pings made a
 * 35 s write stall; 2 s (the default of NATS' Go and Ruby clients, nats.go `DefaultTimeout`) still lets a TLS handshake over
 * a LAN finish.
 */
async function natsConnect(
  opts: Partial<NatsBackendOptions> & Pick<NatsBackendOptions, 'servers'>,
): Promise<NatsConnection> {
  try {
    return await connect({
      servers: [...opts.servers],
      name: opts.name ?? 'tributary',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: opts.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      pingInterval: 1000,
      maxPingOut: 2,
      // Without it the client builds two Error objects (stack traces) for every request, to blame a timeout on its
      // caller: 40 % of the gateway's CPU under PutRecords load (docs/adr/0037). Our errors carry their own context.
      noAsyncTraces: true,
      ...(opts.user !== undefined ? { user: opts.user, pass: opts.pass ?? '' } : {}),
      ...(opts.token !== undefined ? { token: opts.token } : {}),
      ...(opts.tls ? { tls: { ...opts.tls } } : {}),
    });
  } catch (err) {
    throw new StorageError(
      StorageErrorCode.unavailable,
      `cannot connect to NATS at ${opts.servers.join(', ')}: ${String(err)}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * Deletes every stream and bucket of `prefix` on the cluster (tests reset with it; an operator's "drop all
 * data"). Nothing else on the cluster is touched.
 */
export async function destroyNatsData(servers: readonly string[], prefix: string): Promise<void> {
  const nc = await natsConnect({ servers });
  try {
    const jsm = await retryTransient(() => jetstreamManager(nc), 30_000);
    const names: string[] = [];
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(`${prefix}_`) || name.startsWith(`KV_${prefix}_`)) names.push(name);
    }
    await Promise.all(names.map((n) => jsm.streams.delete(n)));
  } finally {
    await nc.close();
  }
}
