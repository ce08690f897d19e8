/**
 * The console's only way to the server: the public Kinesis Data Streams API, through the browser build of the
 * AWS SDK (so requests are signed with SigV4 exactly as any SDK signs them). Credentials are what the user
 * entered, kept in sessionStorage for the tab's lifetime only; with security off the server accepts any
 * well-formed signature, so placeholder credentials are used until the user enters some.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
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

/**
 * The server's read-only metrics (`GET /metrics`, Prometheus text; docs/adr/0031-metrics-naming.md). Signed with
 * SigV4 for the service name `tributary` as any scraper signs it when security is enforced (IAM action
 * `tributary:GetMetrics`); in open mode the server accepts the placeholder credentials' signature like any other.
 * A refusal is thrown as the server returned it: its error type and message.
 */
export async function fetchMetricsText(): Promise<string> {
  const c = loadCredentials() ?? OPEN_MODE_CREDENTIALS;
  const signer = new SignatureV4({
    service: 'tributary',
    region: c.region,
    sha256: kinesis().config.sha256,
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.sessionToken === '' ? {} : { sessionToken: c.sessionToken }),
    },
  });
  const url = new URL('/metrics', window.location.origin);
  const signed = await signer.sign({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    path: url.pathname,
    query: {},
    headers: { host: url.host },
  });
  // The browser sets Host itself (to the same value that was signed).
  const { host: _host, ...headers } = signed.headers;
  const response = await fetch(url, { headers, cache: 'no-store' });
  const text = await response.text();
  if (response.ok) return text;
  throw new ApiError(response, text);
}

/** A non-2xx answer of a plain HTTP endpoint, named by its AWS error type as the SDK would name it. */
export class ApiError extends Error {
  constructor(response: Response, body: string) {
    let type = response.headers.get('x-amzn-errortype')?.split(':')[0] ?? '';
    let message = '';
    try {
      const parsed = JSON.parse(body) as { __type?: unknown; message?: unknown; Message?: unknown };
      if (type === '' && typeof parsed.__type === 'string') type = parsed.__type.split('#').pop() ?? '';
      const m = parsed.message ?? parsed.Message;
      if (typeof m === 'string') message = m;
    } catch {
      message = body.trim();
    }
    super(message);
    this.name = type !== '' ? type : `HTTP ${response.status}`;
  }
}
