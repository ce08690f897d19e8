/**
 * A deliberately thin AWS JSON 1.1 client for load generation: pre-encoded bodies sent over kept-alive HTTP/1.1
 * connections, so that the client spends as little CPU per request as possible on a machine it shares with the
 * server. Not a general SDK: no signing (the servers under test check only the shape of SigV4 credentials), no
 * retries.
 *
 * It speaks HTTP/1.1 on `net` sockets itself instead of through `node:http`: with 64 single-record callers the
 * `node:http` client (Agent, ClientRequest, IncomingMessage, its parser) used 55–64 % of a core for ~5,000
 * requests/s, CPU taken from the server on a 2-core machine, so the benchmark measured the load generator as much
 * as the server (docs/adr/0048-bench-raw-http-client.md). Requests are a cached header block plus the body in one
 * corked write; responses are read by status line, Content-Length or chunked framing, and `Connection: close`.
 */
import net from 'node:net';
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

/** Largest response head (status line and headers) accepted before the answer counts as malformed. */
const MAX_HEAD_BYTES = 64 * 1024;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

/** A transport failure, with a `code` as Node's socket errors carry one (the write scenarios count by it). */
function transportError(code: string, message: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(message);
  err.code = code;
  return err;
}

/**
 * Reads one HTTP/1.1 response at a time from the bytes of a connection: the status line and headers, then a
 * body framed by Content-Length, by chunked transfer coding, or by the end of the connection (RFC 9112 §6.3).
 * Interim 1xx answers are skipped. Body bytes are kept as the slices they arrived in and joined once.
 */
class ResponseReader {
  status = 0;
  /** The server asked to close the connection after this response. */
  closeAfter = false;
  private state: 'head' | 'length' | 'chunked' | 'untilClose' = 'head';
  /** Bytes received but not consumed yet (head or chunk-size lines). */
  private pending: Buffer | undefined;
  private parts: Buffer[] = [];
  private remaining = 0;
  /** Chunked: true while the next bytes are a chunk-size line (false: chunk data, then its CRLF). */
  private atSizeLine = true;

  /** Starts reading the next response. */
  reset(): void {
    this.status = 0;
    this.closeAfter = false;
    this.state = 'head';
    this.pending = undefined;
    this.parts = [];
    this.remaining = 0;
    this.atSizeLine = true;
  }

  /** Whether the response so far ends only when the connection does. */
  get endsWithConnection(): boolean {
    return this.state === 'untilClose';
  }

  /** The body received so far. */
  body(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
  }

  /**
   * Takes the next bytes of the connection. Returns true once the response is complete; throws on a malformed
   * answer.
   */
  feed(chunk: Buffer): boolean {
    let data = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    for (;;) {
      if (this.state === 'head') {
        const end = data.indexOf(HEAD_END);
        if (end < 0) {
          if (data.length > MAX_HEAD_BYTES) throw transportError('EPROTO', 'response head too large');
          this.pending = data;
          return false;
        }
        this.readHead(data.toString('latin1', 0, end));
        data = data.subarray(end + HEAD_END.length);
        if (this.status < 200) continue;
        // readHead chose the framing (TypeScript still narrows `state` to 'head' here).
        if ((this.state as string) === 'length' && this.remaining === 0) return this.finish(data);
      }
      if (this.state === 'untilClose') {
        if (data.length > 0) this.parts.push(data);
        return false;
      }
      if (this.state === 'length') {
        if (data.length < this.remaining) {
          if (data.length > 0) this.parts.push(data);
          this.remaining -= data.length;
          return false;
        }
        this.parts.push(data.subarray(0, this.remaining));
        return this.finish(data.subarray(this.remaining));
      }
      // Chunked: size lines, data, and the CRLF after each chunk's data; a zero size ends it after the trailers.
      if (this.atSizeLine) {
        const eol = data.indexOf(CRLF);
        if (eol < 0) {
          this.pending = data;
          return false;
        }
        const size = Number.parseInt(data.toString('latin1', 0, eol).split(';')[0]!.trim(), 16);
        if (!Number.isFinite(size) || size < 0) throw transportError('EPROTO', 'malformed chunk size');
        if (size === 0) {
          // Trailer fields (none expected) end with an empty line.
          const rest = data.subarray(eol);
          const trailerEnd = rest.indexOf(HEAD_END);
          if (rest.length >= 4 && rest[2] === 0x0d && rest[3] === 0x0a) {
            return this.finish(rest.subarray(4));
          }
          if (trailerEnd < 0) {
            this.pending = data;
            return false;
          }
          return this.finish(rest.subarray(trailerEnd + HEAD_END.length));
        }
        this.remaining = size + CRLF.length;
        this.atSizeLine = false;
        data = data.subarray(eol + CRLF.length);
      }
      if (data.length < this.remaining) {
        this.keepChunkData(data, this.remaining);
        this.remaining -= data.length;
        return false;
      }
      this.keepChunkData(data.subarray(0, this.remaining), this.remaining);
      data = data.subarray(this.remaining);
      this.remaining = 0;
      this.atSizeLine = true;
    }
  }

  /** Keeps the data bytes of a chunk slice whose last `remaining` bytes end in the chunk's CRLF. */
  private keepChunkData(slice: Buffer, remaining: number): void {
    const dataBytes = Math.max(0, Math.min(slice.length, remaining - CRLF.length));
    if (dataBytes > 0) this.parts.push(slice.subarray(0, dataBytes));
  }

  private readHead(head: string): void {
    const lines = head.split('\r\n');
    const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!statusLine) throw transportError('EPROTO', `malformed status line: ${(lines[0] ?? '').slice(0, 80)}`);
    this.status = Number(statusLine[1]);
    // An interim answer has no body; the final answer follows with its own headers.
    if (this.status < 200) return;
    let length: number | undefined;
    let chunked = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding') chunked = value.split(',').some((v) => v.trim() === 'chunked');
      else if (name === 'connection') this.closeAfter = value.split(',').some((v) => v.trim() === 'close');
    }
    if (chunked) {
      this.state = 'chunked';
    } else if (length !== undefined) {
      if (!Number.isSafeInteger(length) || length < 0) throw transportError('EPROTO', 'malformed content-length');
      this.state = 'length';
      this.remaining = length;
    } else if (this.status === 204 || this.status === 304) {
      this.state = 'length';
      this.remaining = 0;
    } else {
      this.state = 'untilClose';
      this.closeAfter = true;
    }
  }

  private finish(rest: Buffer): true {
    // One request at a time per connection: bytes after the response are a protocol error.
    if (rest.length > 0) throw transportError('EPROTO', 'unexpected bytes after the response');
    return true;
  }
}

/** The exchange in flight on a {@link Connection}. */
interface Exchange {
  readonly started: number;
  readonly resolve: (res: RawResponse) => void;
  readonly reject: (err: Error) => void;
}

/** One kept-alive connection: at most one exchange at a time, no pipelining. */
class Connection {
  readonly socket: net.Socket;
  /** False once the socket failed or closed: it is never handed out again. */
  usable = true;
  private exchange: Exchange | undefined;
  private readonly reader = new ResponseReader();

  constructor(
    socket: net.Socket,
    timeoutMs: number,
    private readonly onFree: (c: Connection) => void,
    private readonly onGone: (c: Connection) => void,
  ) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(timeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => this.fail(transportError('ETIMEDOUT', `request timed out after ${timeoutMs} ms`)));
    socket.on('error', (err) => this.fail(err));
    socket.on('end', () => {
      if (this.exchange && this.reader.endsWithConnection) this.complete();
      else this.fail(transportError('ECONNRESET', 'the server closed the connection'));
    });
    socket.on('close', () => this.fail(transportError('ECONNRESET', 'the connection closed')));
  }

  /** Sends one request: its head and body in one corked write. */
  send(head: Buffer, body: Buffer, exchange: Exchange): void {
    this.exchange = exchange;
    this.reader.reset();
    this.socket.cork();
    this.socket.write(head);
    this.socket.write(body);
    this.socket.uncork();
  }

  private onData(chunk: Buffer): void {
    if (!this.exchange) {
      this.fail(transportError('EPROTO', 'bytes from the server with no request in flight'));
      return;
    }
    let done: boolean;
    try {
      done = this.reader.feed(chunk);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    if (done) this.complete();
  }

  private complete(): void {
    const exchange = this.exchange!;
    this.exchange = undefined;
    const res = {
      status: this.reader.status,
      body: this.reader.body(),
      latencyMs: performance.now() - exchange.started,
    };
    if (this.reader.closeAfter) this.close();
    else this.onFree(this);
    exchange.resolve(res);
  }

  private fail(err: Error): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    this.close();
    exchange?.reject(err);
  }

  close(): void {
    if (this.usable) {
      this.usable = false;
      this.onGone(this);
    }
    this.socket.destroy();
  }
}

/** Keep-alive JSON 1.1 client for one server. */
export class KinesisHttpClient {
  readonly #host: string;
  readonly #port: number;
  readonly #timeoutMs: number;
  readonly #maxSockets: number;
  /** The request head up to the Content-Length value, per operation. */
  readonly #heads = new Map<string, string>();
  readonly #headStart: string;
  readonly #target: string;
  readonly #idle: Connection[] = [];
  readonly #open = new Set<Connection>();
  /** Callers waiting for a connection while {@link #maxSockets} are busy. */
  readonly #waiting: ((c: Connection | Error) => void)[] = [];
  #connecting = 0;

  /** @param port the server's loopback port. */
  constructor(port: number, options: Partial<KinesisHttpClientOptions> = {}) {
    this.#port = port;
    this.#host = options.host ?? '127.0.0.1';
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#maxSockets = options.maxSockets ?? 8;
    this.#target = options.targetPrefix ?? 'Kinesis_20131202';
    const auth = authHeaders(new Date(), options.signingName ?? 'kinesis');
    this.#headStart =
      `host: ${this.#host}:${port}\r\ncontent-type: application/x-amz-json-1.1\r\n` +
      `authorization: ${auth.authorization}\r\nx-amz-date: ${auth['x-amz-date']}\r\nconnection: keep-alive\r\n`;
  }

  /**
   * Sends a pre-encoded body to `<target prefix>.<operation>` and resolves with the raw response
   * whatever its status. Rejects only on transport errors (refused, reset, timeout, malformed answer).
   */
  async send(operation: string, body: Buffer): Promise<RawResponse> {
    const connection = await this.#acquire();
    return new Promise((resolve, reject) => {
      connection.send(this.#head(operation, body.length), body, { started: performance.now(), resolve, reject });
    });
  }

  /** Sends `input` as JSON and returns the parsed output; throws {@link KinesisCallError} on non-200. */
  async call<T = Record<string, unknown>>(operation: string, input: unknown): Promise<T> {
    const res = await this.send(operation, Buffer.from(JSON.stringify(input)));
    if (res.status !== 200) throw errorFromResponse(res);
    return (res.body.length === 0 ? {} : JSON.parse(res.body.toString('utf8'))) as T;
  }

  /** Closes every connection; requests in flight fail with a transport error. */
  close(): void {
    for (const c of [...this.#open]) c.close();
    this.#idle.length = 0;
  }

  #head(operation: string, length: number): Buffer {
    let start = this.#heads.get(operation);
    if (start === undefined) {
      start = `POST / HTTP/1.1\r\nx-amz-target: ${this.#target}.${operation}\r\n${this.#headStart}content-length: `;
      this.#heads.set(operation, start);
    }
    return Buffer.from(`${start}${length}\r\n\r\n`, 'latin1');
  }

  #acquire(): Promise<Connection> {
    for (let c = this.#idle.pop(); c !== undefined; c = this.#idle.pop()) {
      if (c.usable) return Promise.resolve(c);
    }
    if (this.#open.size + this.#connecting < this.#maxSockets) return this.#connect();
    return new Promise((resolve, reject) => {
      this.#waiting.push((c) => (c instanceof Error ? reject(c) : resolve(c)));
    });
  }

  #connect(): Promise<Connection> {
    this.#connecting++;
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.#port, this.#host);
      const refused = (err: Error): void => {
        this.#connecting--;
        reject(err);
        // A caller waiting for a free connection may now open its own.
        this.#waiting.shift()?.(err);
      };
      socket.once('error', refused);
      socket.once('connect', () => {
        socket.off('error', refused);
        this.#connecting--;
        const c = new Connection(
          socket,
          this.#timeoutMs,
          (free) => this.#release(free),
          (gone) => this.#forget(gone),
        );
        this.#open.add(c);
        resolve(c);
      });
    });
  }

  #release(c: Connection): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(c);
    else this.#idle.push(c);
  }

  #forget(c: Connection): void {
    this.#open.delete(c);
    const at = this.#idle.indexOf(c);
    if (at >= 0) this.#idle.splice(at, 1);
    // A caller waiting for a free connection may open a new one in its place.
    const waiter = this.#waiting.shift();
    if (waiter) this.#connect().then(waiter, waiter);
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
