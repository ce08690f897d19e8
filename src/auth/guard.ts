/**
 * The two checks every request passes, for every service: who is calling (SigV4, step 9 of the
 * pipeline) and may they do this (identity and resource policies with their conditions, after decoding,
 * before the handler). Also the start-up rule that decides between the open local-development mode and
 * enforcement.
 *
 * Authorization of one call (IAM User Guide, "Policy evaluation logic" and "Cross-account policy evaluation
 * logic"), for each resource the call addresses:
 * 1. the request context is built: caller (`aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:PrincipalType`,
 *    `aws:username`), transport (`aws:SourceIp`, `aws:SecureTransport`), time (`aws:CurrentTime`,
 *    `aws:EpochTime`, from the guard's clock), `aws:RequestedRegion`, the request's tags (`aws:RequestTag/<key>`,
 *    `aws:TagKeys`, from the input member the operation's `requestTags` trait names) and the resource's tags
 *    (`aws:ResourceTag/<key>`, from the service's `resourceFacts`);
 * 2. an explicit Deny in the caller's identity policies, or in the resource's policy (statements whose
 *    `Principal` names the caller), denies;
 * 3. a resource in the caller's account is allowed when the identity policies or the resource policy allow;
 * 4. a resource in another account is allowed only when both allow: the identity policies, and the resource
 *    policy with a `Principal` naming the caller (`*`, the caller's account root, its ARN, or its role);
 * 5. otherwise AccessDeniedException, saying which kind of policy was missing or denied.
 * A stored resource policy that no longer parses grants nothing (and denies nothing).
 */
import { CommonErrors, ServiceError } from '../protocol/index.js';
import type { ConditionContext } from './conditions.js';
import { normaliseIp } from './conditions.js';
import type { CredentialStore, Principal } from './credentials.js';
import { evaluatePolicies, parsePolicy, type CallerPrincipal, type Policy } from './policy.js';
import { resolveAuthorization, resourceAccount, type ServiceAuthorization } from './resources.js';
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
  /** The client's IP address (`aws:SourceIp`). */
  readonly sourceIp?: string;
  /** The request arrived over TLS (`aws:SecureTransport`). */
  readonly secureTransport?: boolean;
}

/** The authentication and authorization hooks of one server. */
export interface AuthGuard {
  readonly mode: SecurityMode;
  /** Verifies the signature (enforce) or passes (open). Throws the AWS error. */
  authenticate(req: SignedRequest & { readonly service?: string }): Promise<CallerIdentity>;
  /** Applies the principal's and the resource's policies; rejects with AccessDeniedException. No-op in open mode. */
  authorize(req: AuthorizeRequest): Promise<void>;
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
      authorize: async () => {},
    };
  }
  const verify = createSigV4Verifier({
    credentials,
    ...(options.clockSkewMs === undefined ? {} : { clockSkewMs: options.clockSkewMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const tables = { ...options.tables };
  const now = options.now ?? Date.now;
  const policies = new PolicyCache();
  return {
    mode: 'enforce',
    async authenticate(req) {
      const verified = await verify(req, req.service);
      const { principal } = verified.key;
      return { mode: 'enforce', principal, accessKeyId: verified.key.accessKeyId, accountId: principal.accountId };
    },
    async authorize(req) {
      const principal = req.identity?.principal;
      const table = tables[req.service] ?? { actionPrefix: req.service, rules: {} };
      const { action, resources } = resolveAuthorization(table, req.operation, req.input, req);
      const denied = (resource: string, because: string): ServiceError =>
        // AWS's AccessDeniedException text (IAM User Guide, "Troubleshoot access denied error messages").
        new ServiceError(
          CommonErrors.AccessDeniedException,
          `User: ${principal?.arn ?? 'anonymous'} is not authorized to perform: ${action} on resource: ${resource} ${because}`,
        );
      const noIdentity = `because no identity-based policy allows the ${action} action`;
      // Enforce mode always has a principal after authenticate; refuse rather than fall open.
      if (principal === undefined) throw denied(resources.join(', '), noIdentity);
      const caller: CallerPrincipal = { accountId: principal.accountId, arn: principal.arn };
      const base = requestContext(req, principal, table, now());
      for (const resource of resources) {
        const facts = resource === '*' || table.facts === undefined ? undefined : await table.facts(resource);
        const context = withResourceTags(base, facts?.tags);
        const identity = evaluatePolicies(principal.policies, action, [resource], context);
        if (identity === 'explicit-deny') throw denied(resource, 'with an explicit deny in an identity-based policy');
        const policy = facts?.policy === undefined ? undefined : policies.get(facts.policy);
        const granted = policy ? evaluatePolicies([policy], action, [resource], context, caller) : 'implicit-deny';
        if (granted === 'explicit-deny') throw denied(resource, 'with an explicit deny in a resource-based policy');
        const owner = resourceAccount(resource) ?? principal.accountId;
        if (owner === principal.accountId) {
          if (identity === 'allow' || granted === 'allow') continue;
          throw denied(resource, noIdentity);
        }
        if (identity !== 'allow') throw denied(resource, noIdentity);
        if (granted !== 'allow') throw denied(resource, `because no resource-based policy allows the ${action} action`);
      }
    },
  };
}

/** Parsed resource policies by document text (bounded; a stored document parses once). */
class PolicyCache {
  readonly #parsed = new Map<string, Policy | null>();
  get(text: string): Policy | undefined {
    let policy = this.#parsed.get(text);
    if (policy === undefined) {
      try {
        policy = parsePolicy(text, 'policy', 'resource');
      } catch {
        policy = null;
      }
      if (this.#parsed.size >= 1000) this.#parsed.clear();
      this.#parsed.set(text, policy);
    }
    return policy ?? undefined;
  }
}

/** Rule 1: the condition keys of a request, before the resource's tags. */
function requestContext(
  req: AuthorizeRequest,
  principal: Principal,
  table: ServiceAuthorization,
  nowMs: number,
): Map<string, string | readonly string[]> {
  const ctx = new Map<string, string | readonly string[]>();
  // aws:PrincipalArn is the role's ARN for role sessions (IAM User Guide, "AWS global condition context keys").
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(principal.arn);
  ctx.set('aws:principalaccount', principal.accountId);
  ctx.set('aws:principalarn', session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : principal.arn);
  ctx.set('aws:principaltype', principal.type === 'AssumedRole' ? 'AssumedRole' : 'User');
  if (principal.type === 'IAMUser') ctx.set('aws:username', principal.name);
  const ip = req.sourceIp === undefined ? undefined : normaliseIp(req.sourceIp);
  if (ip) ctx.set('aws:sourceip', ip.address);
  ctx.set('aws:securetransport', req.secureTransport === true ? 'true' : 'false');
  ctx.set('aws:currenttime', new Date(nowMs).toISOString());
  ctx.set('aws:epochtime', String(Math.floor(nowMs / 1000)));
  ctx.set('aws:requestedregion', req.region);
  const member = table.requestTags?.[req.operation];
  if (member !== undefined) {
    const { tags, keys } = requestTags(req.input[member]);
    for (const [key, value] of Object.entries(tags)) ctx.set(`aws:requesttag/${key.toLowerCase()}`, value);
    ctx.set('aws:tagkeys', keys);
  }
  return ctx;
}

/** Tags in the forms AWS inputs carry them: `{ key: value }`, `[{ Key, Value }]` or `[key]` (keys only). */
function requestTags(value: unknown): { tags: Record<string, string>; keys: string[] } {
  const tags: Record<string, string> = {};
  const keys: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'string') keys.push(item);
      else if (typeof item === 'object' && item !== null && typeof (item as { Key?: unknown }).Key === 'string') {
        const { Key, Value } = item as { Key: string; Value?: unknown };
        keys.push(Key);
        tags[Key] = typeof Value === 'string' ? Value : '';
      }
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      keys.push(key);
      tags[key] = typeof v === 'string' ? v : '';
    }
  }
  return { tags, keys };
}

function withResourceTags(
  base: ReadonlyMap<string, string | readonly string[]>,
  tags: Readonly<Record<string, string>> | undefined,
): ConditionContext {
  if (tags === undefined || Object.keys(tags).length === 0) return base;
  const ctx = new Map(base);
  for (const [key, value] of Object.entries(tags)) ctx.set(`aws:resourcetag/${key.toLowerCase()}`, value);
  return ctx;
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
