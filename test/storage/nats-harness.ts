/**
 * Real nats-server processes for tests (docs/adr/0028-nats-jetstream-backend.md): a 3-node
 * loopback JetStream cluster or a single node, in a temporary directory, torn down with {@link NatsCluster.stop}.
 * Each cluster gets ports the OS reports free (unless a caller names a port base), so test files running in
 * parallel, and two test runs at once, never share or collide on a port.
 *
 * Outside CI a missing `nats-server` skips the tests that need it; under CI=true it is a failure
 * ({@link natsServerMissing}).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { connect } from '@nats-io/transport-node';
import { freePorts } from '../helpers/net.js';
import { requireTool } from '../helpers/tools.js';

/** Debian installs the server in /usr/sbin, which is not on every user's PATH. */
const NATS_SERVER = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p)) ?? 'nats-server';

/** false when nats-server runs, else the skip message; throws under CI=true (CI installs it, see .ci/run). */
export function natsServerMissing(): false | string {
  return requireTool('nats-server', { cmd: NATS_SERVER, args: ['--version'] });
}

/**
 * The cluster's size and, optionally, its ports: with `clientPort` the nodes use consecutive ports from the base of
 * each kind; without it every port is one the OS reports free.
 */
export interface NatsClusterOptions {
  /** 3 for a Raft cluster (default), 1 for a single server (fast tests; no replication). */
  readonly nodes?: 1 | 3;
  /** First client port (default: free ports). */
  readonly clientPort?: number;
  /** First route port (default clientPort + 2000). */
  readonly routePort?: number;
  /** First monitoring port (default clientPort + 4000). */
  readonly httpPort?: number;
}

/** A running set of servers. */
export interface NatsCluster {
  /** `nats://127.0.0.1:<port>` of every node, in node order. */
  readonly urls: readonly string[];
  /** The same as one `--storage` value: `nats://127.0.0.1:14222,127.0.0.1:14223,...`. */
  readonly storageUrl: string;
  readonly dataDir: string;
  /** Process id of node `i` (0-based), or undefined while it is down. */
  pid(i: number): number | undefined;
  /** Sends `signal` to node `i` (SIGSTOP/SIGCONT pause and resume it) and, for SIGKILL/SIGTERM, waits for it to exit. */
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts node `i` again with its configuration and data, and waits until it serves JetStream. */
  restart(i: number): Promise<void>;
  /** Index of the node whose server name is `name` (`n1` → 0). */
  indexOf(name: string): number;
  /**
   * Index of the node leading JetStream stream `stream` (from the monitoring endpoint of a live node not paused with
   * SIGSTOP), if known.
   */
  streamLeader(stream: string): Promise<number | undefined>;
  /** Index of the node serving the client connection named `name` (each node's `/connz`), if one does. */
  clientNode(name: string): Promise<number | undefined>;
  /**
   * Makes node `i` the leader of JetStream stream `stream`: asks the current leader to step down
   * (`$JS.API.STREAM.LEADER.STEPDOWN`) until the others elect node `i`. Resolves whether node `i` leads it.
   */
  moveStreamLeader(stream: string, i: number): Promise<boolean>;
  /** The last sequence of JetStream stream `stream` in node `i`'s own replica (its monitoring endpoint). */
  replicaLastSeq(i: number, stream: string): Promise<number | undefined>;
  /**
   * Message `seq` of `stream` by a direct get sent through node `i`: one replica answers (the replicas form a queue
   * group), which is how the backend reads. Null when that replica has no such message.
   */
  directGet(i: number, stream: string, seq: number): Promise<Uint8Array | null>;
  /** Stops every node and removes the data directory. */
  stop(): Promise<void>;
}

/** Ports of each node by kind, node `i` at index `i`. */
interface NodePorts {
  readonly client: readonly number[];
  readonly route: readonly number[];
  readonly http: readonly number[];
}

/**
 * Starts the servers and resolves once JetStream is ready on each (and a meta leader is elected). On free ports, a
 * start that fails (another process took a port between the check and the server's bind) is tried again on new ones.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const nodes = options.nodes ?? 3;
  const base = options.clientPort;
  if (base !== undefined) {
    const kind = (first: number): number[] => Array.from({ length: nodes }, (_, i) => first + i);
    return startOnPorts(nodes, {
      client: kind(base),
      route: kind(options.routePort ?? base + 2000),
      http: kind(options.httpPort ?? base + 4000),
    });
  }
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(3 * nodes);
    try {
      return await startOnPorts(nodes, {
        client: ports.slice(0, nodes),
        route: ports.slice(nodes, 2 * nodes),
        http: ports.slice(2 * nodes),
      });
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function startOnPorts(nodes: number, ports: NodePorts): Promise<NatsCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trib-nats-'));
  const confs: string[] = [];
  for (let i = 0; i < nodes; i++) {
    const routes = ports.route.map((port) => `    nats-route://127.0.0.1:${port}`).join('\n');
    const conf = join(dataDir, `n${i + 1}.conf`);
    writeFileSync(
      conf,
      [
        `server_name: n${i + 1}`,
        `listen: 127.0.0.1:${ports.client[i]}`,
        `http: 127.0.0.1:${ports.http[i]}`,
        // A 1 MiB record plus its framing does not fit the default 1 MiB (ADR 0028).
        'max_payload: 2MB',
        // NATS_DEBUG=1 writes the servers' debug log (Raft snapshots, catch-ups, refused publishes) to n<i>.log.
        ...(process.env.NATS_DEBUG ? ['debug: true'] : []),
        'jetstream {',
        `  store_dir: "${join(dataDir, `n${i + 1}`)}"`,
        '  max_memory_store: 64MB',
        '  max_file_store: 2GB',
        '}',
        ...(nodes > 1
          ? [
              'cluster {',
              '  name: tributary-test',
              `  listen: 127.0.0.1:${ports.route[i]}`,
              '  routes: [',
              routes,
              '  ]',
              '}',
            ]
          : []),
        '',
      ].join('\n'),
    );
    confs.push(conf);
  }
  const children: Array<ChildProcess | undefined> = new Array(nodes).fill(undefined);
  /** Nodes stopped with SIGSTOP: their monitoring endpoint accepts connections and never answers, so it is not asked. */
  const paused = new Set<number>();
  const launch = (i: number): void => {
    const log = openSync(join(dataDir, `n${i + 1}.log`), 'a');
    const child = spawn(NATS_SERVER, ['-c', confs[i]!], { stdio: ['ignore', log, log] });
    closeSync(log);
    child.on('exit', () => {
      if (children[i] === child) children[i] = undefined;
    });
    children[i] = child;
  };
  const ready = async (indices: number[]): Promise<void> => {
    // Readiness is polled (the server has no push notification); 40 s covers a slow, shared 2-core machine.
    for (let attempt = 0; attempt < 80; attempt++) {
      let all = true;
      for (const i of indices) {
        if (!children[i]) throw new Error(`nats-server n${i + 1} exited; see ${join(dataDir, `n${i + 1}.log`)}`);
        if (!(await jetStreamReady(ports.http[i]!, nodes > 1))) all = false;
      }
      if (all) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`nats-server did not become ready; logs in ${dataDir}`);
  };
  const kill = async (i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const child = children[i];
    if (!child) return;
    if (signal === 'SIGSTOP') paused.add(i);
    else paused.delete(i);
    const exited = child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined;
    child.kill(signal);
    if (exited && (signal === 'SIGKILL' || signal === 'SIGTERM')) await exited;
  };
  const cluster: NatsCluster = {
    urls: ports.client.map((port) => `nats://127.0.0.1:${port}`),
    storageUrl: `nats://${ports.client.map((port) => `127.0.0.1:${port}`).join(',')}`,
    dataDir,
    pid: (i) => children[i]?.pid,
    kill,
    async restart(i) {
      await kill(i, 'SIGKILL');
      launch(i);
      await ready([i]);
    },
    indexOf: (name) => Number(name.replace(/^n/, '')) - 1,
    async streamLeader(stream) {
      for (let i = 0; i < nodes; i++) {
        if (!children[i] || paused.has(i)) continue;
        try {
          // A node stopped with SIGSTOP accepts the connection and never answers: bounded wait.
          const res = await fetch(`http://127.0.0.1:${ports.http[i]}/jsz?streams=true`, {
            signal: AbortSignal.timeout(2000),
          });
          const jsz = (await res.json()) as {
            account_details?: Array<{ stream_detail?: Array<{ name: string; cluster?: { leader?: string } }> }>;
          };
          for (const account of jsz.account_details ?? [])
            for (const s of account.stream_detail ?? [])
              if (s.name === stream && s.cluster?.leader) return Number(s.cluster.leader.replace(/^n/, '')) - 1;
        } catch {
          // this node is not answering; ask the next
        }
      }
      return undefined;
    },
    async clientNode(name) {
      for (let i = 0; i < nodes; i++) {
        if (!children[i] || paused.has(i)) continue;
        try {
          const res = await fetch(`http://127.0.0.1:${ports.http[i]}/connz?limit=10000`, {
            signal: AbortSignal.timeout(2000),
          });
          const connz = (await res.json()) as { connections?: Array<{ name?: string }> };
          if ((connz.connections ?? []).some((c) => c.name === name)) return i;
        } catch {
          // this node is not answering; ask the next
        }
      }
      return undefined;
    },
    async moveStreamLeader(stream, i) {
      const live = children.findIndex((c, j) => c !== undefined && j !== i);
      const nc = await connect({
        servers: [`nats://127.0.0.1:${ports.client[live === -1 ? i : live]}`],
        timeout: 2000,
        reconnect: false,
      });
      try {
        // Each step-down elects one of the other replicas; a few rounds reach any given one.
        for (let attempt = 0; attempt < 12; attempt++) {
          const leader = await cluster.streamLeader(stream);
          if (leader === i) return true;
          if (leader !== undefined)
            await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, '', { timeout: 5000 }).catch(() => undefined);
          await new Promise((r) => setTimeout(r, 1000));
        }
        return (await cluster.streamLeader(stream)) === i;
      } finally {
        await nc.close();
      }
    },
    async replicaLastSeq(i, stream) {
      const res = await fetch(`http://127.0.0.1:${ports.http[i]}/jsz?streams=true`, {
        signal: AbortSignal.timeout(2000),
      });
      const jsz = (await res.json()) as {
        account_details?: Array<{ stream_detail?: Array<{ name: string; state?: { last_seq?: number } }> }>;
      };
      for (const account of jsz.account_details ?? [])
        for (const s of account.stream_detail ?? []) if (s.name === stream) return s.state?.last_seq;
      return undefined;
    },
    async directGet(i, stream, seq) {
      const nc = await connect({ servers: [`nats://127.0.0.1:${ports.client[i]}`], timeout: 2000, reconnect: false });
      try {
        const msg = await nc.request(`$JS.API.DIRECT.GET.${stream}`, JSON.stringify({ seq }), { timeout: 2000 });
        // A missing message is a status reply (404) without a body.
        return msg.headers?.code === 404 || msg.data.length === 0 ? null : msg.data;
      } finally {
        await nc.close();
      }
    },
    async stop() {
      await Promise.all(children.map((c, i) => (c ? kill(i, 'SIGTERM') : undefined)));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    for (let i = 0; i < nodes; i++) launch(i);
    await ready(Array.from({ length: nodes }, (_, i) => i));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Whether the server behind this monitoring port serves JetStream (and, clustered, knows a meta leader). */
async function jetStreamReady(httpPort: number, clustered: boolean): Promise<boolean> {
  try {
    const health = await fetch(`http://127.0.0.1:${httpPort}/healthz?js-enabled-only=true`);
    if (!health.ok || ((await health.json()) as { status?: string }).status !== 'ok') return false;
    if (!clustered) return true;
    const jsz = (await (await fetch(`http://127.0.0.1:${httpPort}/jsz`)).json()) as {
      meta_cluster?: { leader?: string };
    };
    return typeof jsz.meta_cluster?.leader === 'string' && jsz.meta_cluster.leader.length > 0;
  } catch {
    return false;
  }
}

/** The version the Debian server reports (`v2.9.10` → `2.9.10`), for version-gated tests. */
export function natsServerVersion(): string | undefined {
  const r = spawnSync(NATS_SERVER, ['--version'], { encoding: 'utf8' });
  return /v?(\d+\.\d+\.\d+)/.exec(r.stdout ?? '')?.[1];
}
