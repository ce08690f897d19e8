/**
 * One TCP port, two HTTP versions (docs/adr/0003-one-port-wire-pipeline.md). Node's cleartext `http2` server has no
 * HTTP/1 fallback, so a plain `net` server accepts every socket, reads until it can tell whether
 * the client opened with the 24-byte HTTP/2 preface (RFC 9113 §3.4, "prior knowledge"), puts the
 * bytes back and hands the socket to an `http2` or an `http` server. Both feed one request handler,
 * which reads the body (with a cap) and runs the {@link Pipeline}.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../protocol/index.js';
import type { Pipeline, PipelineResponse } from './pipeline.js';
import type { BodyPlan } from './router.js';
import { CommonErrors, ServiceError } from '../protocol/index.js';

/** Client connection preface of HTTP/2 (RFC 9113 §3.4). */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Timeouts, header limits and HTTP/2 windows. Values are generous: clients are SDKs on a local network. */
const LIMITS = {
  /** Largest request header block (HTTP/1.1 maxHeaderSize, HTTP/2 maxHeaderListSize); SDK headers are ~2 KiB. */
  maxHeaderBytes: 16 * 1024,
  /** A connection must send its first bytes (preface or request line) within this time. */
  firstBytesMs: 30_000,
  /** HTTP/1.1: complete headers within this time (Node's headersTimeout). */
  headersMs: 60_000,
  /**
   * A request body must be complete within this time after its headers (HTTP/1.1 and HTTP/2 alike). Enforced per
   * request rather than with Node's server-wide requestTimeout, which would also cut long-lived uploads
   * (RestRouteTraits.uncappedStream: a PutMedia camera streams for up to 45 minutes).
   */
  requestMs: 300_000,
  /** HTTP/1.1: idle keep-alive connections close after this; above the SDKs' own idle timeouts is not needed. */
  keepAliveMs: 65_000,
  /** HTTP/2: idle sessions close after this. */
  h2IdleMs: 300_000,
  /** HTTP/2 per-stream receive window (SETTINGS_INITIAL_WINDOW_SIZE); the 64 KiB default makes 10 MiB bodies crawl. */
  h2StreamWindow: 16 * 1024 * 1024,
  /** HTTP/2 connection receive window. */
  h2SessionWindow: 64 * 1024 * 1024,
  /** HTTP/2 memory per session, in MB (nghttp2 buffers); must hold several windows. */
  h2SessionMemoryMb: 256,
  /** HTTP/2 concurrent streams per session. */
  h2MaxStreams: 1000,
};

/** The overridable limits of {@link listen} (tests shorten the timeouts). */
export type ListenerLimits = { -readonly [K in keyof typeof LIMITS]: number };

/** Options for {@link listen}. */
export interface ListenOptions {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  readonly maxBodyBytes: number;
  readonly maxConnections: number;
  readonly logger: Logger;
  /** Serve TLS (HTTP/2 and HTTP/1.1 chosen by ALPN) with this PEM certificate and key. Default cleartext. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /**
   * How to take each request's body, asked before reading it (the router answers from the operations' traits:
   * per-operation caps, streamed bodies). Default: read in full, `maxBodyBytes` for all.
   */
  readonly bodyPlan?: (method: string, url: string, target: string | undefined) => BodyPlan;
  /** Overrides of the built-in timeouts and limits. */
  readonly limits?: Partial<ListenerLimits>;
}

/** A bound port. */
export interface Listener {
  readonly host: string;
  readonly port: number;
  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs` (default 2000), aborts
   * event streams at once, then destroys what is left. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

type AnyRequest = http.IncomingMessage | http2.Http2ServerRequest;
type AnyResponse = http.ServerResponse | http2.Http2ServerResponse;

/** Binds the port and serves the pipeline on it. */
export async function listen(pipeline: Pipeline, options: ListenOptions): Promise<Listener> {
  const { logger, maxBodyBytes } = options;
  const limits: ListenerLimits = { ...LIMITS, ...options.limits };
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const streaming = new Set<AbortController>();
  let closing = false;
  let closed: Promise<void> | undefined;
  let onDrained: (() => void) | undefined;

  const onRequest = (req: AnyRequest, res: AnyResponse): void => {
    handle(req, res).catch((e: unknown) => {
      logger.error({ err: e }, 'response failed');
      destroyQuietly(res);
    });
  };

  const h1 = http.createServer(
    {
      keepAlive: true,
      keepAliveTimeout: limits.keepAliveMs,
      headersTimeout: limits.headersMs,
      // Off: Node's requestTimeout covers every request on the server, long-lived uploads included; each body gets
      // `requestMs` below instead (readBody, streamBody), except the uncapped streams that bound themselves.
      requestTimeout: 0,
      // Node checks the headers timeout on this interval (default 30 s, which would let a
      // slow client hold a socket well past its deadline).
      connectionsCheckingInterval: Math.max(50, Math.min(5000, Math.floor(limits.headersMs / 2))),
      maxHeaderSize: limits.maxHeaderBytes,
      noDelay: true,
    },
    onRequest,
  );
  h1.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
    // Malformed HTTP/1.x or a timeout: answer 400/408 if the socket can still take it, then close.
    logger.debug({ err: err.message, code: err.code }, 'HTTP/1 client error');
    if (socket.writable && !socket.destroyed && err.code !== 'ECONNRESET') {
      const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else {
      socket.destroy();
    }
  });

  const h2 = http2.createServer(
    {
      settings: {
        initialWindowSize: limits.h2StreamWindow,
        maxConcurrentStreams: limits.h2MaxStreams,
        maxHeaderListSize: limits.maxHeaderBytes,
      },
      maxSessionMemory: limits.h2SessionMemoryMb,
    },
    onRequest,
  );
  h2.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', (err) => logger.debug({ err: err.message }, 'HTTP/2 session error'));
    session.setTimeout(limits.h2IdleMs, () => session.close());
    try {
      session.setLocalWindowSize(limits.h2SessionWindow);
    } catch (err) {
      logger.debug({ err: (err as Error).message }, 'HTTP/2 window not raised');
    }
    if (closing) session.close();
  });
  h2.on('sessionError', (err) => logger.debug({ err: err.message }, 'HTTP/2 session error'));
  h2.on('stream', (stream) => stream.on('error', (err) => logger.debug({ err: err.message }, 'HTTP/2 stream error')));

  const accept = (socket: net.Socket, dispatch: (socket: net.Socket) => void): void => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) onDrained?.();
    });
    // A reset or broken socket must never crash the process; the HTTP layers add their own handling.
    socket.on('error', (err) => logger.debug({ err: err.message }, 'socket error'));
    if (closing) {
      socket.destroy();
      return;
    }
    dispatch(socket);
  };
  // TLS: ALPN picks the protocol (RFC 7301), so no sniffing; `h2` sessions and HTTP/1.1 share the
  // same two servers and handler as the cleartext port.
  const server: net.Server = options.tls
    ? tls.createServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          ALPNProtocols: ['h2', 'http/1.1'],
          handshakeTimeout: limits.firstBytesMs,
          minVersion: 'TLSv1.2',
        },
        (socket) =>
          accept(socket, (s) => {
            if ((s as tls.TLSSocket).alpnProtocol === 'h2') h2.emit('connection', s);
            else h1.emit('connection', s);
          }),
      )
    : net.createServer({ noDelay: true }, (socket) => accept(socket, sniff));
  server.maxConnections = options.maxConnections;
  // Failed handshakes (port scanners, plain HTTP to the TLS port) are routine; never crash on them.
  server.on('tlsClientError', (err: Error) => logger.debug({ err: err.message }, 'TLS handshake failed'));

  function sniff(socket: net.Socket): void {
    let seen: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), limits.firstBytesMs);
    const onEnd = (): void => {
      clearTimeout(timer);
      socket.destroy();
    };
    const onData = (chunk: Buffer): void => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, PREFACE.length);
      const matches = seen.compare(PREFACE, 0, n, 0, n) === 0;
      // The preface may arrive split across packets: wait until it is complete or has diverged.
      if (matches && seen.length < PREFACE.length) return;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.pause();
      socket.unshift(seen);
      if (matches) {
        // The HTTP/2 session drains the bytes put back and then reads the socket handle natively;
        // resuming the JS stream here would steal frames from it (the session fails with GOAWAY 2).
        h2.emit('connection', socket);
      } else {
        // The HTTP/1 parser reads through the JS stream, which pause() stopped.
        h1.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
  }

  async function handle(req: AnyRequest, res: AnyResponse): Promise<void> {
    const receivedAt = Date.now();
    // The request's AbortSignal is made only when something asks for it (most handlers never do): one
    // AbortController per request was 2% of server time under many small requests.
    let controller: AbortController | undefined;
    let gone = false;
    const abort = (): void => {
      gone = true;
      controller?.abort();
    };
    const lazyController = (): AbortController => {
      if (controller === undefined) {
        controller = new AbortController();
        if (gone) controller.abort();
      }
      return controller;
    };
    let finished = false;
    res.on('close', () => {
      // 'close' before the response completed: the client went away.
      if (!finished && !res.writableFinished) abort();
    });
    req.on('error', abort);

    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const target = req.headers['x-amz-target'];
    const plan = options.bodyPlan?.(method, url, typeof target === 'string' ? target : undefined);
    const streamed = plan?.streaming === true;
    // An uncapped stream (RestRouteTraits.uncappedStream) bounds itself: no overall cap, no whole-body deadline.
    const uncapped = streamed && plan?.limitBytes === Number.POSITIVE_INFINITY;
    const bodyLimitBytes = uncapped
      ? Number.POSITIVE_INFINITY
      : Math.min(maxBodyBytes, plan?.limitBytes ?? maxBodyBytes);
    const body = streamed ? Buffer.alloc(0) : await readBody(req, bodyLimitBytes, limits.requestMs);
    if (body === 'aborted') {
      abort();
      return;
    }
    const response = await pipeline({
      method,
      url,
      headers: flattenHeaders(req.headers),
      body: body === 'too-large' ? Buffer.alloc(0) : body,
      ...(streamed
        ? {
            bodyStream: streamBody(
              req,
              bodyLimitBytes,
              uncapped ? Number.POSITIVE_INFINITY : limits.requestMs,
              lazyController(),
            ),
          }
        : {}),
      bodyTooLarge: body === 'too-large',
      get signal() {
        return lazyController().signal;
      },
      receivedAt,
      bodyLimitBytes,
      ...(req.socket?.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}),
      ...(options.tls ? { secure: true } : {}),
    });
    if (res.destroyed || gone) return;
    // A body left unread (413, or a streamed body the handler did not finish) cannot be skipped on HTTP/1.1
    // keep-alive; end the connection.
    const endConnection = body === 'too-large' || (streamed && !req.readableEnded) || closing;
    await write(res, response, { endConnection, controller: lazyController });
    finished = true;
    if (body === 'too-large' && 'stream' in res) res.stream.close(http2.constants.NGHTTP2_NO_ERROR);
  }

  async function write(
    res: AnyResponse,
    response: PipelineResponse,
    { endConnection, controller: lazy }: { endConnection: boolean; controller: () => AbortController },
  ): Promise<void> {
    // The pipeline made this object for this response alone: add to it rather than copy it.
    const headers: Record<string, string | number> = response.headers;
    const isH1 = !('stream' in res);
    if (isH1 && endConnection) headers['connection'] = 'close';
    const { body } = response;
    if (Buffer.isBuffer(body)) {
      headers['content-length'] = body.length;
      res.writeHead(response.status, headers);
      res.end(body);
      return;
    }
    // An event stream: write chunks as the producer yields them, honouring back-pressure.
    const controller = lazy();
    streaming.add(controller);
    try {
      res.writeHead(response.status, headers);
      // Send the status and headers now: a long-lived stream (PutMedia's acks) may write its first chunk much later,
      // and its client may wait for the status before it sends the body.
      if ('flushHeaders' in res && typeof res.flushHeaders === 'function') res.flushHeaders();
      // Both response classes have write(chunk): boolean; their union's overloads are not callable.
      const out = res as unknown as { write(chunk: Uint8Array): boolean };
      for await (const chunk of body) {
        if (controller.signal.aborted || res.destroyed) break;
        if (!out.write(chunk)) await drainOrClose(res);
      }
    } finally {
      streaming.delete(controller);
      if (!res.destroyed) res.end();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger.error({ err }, 'listener error'));
  // Node starts its header/request timeout checks when the server emits 'listening'. This server
  // never listens itself (sockets come from the sniffer), so start them explicitly.
  h1.emit('listening');
  const address = server.address() as net.AddressInfo;

  return {
    host: options.host,
    port: address.port,
    close(graceMs = 2000): Promise<void> {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const controller of streaming) controller.abort();
        for (const session of sessions) session.close();
        h1.closeIdleConnections();
        if (sockets.size > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, graceMs);
            onDrained = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
        for (const socket of sockets) socket.destroy();
        // Clears the timeout-check interval started by the 'listening' emit above.
        h1.close();
        await stopped;
      })();
      return closed;
    },
  };
}

/**
 * Ends a request whose body missed its deadline: HTTP/1.1 answers 408 and closes the connection (as Node's own
 * request timeout does), HTTP/2 resets the stream.
 */
function timedOut(req: AnyRequest): void {
  const socket = 'stream' in req ? undefined : req.socket;
  if (socket?.writable && !socket.destroyed) {
    socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.once('finish', () => socket.destroy());
    return;
  }
  req.destroy();
}

/**
 * Reads the whole body, or stops at the cap. Resolves 'aborted' if the client goes away or does
 * not finish within `deadlineMs` (a slow body on HTTP/2, where Node has no request timeout).
 */
function readBody(req: AnyRequest, max: number, deadlineMs: number): Promise<Buffer | 'too-large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const timer = setTimeout(() => {
      finish('aborted');
      timedOut(req);
    }, deadlineMs);
    const finish = (value: Buffer | 'too-large' | 'aborted'): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.removeListener('data', onData);
      resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        req.pause();
        finish('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', () => finish('aborted'));
    req.on('close', () => finish('aborted'));
  });
}

/**
 * The body as it arrives, for handlers that stream it (PutMedia). Ends with RequestEntityTooLargeException once
 * more than `max` bytes came, and aborts the request when the client is gone or the whole body takes longer than
 * `deadlineMs` (the same cap and deadline as bodies read in full).
 */
async function* streamBody(
  req: AnyRequest,
  max: number,
  deadlineMs: number,
  controller: AbortController,
): AsyncIterable<Buffer> {
  const declared = Number(req.headers['content-length']);
  const tooLarge = (): ServiceError =>
    new ServiceError(CommonErrors.RequestEntityTooLargeException, `Request body exceeds the limit of ${max} bytes.`);
  if (Number.isFinite(declared) && declared > max) throw tooLarge();
  const timer = Number.isFinite(deadlineMs)
    ? setTimeout(() => {
        controller.abort();
        timedOut(req);
      }, deadlineMs)
    : undefined;
  // A body its handler stopped reading (an upload taken over by a newer one) must not keep the process alive.
  timer?.unref();
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw tooLarge();
      yield chunk;
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Node gives repeated headers as arrays (and HTTP/2 pseudo-headers alongside); the pipeline wants strings. */
function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string | undefined> {
  // Node already joins repeated headers except a few (set-cookie): copy only when one is an array.
  let out: Record<string, string | undefined> | undefined;
  for (const name in headers) {
    const value = headers[name];
    if (Array.isArray(value)) {
      out ??= { ...(headers as Record<string, string | undefined>) };
      out[name] = value.join(', ');
    }
  }
  return out ?? (headers as Record<string, string | undefined>);
}

function drainOrClose(res: AnyResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.removeListener('drain', done);
      res.removeListener('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

function destroyQuietly(res: AnyResponse): void {
  try {
    if ('stream' in res) res.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    else res.destroy();
  } catch {
    // Already gone.
  }
}
