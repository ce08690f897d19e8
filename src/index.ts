/**
 * Tributary's public API: start a Kinesis-compatible server from code.
 *
 * ```ts
 * import { startServer } from 'tributary';
 * const server = await startServer({ port: 0, dataDir: '/tmp/trib' });
 * // new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials })
 * await server.close();
 * ```
 */
export {
  CONFIG_OPTIONS,
  ConfigError,
  DEFAULT_CONFIG,
  loadConfig,
  resolveConfig,
  startServer,
} from './server/index.js';
export type {
  Authenticator,
  AuthenticateRequest,
  AuthInfo,
  DurabilitySetting,
  InjectRequest,
  InjectResponse,
  LogLevel,
  RunningServer,
  ServerConfig,
  StartServerOptions,
} from './server/index.js';
export type { Logger, ServiceDefinition } from './protocol/index.js';
