/** Starts a real Tributary server on a free loopback port with its own temporary data dir. */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { generateSelfSigned, startServer, type RunningServer, type ServerConfig } from '../../src/server/index.js';

export interface TestServer {
  readonly server: RunningServer;
  readonly dataDir: string;
  /** The default SDK v3 client (HTTP/2 to our endpoint), static credentials. */
  readonly kinesis: KinesisClient;
  /** Stops the server; keeps the data dir unless `remove` (default true). */
  close(remove?: boolean): Promise<void>;
}

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTRIBUTARYTEST', secretAccessKey: 'test-secret' } as const;

export function kinesisClient(url: string, region = 'us-east-1'): KinesisClient {
  return new KinesisClient({ endpoint: url, region, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
}

/**
 * `TRIBUTARY_TEST_STORAGE=nats://h1:p1,h2:p2,h3:p3` starts every test server on that NATS JetStream cluster, under a
 * name prefix derived from its data directory (a server started again on the same directory finds its data), so the
 * suites that use {@link startTestServer} run against the NATS backend (issue 12: every Data Streams operation works
 * on it). Unset: the embedded log in the server's data directory.
 */
const TEST_STORAGE = process.env.TRIBUTARY_TEST_STORAGE;

export async function startTestServer(config: Partial<ServerConfig> = {}, dataDir?: string): Promise<TestServer> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'tributary-test-')));
  const server = await startServer({
    ...(TEST_STORAGE
      ? { storage: TEST_STORAGE, natsPrefix: `T${createHash('sha256').update(dir).digest('hex').slice(0, 16)}` }
      : {}),
    host: '127.0.0.1',
    port: 0,
    dataDir: dir,
    logLevel: 'error',
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    firehoseCreateMs: 0,
    firehoseDeleteMs: 0,
    videoCreateMs: 0,
    videoUpdateMs: 0,
    videoDeleteMs: 0,
    firehoseSseMs: 0,
    ...config,
  });
  const kinesis = kinesisClient(server.url);
  return {
    server,
    dataDir: dir,
    kinesis,
    async close(remove = true) {
      kinesis.destroy();
      await server.close();
      if (remove) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A TLS server (HTTP/2 + HTTP/1.1 by ALPN) with a fresh self-signed certificate written to `certFile`. */
export interface TlsTestServer {
  readonly server: RunningServer;
  readonly dir: string;
  /** PEM of the server certificate, for NODE_EXTRA_CA_CERTS or an agent's `ca`. */
  readonly certFile: string;
  close(): Promise<void>;
}

export async function startTlsTestServer(config: Partial<ServerConfig> = {}): Promise<TlsTestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-tls-'));
  const material = generateSelfSigned({ hosts: ['127.0.0.1'] });
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await writeFile(certFile, material.cert);
  await writeFile(keyFile, material.key);
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir: dir,
    logLevel: 'silent',
    createStreamMs: 0,
    tlsCert: certFile,
    tlsKey: keyFile,
    ...config,
  });
  return {
    server,
    dir,
    certFile,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
