/**
 * A deliberately thin AWS JSON 1.1 client for load generation: pre-encoded bodies sent over
 * keep-alive HTTP/1.1 (`node:http` Agent), so that the client spends as little CPU per request as
 * possible on a machine it shares with the server. Not a general SDK: no signing (the servers
 * under test check only the shape of SigV4 credentials), no retries.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** What one HTTP exchange returned. */
export interface RawResponse {
  readonly status: number;
  readonly body: Buffer;
  /** Milliseconds from sending the request to the last byte of the response. */
  readonly latencyMs: number;
}

/** An AWS error response (`{"__type": ..., "message": ...}`) turned into an exception. */
export class KinesisCallError extends Error {
  /** The `__type` of the error body, without any `namespace#` prefix; `HTTP<status>` if absent. */
  readonly code: string;
  readonly status: number;
  constructor(code: string, details: { status: number; message: string }) {
    super(`${code} (HTTP ${details.status}): ${details.message}`);
    this.name = 'KinesisCallError';
    this.code = code;
    this.status = details.status;
  }
}

/** Options of {@link KinesisHttpClient}. */
export interface KinesisHttpClientOptions {
  /** Default `127.0.0.1`. */
  readonly host: string;
  /** Upper bound on open sockets; set it to the number of concurrent callers. Default 8. */
  readonly maxSockets: number;
  /** Per-request inactivity timeout in ms. Default 60 000. */
  readonly timeoutMs: number;
  /** `X-Amz-Target` prefix of the service called. Default `Kinesis_20131202` (`Firehose_20150804` for Firehose). */
  readonly targetPrefix: string;
  /** Service name in the credential scope. Default `kinesis`. */
  readonly signingName: string;
}

/**
 * SigV4-shaped headers (by default the server checks presence and shape only; docs/architecture.md, "Request
 * lifecycle"). The credential scope date must be the `YYYYMMDD` of `X-Amz-Date`, as in a real signature, so both are
 * derived from the same clock reading.
 */
export function authHeaders(
  now: Date = new Date(),
  signingName = 'kinesis',
): { authorization: string; 'x-amz-date': string } {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  const day = amzDate.slice(0, 8);
  return {
    authorization:
      `AWS4-HMAC-SHA256 Credential=AKIDBENCH/${day}/us-east-1/${signingName}/aws4_request, ` +
      'SignedHeaders=host;x-amz-date, Signature=abc',
    'x-amz-date': amzDate,
  };
}

/** Keep-alive JSON 1.1 client for one server. */
export class KinesisHttpClient {
  readonly #agent: http.Agent;
  readonly #host: string;
  readonly #port: number;
  readonly #timeoutMs: number;
  readonly #target: string;
  readonly #auth: { authorization: string; 'x-amz-date': string };

  /** @param port the server's loopback port. */
  constructor(port: number, options: Partial<KinesisHttpClientOptions> = {}) {
    this.#port = port;
    this.#host = options.host ?? '127.0.0.1';
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#target = options.targetPrefix ?? 'Kinesis_20131202';
    this.#auth = authHeaders(new Date(), options.signingName ?? 'kinesis');
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 8 });
  }

  /**
   * Sends a pre-encoded body to `<target prefix>.<operation>` and resolves with the raw response
   * whatever its status. Rejects only on transport errors (refused, reset, timeout).
   */
  send(operation: string, body: Buffer): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.request(
        {
          agent: this.#agent,
          host: this.#host,
          port: this.#port,
          method: 'POST',
          path: '/',
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': `${this.#target}.${operation}`,
            'content-length': body.length,
            ...this.#auth,
          },
          timeout: this.#timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            resolve({
              status: res.statusCode ?? 0,
              body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
              latencyMs: performance.now() - started,
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`request timed out after ${this.#timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Sends `input` as JSON and returns the parsed output; throws {@link KinesisCallError} on non-200. */
  async call<T = Record<string, unknown>>(operation: string, input: unknown): Promise<T> {
    const res = await this.send(operation, Buffer.from(JSON.stringify(input)));
    if (res.status !== 200) throw errorFromResponse(res);
    return (res.body.length === 0 ? {} : JSON.parse(res.body.toString('utf8'))) as T;
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.#agent.destroy();
  }
}

/** Builds a {@link KinesisCallError} from a non-200 response (tolerates non-JSON bodies). */
export function errorFromResponse(res: Pick<RawResponse, 'status' | 'body'>): KinesisCallError {
  let code = `HTTP${res.status}`;
  let message = res.body.toString('utf8').slice(0, 300);
  try {
    const parsed = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
    if (typeof parsed['__type'] === 'string') code = parsed['__type'].replace(/^.*#/, '');
    const m = parsed['message'] ?? parsed['Message'];
    if (typeof m === 'string') message = m;
  } catch {
    // Not JSON (e.g. a proxy or crash page): keep the raw text.
  }
  return new KinesisCallError(code, { status: res.status, message });
}
