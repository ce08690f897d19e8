/**
 * The console's only way to the server: the public Kinesis Data Streams API, through the browser build of the
 * AWS SDK (so requests are signed with SigV4 exactly as any SDK signs them). Credentials are what the user
 * entered, kept in sessionStorage for the tab's lifetime only; with security off the server accepts any
 * well-formed signature, so placeholder credentials are used until the user enters some.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { KinesisAnalyticsV2Client } from '@aws-sdk/client-kinesis-analytics-v2';
import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { KinesisVideoArchivedMediaClient } from '@aws-sdk/client-kinesis-video-archived-media';
import { SignatureV4 } from '@smithy/signature-v4';

export interface ConsoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly region: string;
}

const STORAGE_KEY = 'tributary.console.credentials';

/** Used when the user entered nothing: enough for a server in open mode (any well-formed signature). */
const OPEN_MODE_CREDENTIALS: ConsoleCredentials = {
  accessKeyId: 'TRIBUTARYCONSOLE',
  secretAccessKey: 'console',
  sessionToken: '',
  region: 'us-east-1',
};

export function loadCredentials(): ConsoleCredentials | undefined {
  const text = sessionStorage.getItem(STORAGE_KEY);
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as Partial<ConsoleCredentials>;
    if (typeof value.accessKeyId !== 'string' || typeof value.secretAccessKey !== 'string') return undefined;
    return {
      accessKeyId: value.accessKeyId,
      secretAccessKey: value.secretAccessKey,
      sessionToken: typeof value.sessionToken === 'string' ? value.sessionToken : '',
      region: typeof value.region === 'string' && value.region !== '' ? value.region : OPEN_MODE_CREDENTIALS.region,
    };
  } catch {
    return undefined;
  }
}

export function saveCredentials(credentials: ConsoleCredentials | undefined): void {
  if (credentials === undefined) sessionStorage.removeItem(STORAGE_KEY);
  else sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
  cached = undefined;
}

let cached: KinesisClient | undefined;

/** The Kinesis client for the current credentials, on this page's own origin. */
export function kinesis(): KinesisClient {
  if (cached !== undefined) return cached;
  const c = loadCredentials() ?? OPEN_MODE_CREDENTIALS;
  cached = new KinesisClient({
    endpoint: window.location.origin,
    region: c.region,
    maxAttempts: 1,
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.sessionToken === '' ? {} : { sessionToken: c.sessionToken }),
    },
  });
  return cached;
}

/** An API error as the server returned it: its AWS error type and message, shown verbatim. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const type = e.name;
    return e.message === '' ? type : `${type}: ${e.message}`;
  }
  return String(e);
}

/** The credentials to sign with now: the ones entered, else the open-mode placeholders. */
export function currentCredentials(): ConsoleCredentials {
  return loadCredentials() ?? OPEN_MODE_CREDENTIALS;
}

/** The SDK client settings every service's client shares: this origin, the current credentials, no retries. */
function clientSettings() {
  const c = currentCredentials();
  return {
    endpoint: window.location.origin,
    region: c.region,
    maxAttempts: 1,
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.sessionToken === '' ? {} : { sessionToken: c.sessionToken }),
    },
  };
}

/**
 * One client per service, rebuilt when the stored credentials change (the cache is keyed by what
 * sessionStorage holds, so saving credentials needs no extra step here).
 */
const serviceClients = new Map<string, { key: string; client: { destroy(): void } }>();
function serviceClient<T extends { destroy(): void }>(
  service: string,
  build: (settings: ReturnType<typeof clientSettings>) => T,
): T {
  const key = sessionStorage.getItem(STORAGE_KEY) ?? '';
  const entry = serviceClients.get(service);
  if (entry !== undefined && entry.key === key) return entry.client as T;
  entry?.client.destroy();
  const client = build(clientSettings());
  serviceClients.set(service, { key, client });
  return client;
}

/** Amazon Data Firehose on this server. */
export function firehose(): FirehoseClient {
  return serviceClient('firehose', (s) => new FirehoseClient(s));
}

/** Managed Service for Apache Flink (Kinesis Data Analytics API version 2), SQL applications. */
export function analytics(): KinesisAnalyticsV2Client {
  return serviceClient('kinesisanalyticsv2', (s) => new KinesisAnalyticsV2Client(s));
}

/** Kinesis Video Streams' control plane. */
export function video(): KinesisVideoClient {
  return serviceClient('kinesisvideo', (s) => new KinesisVideoClient(s));
}

/**
 * Kinesis Video Streams' archived media API. AWS's clients first ask GetDataEndpoint for its endpoint; this server
 * answers every API on one origin (docs/adr/0003-one-port-wire-pipeline.md), which is also the only origin the
 * page may talk to (connect-src 'self').
 */
export function archivedMedia(): KinesisVideoArchivedMediaClient {
  return serviceClient('kinesisvideoarchivedmedia', (s) => new KinesisVideoArchivedMediaClient(s));
}

/**
 * A GET of one of the server's non-AWS paths (the operations endpoint /metrics, the Analytics sample endpoint),
 * signed with SigV4 for `service` exactly as the CLI signs it, so it passes with security on; with security off
 * these paths accept any well-formed signature too. A non-2xx answer becomes an Error named after the AWS error
 * type the server put in its body or `x-amzn-ErrorType` header.
 */
export async function signedGet(path: string, service: string, signal?: AbortSignal): Promise<Response> {
  const url = new URL(path, window.location.origin);
  const c = currentCredentials();
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.sessionToken === '' ? {} : { sessionToken: c.sessionToken }),
    },
    region: c.region,
    service,
    // The SDK's own browser SHA-256, as its clients sign with.
    sha256: kinesis().config.sha256,
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
  // The browser sets Host itself, to the same value that was signed.
  for (const [k, v] of Object.entries(signed.headers)) if (k !== 'host') headers[k] = String(v);
  const response = await fetch(url, { headers, ...(signal ? { signal } : {}) });
  if (response.ok) return response;
  const text = await response.text();
  let type = response.headers.get('x-amzn-errortype')?.split(':')[0] ?? '';
  let message = text;
  try {
    const body = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
    type = body.__type?.split('#').pop() ?? type;
    message = body.message ?? body.Message ?? '';
  } catch {
    // Not JSON: the text is the message.
  }
  const error = new Error(message.trim());
  error.name = type || `HTTP ${response.status}`;
  throw error;
}
