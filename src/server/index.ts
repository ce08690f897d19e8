/**
 * Public door of the server area: start a server (real stack or given service modules), its config and
 * the pieces needed to extend it (authenticator hook, REST routes, codec table).
 */
import { join } from 'node:path';
import {
  authorizationTable,
  createAuthGuard,
  decideSecurityMode,
  watchCredentialsFile,
  type CredentialsSource,
  type SecurityMode,
  type ServiceAuthorization,
} from '../auth/index.js';
import {
  type ErrorSpec,
  type Logger,
  type OperationTraits,
  type ServiceDefinition,
  ServiceError,
  type ServiceModule,
} from '../protocol/index.js';
import { createFileAuditSink, NO_AUDIT, type AuditSink } from './audit.js';
import { acceptAnySignature, type Authenticator } from './auth.js';
import type { CodecTable } from './codecs.js';
import type { ComposedStack } from './compose.js';
import { WorkerHost } from '../jobs/index.js';
import { LocalLeases } from '../storage/local/index.js';
import { ConfigError, resolveConfig, type ServerConfig } from './config.js';
import { listen, type ListenerLimits } from './listener.js';
import { createLogger, logSinkOf } from './logger.js';
import type { ServerStats } from './diagnostics.js';
import { createPipeline } from './pipeline.js';
import { generateSelfSigned, loadTlsFiles, type TlsMaterial } from './tls.js';
import { Router } from './router.js';
import { consoleModule } from './console.js';
import { opsModule, ServerMetrics } from './metrics.js';

export {
  CONFIG_OPTIONS,
  ConfigError,
  DEFAULT_CONFIG,
  LOG_FORMATS,
  LOG_LEVELS,
  loadConfig,
  parseDurability,
  resolveConfig,
} from './config.js';
export type { ConfigOption, DurabilitySetting, LogFormat, LogLevel, ServerConfig } from './config.js';
export { createLogger, isPrettyFormat, LogDestination, MAX_QUEUED_LOG_BYTES } from './logger.js';
export type { CreateLoggerOptions } from './logger.js';
export { SinkCounters } from './diagnostics.js';
export type { ServerStats, SinkStats } from './diagnostics.js';
export { acceptAnySignature, checkAuthShape, resolveIdentity } from './auth.js';
export type { AuthInfo, AuthenticateRequest, Authenticator } from './auth.js';
export { CBOR_1_1_CONTENT_TYPE, LEGACY_JSON_CONTENT_TYPE, createCodecTable } from './codecs.js';
export type { CodecTable } from './codecs.js';
export { SMALL_BODY_BYTES } from './router.js';
export { renderErrorCatalogue, type AwsDifferenceRow } from './error-catalogue.js';
export type { BodyPlan } from './router.js';
export { EVENT_STREAM_CONTENT_TYPE } from './pipeline.js';
export { AUDIT_RETRY_MS, auditLine, createFileAuditSink, NO_AUDIT } from './audit.js';
export type { AuditEvent, AuditIdentity, AuditInput, AuditSink, FileAuditOptions } from './audit.js';
export { generateSelfSigned, loadTlsFiles } from './tls.js';
export type { SelfSignedOptions, TlsMaterial } from './tls.js';
export type { ListenerLimits } from './listener.js';
export type { TlsSetting } from './config.js';

/** Options of {@link startServer} beyond the configuration. */
export interface StartServerOptions {
  /**
   * Service modules to mount instead of the real stack (tests, embedders). When given, no storage is opened;
   * the server still closes them on close.
   */
  readonly modules: readonly ServiceModule[];
  /** Default: pino at `config.logLevel` on stdout. */
  readonly logger: Logger;
  /**
   * Signature verification hook (step 9). Default: from the configuration — SigV4 verification and
   * policies with `authConfig`, otherwise any well-shaped credentials (see src/auth decideSecurityMode).
   */
  readonly authenticate: Authenticator;
  /** Audit sink. Default: the file audit log when `audit` is on (with given `modules`, only if `audit: 'on'` is passed explicitly). */
  readonly audit: AuditSink;
  /** Listener timeouts and limits (tests shorten them). */
  readonly limits: Partial<ListenerLimits>;
  /** SigV4 clock-skew window, ms. Default 15 minutes. */
  readonly clockSkewMs: number;
  /** Content type → codec. Default JSON 1.1 and CBOR 1.1. */
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
  /** `http://host:port` (`https://` with TLS), usable as the SDK `endpoint`. */
  readonly url: string;
  /** `enforce` (SigV4 verified, policies applied) or `open` (any well-formed signature). */
  readonly securityMode: SecurityMode;
  /** The certificate served, when TLS is on. */
  readonly tls?: TlsMaterial;
  /** Re-reads the credentials file (also done on change and on SIGHUP); false if it was bad and the old one is kept. */
  reloadCredentials(): Promise<boolean>;
  /** Writes queued audit records. */
  flushAudit(): Promise<void>;
  /**
   * Counters of the log and the audit log (lines written, failed writes, lines dropped; src/server/diagnostics.ts).
   * Their failures never stop the server; this is where they show.
   */
  stats(): ServerStats;
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
 * The stack of modules given to {@link startServer} (tests, embedders): no storage; their workers run on a
 * worker host with single-node leases. Closing stops the workers, then every module (all of them even when one
 * fails; the first failure is rethrown).
 */
function givenModules(modules: readonly ServiceModule[], logger: Logger): ComposedStack {
  const workers = new WorkerHost({ leases: new LocalLeases(), logger: logger.child({ area: 'jobs' }) });
  for (const module of modules) for (const worker of module.workers ?? []) workers.add(worker);
  return {
    modules,
    workers,
    async close() {
      await workers.close();
      const results = await Promise.allSettled(modules.map((m) => m.close()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/**
 * Starts a server. Without `options.modules` it opens the local storage backend under
 * `config.dataDir` and mounts Data Streams on it. Port 0 picks a free port (see `port` / `url`).
 */
export async function startServer(
  config: Partial<ServerConfig> = {},
  options: Partial<StartServerOptions> = {},
): Promise<RunningServer> {
  const resolved = resolveConfig(config);
  const logger = options.logger ?? createLogger({ level: resolved.logLevel, format: resolved.logFormat });
  const logSink = logSinkOf(logger);

  // Security set-up comes first: a refused or broken configuration must not touch storage.
  const securityMode = decideSecurityMode({
    host: resolved.host,
    credentialsConfigured: resolved.authConfig !== '' || options.authenticate !== undefined,
    allowAnonymous: resolved.allowAnonymous,
  });
  if ((resolved.tlsCert === '') !== (resolved.tlsKey === '')) {
    throw new ConfigError('TLS needs both --tls-cert and --tls-key');
  }
  const tlsMaterial =
    resolved.tlsCert !== ''
      ? await loadTlsFiles(resolved.tlsCert, resolved.tlsKey)
      : resolved.tls === 'self-signed'
        ? generateSelfSigned({ hosts: [resolved.host] })
        : undefined;
  const credentials: CredentialsSource | undefined =
    resolved.authConfig !== '' ? await watchCredentialsFile(resolved.authConfig, { logger }) : undefined;
  const auditOn = resolved.audit === 'on' && (options.modules === undefined || config.audit === 'on');
  const audit: AuditSink =
    options.audit ??
    (auditOn
      ? createFileAuditSink({
          path: join(resolved.dataDir, 'audit', 'audit.log'),
          maxBytes: resolved.auditMaxBytes,
          keep: resolved.auditKeep,
          logger,
        })
      : NO_AUDIT);
  const onSighup = (): void => void credentials?.reload();
  if (credentials) process.on('SIGHUP', onSighup);
  const releaseSecurity = async (): Promise<void> => {
    if (credentials) {
      process.off('SIGHUP', onSighup);
      credentials.close();
    }
    await audit.close().catch((e: unknown) => logger.error({ err: e }, 'audit log close failed'));
  };

  let stack: ComposedStack;
  try {
    stack = options.modules
      ? givenModules(options.modules, logger)
      : // Loaded on demand: servers given their modules (tests, embedders) never load the storage stack.
        await (await import('./compose.js')).composeServices(resolved, logger);
  } catch (e) {
    await releaseSecurity();
    throw e;
  }

  // The operations endpoints (/metrics, /health, /ready) are routes of a module of their own (src/server/metrics.ts).
  const metrics = resolved.metrics === 'on' ? new ServerMetrics() : undefined;
  let ready = false;
  const ops = opsModule(metrics, {
    modules: () => stack.modules,
    stats: () => ({ log: logSink?.counters.snapshot(), audit: audit.counters?.snapshot() }),
    ready: () => ready,
    ...(stack.storageStats ? { storage: stack.storageStats } : {}),
  });
  // The web console's static files at /console (src/server/console.ts); its API calls go through the APIs above.
  const consoleFiles = await consoleModule();
  const mounted: readonly ServiceModule[] = [...stack.modules, ops, consoleFiles];

  // Authorization tables from what each mounted service declares on its operations and routes.
  const declared = new Map<string, Record<string, { readonly traits?: OperationTraits }>>();
  const resolvers = new Map<string, NonNullable<ServiceDefinition['resourceArns']>>();
  const facts = new Map<string, NonNullable<ServiceDefinition['resourceFacts']>>();
  // A service whose error table declares its own AccessDeniedException (Kinesis Video answers an IAM denial with
  // HTTP 403 and a `Message` member) gets the guard's refusals in that form.
  const denials = new Map<string, ErrorSpec>();
  for (const module of mounted) {
    const denial = (module.definition?.errors ?? module.errors)?.['AccessDeniedException'];
    if (denial !== undefined) {
      if (module.definition) denials.set(module.definition.name, denial);
      for (const route of module.routes ?? []) denials.set(route.service, denial);
    }
    const definition = module.definition;
    if (definition) {
      declared.set(definition.name, { ...declared.get(definition.name), ...definition.operations });
      if (definition.resourceArns) resolvers.set(definition.name, definition.resourceArns);
      if (definition.resourceFacts) facts.set(definition.name, definition.resourceFacts);
    }
    for (const route of module.routes ?? []) {
      declared.set(route.service, { ...declared.get(route.service), [route.operation]: route });
      if (module.routeResources?.resourceArns) resolvers.set(route.service, module.routeResources.resourceArns);
      if (module.routeResources?.resourceFacts) facts.set(route.service, module.routeResources.resourceFacts);
    }
  }
  const tables: Record<string, ServiceAuthorization> = {};
  for (const [service, operations] of declared) {
    const resolve = resolvers.get(service);
    tables[service] = authorizationTable(
      service,
      operations,
      resolve && ((operation, input, scope) => resolve(operation, input, scope)),
      facts.get(service),
    );
  }
  const guard = createAuthGuard({
    tables,
    ...(credentials ? { credentials: () => credentials.current } : {}),
    ...(options.clockSkewMs === undefined ? {} : { clockSkewMs: options.clockSkewMs }),
  });
  const router = new Router(mounted);

  let listener: Awaited<ReturnType<typeof listen>>;
  let pipeline: ReturnType<typeof createPipeline>;
  try {
    pipeline = createPipeline({
      router,
      logger,
      region: resolved.region,
      accountId: resolved.accountId,
      maxBodyBytes: resolved.maxBodyBytes,
      ...(options.codecs ? { codecs: options.codecs } : {}),
      authenticate:
        options.authenticate ?? (securityMode === 'enforce' ? (req) => guard.authenticate(req) : acceptAnySignature),
      ...(securityMode === 'enforce' && options.authenticate === undefined
        ? {
            authorize: async (req) => {
              try {
                await guard.authorize(req);
              } catch (e) {
                const denial = denials.get(req.service);
                if (denial === undefined || !(e instanceof ServiceError) || e.code !== denial.code) throw e;
                throw new ServiceError(denial, e.message);
              }
            },
          }
        : {}),
      audit,
      ...(metrics ? { onRequest: (s, o, e, t) => metrics.request(s, o, e, t) } : {}),
      unsignedRoutes: securityMode === 'open' && options.authenticate === undefined,
    });
    listener = await listen(pipeline, {
      host: resolved.host,
      port: resolved.port,
      maxBodyBytes: resolved.maxBodyBytes,
      maxConnections: resolved.maxConnections,
      logger,
      bodyPlan: (method, url, target) => router.bodyPlan(method, url, target, resolved.maxBodyBytes),
      ...(tlsMaterial ? { tls: { cert: tlsMaterial.cert, key: tlsMaterial.key } } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    });
  } catch (e) {
    await stack.close().catch(() => {});
    await releaseSecurity();
    throw e;
  }

  // Workers start once the port is listening (they may serve or feed what clients now reach).
  stack.workers.start();
  ready = true;

  const scheme = tlsMaterial ? 'https' : 'http';
  const url = `${scheme}://${resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host}:${listener.port}`;
  logger.info(
    { url, dataDir: resolved.dataDir, durability: resolved.durability, securityMode, audit: audit !== NO_AUDIT },
    `Tributary listening on ${url}`,
  );
  logger.info(
    { securityMode },
    securityMode === 'enforce'
      ? `Authentication: SigV4 signatures verified against ${resolved.authConfig}; IAM policies enforced`
      : 'Authentication: OPEN (local development): any well-formed signature is accepted; configure --auth-config to enforce',
  );
  if (tlsMaterial) {
    logger.info(
      { fingerprint256: tlsMaterial.fingerprint256, selfSigned: tlsMaterial.selfSigned },
      `TLS certificate SHA-256 fingerprint ${tlsMaterial.fingerprint256}${tlsMaterial.selfSigned ? ' (self-signed, generated at start-up)' : ''}`,
    );
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    port: listener.port,
    host: resolved.host,
    config: resolved,
    securityMode,
    ...(tlsMaterial ? { tls: tlsMaterial } : {}),
    reloadCredentials: () => credentials?.reload() ?? Promise.resolve(false),
    flushAudit: () => audit.flush(),
    stats: () => ({ log: logSink?.counters.snapshot(), audit: audit.counters?.snapshot() }),
    close() {
      closing ??= (async () => {
        ready = false;
        try {
          await stack.workers.close().catch((e: unknown) => logger.error({ err: e }, 'stopping workers failed'));
          await listener.close();
        } finally {
          try {
            await stack.close();
          } finally {
            await releaseSecurity();
          }
        }
        logger.info({ url }, 'Tributary stopped');
        await logSink?.flush();
      })();
      return closing;
    },
    async inject(req) {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = value;
      const body =
        req.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
      const method = req.method ?? 'POST';
      const url = req.path ?? '/';
      const bodyLimitBytes = router.bodyPlan(method, url, headers['x-amz-target'], resolved.maxBodyBytes).limitBytes;
      const tooLarge = body.length > bodyLimitBytes;
      const response = await pipeline({
        method,
        url,
        headers,
        body: tooLarge ? Buffer.alloc(0) : body,
        bodyTooLarge: tooLarge,
        bodyLimitBytes,
        signal: new AbortController().signal,
        receivedAt: Date.now(),
        remoteAddress: '127.0.0.1',
      });
      let out: Buffer;
      if (Buffer.isBuffer(response.body)) {
        out = response.body;
      } else {
        const chunks: Buffer[] = [];
        for await (const chunk of response.body) chunks.push(Buffer.from(chunk));
        out = Buffer.concat(chunks);
      }
      return {
        status: response.status,
        headers: { ...response.headers, 'content-length': String(out.length) },
        body: out,
      };
    },
  };
}
