/**
 * The two checks every request passes, for every service: who is calling (SigV4, step 9 of the
 * pipeline) and may they do this (identity policies, after decoding, before the handler).
 * Also the start-up rule that decides between the open local-development mode and enforcement.
 */
import { CommonErrors, ServiceError } from '../protocol/index.js';
import type { CredentialStore, Principal } from './credentials.js';
import { evaluatePolicies } from './policy.js';
import { resolveAuthorization, type ServiceAuthorization } from './resources.js';
import { createSigV4Verifier, type SignedRequest } from './sigv4.js';
import { TribError, TribErrorCode } from '../errors/index.js';

/** `enforce`: signatures verified and policies applied. `open`: any well-formed signature passes. */
export type SecurityMode = 'enforce' | 'open';

/** Who made a request. */
export interface CallerIdentity {
  readonly mode: SecurityMode;
  /** The verified principal (enforce mode only). */
  readonly principal?: Principal;
  /** Access key id the request was signed with. */
  readonly accessKeyId?: string;
  /** Account the request acts in (the principal's account when verified). */
  readonly accountId?: string;
}

/** What {@link AuthGuard.authorize} needs. */
export interface AuthorizeRequest {
  readonly identity: CallerIdentity | undefined;
  /** Service name (ServiceDefinition.name), e.g. `kinesis`. */
  readonly service: string;
  readonly operation: string;
  /** Decoded, validated input. */
  readonly input: Readonly<Record<string, unknown>>;
  readonly region: string;
  readonly accountId: string;
}

/** The authentication and authorization hooks of one server. */
export interface AuthGuard {
  readonly mode: SecurityMode;
  /** Verifies the signature (enforce) or passes (open). Throws the AWS error. */
  authenticate(req: SignedRequest & { readonly service?: string }): Promise<CallerIdentity>;
  /** Applies the principal's policies; throws AccessDeniedException. No-op in open mode. */
  authorize(req: AuthorizeRequest): void;
}

/** Options of {@link createAuthGuard}. */
export interface AuthGuardOptions {
  /** Current credentials; undefined = open mode. */
  readonly credentials?: () => CredentialStore;
  /** See SigV4VerifierOptions.clockSkewMs (default 15 min). */
  readonly clockSkewMs?: number;
  readonly now?: () => number;
  /** Authorization tables by service name (from the mounted services' operation traits). */
  readonly tables?: Readonly<Record<string, ServiceAuthorization>>;
}

/** Builds the guard. */
export function createAuthGuard(options: AuthGuardOptions = {}): AuthGuard {
  const credentials = options.credentials;
  if (credentials === undefined) {
    return {
      mode: 'open',
      authenticate: async () => ({ mode: 'open' }),
      authorize: () => {},
    };
  }
  const verify = createSigV4Verifier({
    credentials,
    ...(options.clockSkewMs === undefined ? {} : { clockSkewMs: options.clockSkewMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const tables = { ...options.tables };
  return {
    mode: 'enforce',
    async authenticate(req) {
      const verified = await verify(req, req.service);
      const { principal } = verified.key;
      return { mode: 'enforce', principal, accessKeyId: verified.key.accessKeyId, accountId: principal.accountId };
    },
    authorize(req) {
      const principal = req.identity?.principal;
      // Enforce mode always has a principal after authenticate; refuse rather than fall open.
      const table = tables[req.service] ?? { actionPrefix: req.service, rules: {} };
      const { action, resources } = resolveAuthorization(table, req.operation, req.input, req);
      const decision =
        principal === undefined ? 'implicit-deny' : evaluatePolicies(principal.policies, action, resources);
      if (decision === 'allow') return;
      // AWS's AccessDeniedException text (IAM User Guide, "Troubleshoot access denied error messages").
      const who = principal?.arn ?? 'anonymous';
      const because =
        decision === 'explicit-deny'
          ? 'with an explicit deny in an identity-based policy'
          : `because no identity-based policy allows the ${action} action`;
      throw new ServiceError(
        CommonErrors.AccessDeniedException,
        `User: ${who} is not authorized to perform: ${action} on resource: ${resources.join(', ')} ${because}`,
      );
    },
  };
}

/** Inputs of {@link decideSecurityMode}. */
export interface SecurityModeInput {
  /** The address the server binds. */
  readonly host: string;
  /** A credentials file is configured. */
  readonly credentialsConfigured: boolean;
  /** `--allow-anonymous` was given. */
  readonly allowAnonymous: boolean;
}

/** A refused start-up configuration. `code` is `TRIB_ERR_INSECURE`. */
export class InsecureConfigError extends TribError {
  constructor(message: string) {
    super(TribErrorCode.INSECURE, message);
    this.name = 'InsecureConfigError';
  }
}

/**
 * Safe defaults:
 * 1. credentials configured → enforce;
 * 2. no credentials, loopback address → open (local development, like other emulators);
 * 3. no credentials, any other address → refuse to start unless `--allow-anonymous`.
 */
export function decideSecurityMode(input: SecurityModeInput): SecurityMode {
  if (input.credentialsConfigured) return 'enforce';
  if (isLoopback(input.host) || input.allowAnonymous) return 'open';
  throw new InsecureConfigError(
    `Refusing to listen on ${input.host} without credentials: anyone who can reach it could read and write every stream. ` +
      'Configure credentials (--auth-config <file>), bind to 127.0.0.1, or pass --allow-anonymous to accept any signature.',
  );
}

/** True for `localhost`, 127.0.0.0/8 and `::1` (also IPv4-mapped). */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
