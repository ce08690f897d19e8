/**
 * How the CLI reaches a Kinesis endpoint: the AWS SDK v3 client with the SDK's own credential and region chain
 * (environment, shared config and credentials files, `--profile`, SSO, instance roles, …), plus Tributary's
 * defaults for a local server (docs/adr/0030-cli.md):
 * - endpoint: `--endpoint-url`, else `AWS_ENDPOINT_URL_KINESIS` / `AWS_ENDPOINT_URL`, else `http://127.0.0.1:4567`;
 *   `--endpoint-url aws` means AWS's own endpoint for the region;
 * - region: `--region`, else the SDK's chain (`AWS_REGION`, the profile), else `AWS_DEFAULT_REGION`, else `us-east-1`;
 * - credentials: the SDK's chain; when it finds none and the endpoint is not AWS, throw-away credentials (a Tributary
 *   server in open mode accepts any well-formed signature).
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';

/** The endpoint of a local `tributary serve` with its default port. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4567';

/** The global options every command takes. */
export interface ConnectionOptions {
  readonly endpointUrl?: string;
  readonly region?: string;
  readonly profile?: string;
}

interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A resolved connection: the client and what it resolved to. */
export interface Connection {
  readonly kinesis: KinesisClient;
  /** Undefined when AWS's endpoint is used. */
  readonly endpoint: string | undefined;
  readonly region: string;
  credentials(): Promise<Credentials>;
  /**
   * The SDK client of another service (Firehose, Analytics v2, Kinesis Video), made once, on the same endpoint,
   * region and credentials as the Kinesis client (one Tributary port serves every API).
   */
  client<T extends { destroy(): void }>(make: new (config: ServiceClientConfig) => T): T;
  /** Signs and sends a GET to a path of the endpoint (the non-AWS routes such as the Analytics sample endpoint). */
  signedGet(path: string, service: string, signal?: AbortSignal): Promise<Response>;
  /**
   * SigV4 headers for a request to `url` (any endpoint, e.g. a Kinesis Video data endpoint) whose body is streamed:
   * the payload is declared `UNSIGNED-PAYLOAD`. Returns `headers` plus the signature's.
   */
  signStreaming(
    method: string,
    url: URL,
    service: string,
    headers: Readonly<Record<string, string>>,
  ): Promise<Record<string, string>>;
  destroy(): void;
}

/** What {@link Connection.client} gives a service client's constructor. */
export interface ServiceClientConfig {
  readonly endpoint?: string;
  readonly region: string;
  readonly maxAttempts: number;
  readonly credentials: () => Promise<Credentials>;
}

const LOCAL_CREDENTIALS: Credentials = { accessKeyId: 'tributary-cli', secretAccessKey: 'tributary-cli' };

/** The endpoint the options and environment select (see the header). */
export function chooseEndpoint(options: ConnectionOptions, env: NodeJS.ProcessEnv): string | undefined {
  const chosen = options.endpointUrl ?? env['AWS_ENDPOINT_URL_KINESIS'] ?? env['AWS_ENDPOINT_URL'] ?? DEFAULT_ENDPOINT;
  return chosen === 'aws' ? undefined : chosen;
}

/** Builds the client; resolves region and credentials the way the header says. */
export async function connect(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const endpoint = chooseEndpoint(options, env);
  const base = {
    ...(endpoint ? { endpoint } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    maxAttempts: 3,
  };
  let region = options.region;
  if (region === undefined) {
    const probe = new KinesisClient(base);
    try {
      region = await probe.config.region();
    } catch {
      region = env['AWS_DEFAULT_REGION'] || 'us-east-1';
    } finally {
      probe.destroy();
    }
  }
  let kinesis = new KinesisClient({ ...base, region });
  let credentials: Credentials;
  try {
    credentials = await kinesis.config.credentials();
  } catch (e) {
    if (endpoint === undefined) throw e;
    kinesis.destroy();
    kinesis = new KinesisClient({ ...base, region, credentials: LOCAL_CREDENTIALS });
    credentials = LOCAL_CREDENTIALS;
  }
  const resolvedRegion = region;
  const clients = new Map<unknown, { destroy(): void }>();
  const resolvedKinesis = kinesis;
  return {
    kinesis,
    endpoint,
    region: resolvedRegion,
    credentials: async () => credentials,
    async signStreaming(method, url, service, headers) {
      const signer = new SignatureV4({
        credentials: () => resolvedKinesis.config.credentials(),
        region: resolvedRegion,
        service,
        sha256: Hash.bind(null, 'sha256'),
      });
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: {},
        headers: { ...headers, host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      });
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(signed.headers)) if (k !== 'host') out[k] = String(v);
      return out;
    },
    async signedGet(path, service, signal) {
      if (endpoint === undefined) throw new Error('This command needs a Tributary endpoint (--endpoint-url).');
      const url = new URL(path, endpoint);
      const signer = new SignatureV4({
        credentials,
        region: resolvedRegion,
        service,
        sha256: Hash.bind(null, 'sha256'),
      });
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = v;
      const signed = await signer.sign({
        method: 'GET',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query,
        headers: { host: url.host },
      });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(signed.headers)) if (k !== 'host') headers[k] = String(v);
      return fetch(url, { headers, ...(signal ? { signal } : {}) });
    },
    client<T extends { destroy(): void }>(make: new (config: ServiceClientConfig) => T): T {
      let made = clients.get(make) as T | undefined;
      if (made === undefined) {
        made = new make({
          ...(endpoint ? { endpoint } : {}),
          region: resolvedRegion,
          maxAttempts: 3,
          // The Kinesis client's provider: the chain's credentials (refreshed as the SDK does), or the local ones.
          credentials: () => resolvedKinesis.config.credentials(),
        });
        clients.set(make, made);
      }
      return made;
    },
    destroy: () => {
      kinesis.destroy();
      for (const c of clients.values()) c.destroy();
    },
  };
}
