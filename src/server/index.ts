/**
 * Public door of the server area: start a server (real stack or given services), its config and
 * the pieces needed to extend it (authenticator hook, REST routes, codec table).
 */
import type { Logger, ServiceDefinition } from '../protocol/index.js';
import type { Authenticator } from './auth.js';
import type { CodecTable } from './codecs.js';
import type { ComposedStack } from './compose.js';
import { resolveConfig, type ServerConfig } from './config.js';
import { listen } from './listener.js';
import { createLogger } from './logger.js';
import { createPipeline } from './pipeline.js';
import { Router, type RestRoute } from './router.js';

export {
  CONFIG_OPTIONS,
  ConfigError,
  DEFAULT_CONFIG,
  LOG_LEVELS,
  loadConfig,
  parseDurability,
  resolveConfig,
} from './config.js';
export type { ConfigOption, DurabilitySetting, LogLevel, ServerConfig } from './config.js';
export { createLogger } from './logger.js';
export type { CreateLoggerOptions } from './logger.js';
export { acceptAnySignature, checkAuthShape, resolveIdentity } from './auth.js';
export type { AuthInfo, AuthenticateRequest, Authenticator } from './auth.js';
export { CBOR_1_1_CONTENT_TYPE, LEGACY_JSON_CONTENT_TYPE, createCodecTable } from './codecs.js';
export type { CodecTable } from './codecs.js';
export type { RestRequest, RestResponse, RestRoute } from './router.js';
export { EVENT_STREAM_CONTENT_TYPE } from './pipeline.js';

/** Options of {@link startServer} beyond the configuration. */
export interface StartServerOptions {
  /**
   * Target-routed services to mount instead of the real stack. When given, no storage is opened
   * (tests and embedders); the caller owns their lifecycle.
   */
  readonly services: ServiceDefinition[];
  /** Path-routed (REST-JSON) operations. Default none. */
  readonly restRoutes: RestRoute[];
  /** Default: pino at `config.logLevel` on stdout. */
  readonly logger: Logger;
  /** Signature verification hook (step 9). Default: accept any well-shaped credentials. */
  readonly authenticate: Authenticator;
  /** Content type → codec. Default JSON 1.1 plus the CBOR placeholder. */
  readonly codecs: CodecTable;
}

/** A request for {@link RunningServer.inject}. */
export interface InjectRequest {
  /** Default `POST`. */
  method?: string;
  /** Path and query; default `/`. */
  path?: string;
  /** Header names in any case. */
  headers: Record<string, string>;
  body?: Buffer | string;
}

/** What {@link RunningServer.inject} resolves with. Header names are lower case. */
export interface InjectResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A started server. */
export interface RunningServer {
  /** `http://host:port`, usable as the SDK `endpoint`. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** The effective configuration. */
  readonly config: ServerConfig;
  /** Stops accepting, ends connections (HTTP/2 sessions too), closes services, then storage. Idempotent. */
  close(): Promise<void>;
  /** Runs the request pipeline in-process, without a socket (fastify-style inject). */
  inject(req: InjectRequest): Promise<InjectResponse>;
}

/**
 * Starts a server. Without `options.services` it opens the local storage backend under
 * `config.dataDir` and mounts Data Streams on it. Port 0 picks a free port (see `port` / `url`).
 */
export async function startServer(
  config: Partial<ServerConfig> = {},
  options: Partial<StartServerOptions> = {},
): Promise<RunningServer> {
  const resolved = resolveConfig(config);
  const logger = options.logger ?? createLogger({ level: resolved.logLevel });
  const stack: ComposedStack = options.services
    ? { services: options.services, close: async () => {} }
    : // Loaded on demand: servers given their services (tests, embedders) never load the storage stack.
      await (await import('./compose.js')).composeServices(resolved, logger);

  let listener: Awaited<ReturnType<typeof listen>>;
  let pipeline: ReturnType<typeof createPipeline>;
  try {
    pipeline = createPipeline({
      router: new Router({ services: stack.services, restRoutes: options.restRoutes ?? [] }),
      logger,
      region: resolved.region,
      accountId: resolved.accountId,
      maxBodyBytes: resolved.maxBodyBytes,
      ...(options.codecs ? { codecs: options.codecs } : {}),
      ...(options.authenticate ? { authenticate: options.authenticate } : {}),
    });
    listener = await listen(pipeline, {
      host: resolved.host,
      port: resolved.port,
      maxBodyBytes: resolved.maxBodyBytes,
      maxConnections: resolved.maxConnections,
      logger,
    });
  } catch (e) {
    await stack.close().catch(() => {});
    throw e;
  }

  const url = `http://${resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host}:${listener.port}`;
  logger.info(
    { url, dataDir: resolved.dataDir, durability: resolved.durability },
    `Tributary listening on ${url}`,
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    port: listener.port,
    host: resolved.host,
    config: resolved,
    close() {
      closing ??= (async () => {
        try {
          await listener.close();
        } finally {
          await stack.close();
        }
        logger.info({ url }, 'Tributary stopped');
      })();
      return closing;
    },
    async inject(req) {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = value;
      const body = req.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
      const tooLarge = body.length > resolved.maxBodyBytes;
      const response = await pipeline({
        method: req.method ?? 'POST',
        url: req.path ?? '/',
        headers,
        body: tooLarge ? Buffer.alloc(0) : body,
        bodyTooLarge: tooLarge,
        signal: new AbortController().signal,
        receivedAt: Date.now(),
      });
      let out: Buffer;
      if (Buffer.isBuffer(response.body)) {
        out = response.body;
      } else {
        const chunks: Buffer[] = [];
        for await (const chunk of response.body) chunks.push(Buffer.from(chunk));
        out = Buffer.concat(chunks);
      }
      return { status: response.status, headers: { ...response.headers, 'content-length': String(out.length) }, body: out };
    },
  };
}
