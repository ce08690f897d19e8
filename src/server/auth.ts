/**
 * Authentication, a step of the request pipeline (docs/architecture.md, "Request lifecycle"): presence and shape of
 * the SigV4 credentials, plus the caller's region and account. Signatures are not verified here; that is the
 * job of an {@link Authenticator} plugged into the pipeline (SigV4 verification is a later issue).
 */
import type { CallerIdentity } from '../auth/index.js';
import { CommonErrors, ServiceError } from '../protocol/index.js';

/** The credentials a request presented, as far as their shape tells. */
export interface AuthInfo {
  /** `Authorization` header or presigned query string. */
  readonly kind: 'header' | 'query';
  /** Access key id from the credential scope (`AKID/date/region/service/aws4_request`), if present. */
  readonly accessKeyId?: string;
  /** Region from the credential scope, if present. */
  readonly region?: string;
  /** Signing service name from the credential scope, if present (e.g. `kinesis`). */
  readonly signingService?: string;
}

/** What an {@link Authenticator} sees. */
export interface AuthenticateRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body; `undefined` when it is streamed to the handler (see SignedRequest.body in src/auth). */
  readonly body: Buffer | undefined;
  readonly auth: AuthInfo;
  /** Signing name of the addressed service (the credential scope must name it), e.g. `kinesis`. */
  readonly service?: string;
}

/**
 * The hook for signature verification: runs after the shape checks, before decoding. Throws a
 * ServiceError (UnrecognizedClientException, InvalidSignatureException, ...) to reject the request;
 * may return who the caller is (src/auth's guard does), which authorization and the audit log use.
 */
export type Authenticator = (
  req: AuthenticateRequest,
) => undefined | CallerIdentity | Promise<undefined | CallerIdentity>;

/** The default: accept any well-shaped credentials (AWS emulators do not verify by default). */
export const acceptAnySignature: Authenticator = () => undefined;

const HEADER_PARAMS = ['Credential', 'Signature', 'SignedHeaders'] as const;
const QUERY_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-SignedHeaders',
  'X-Amz-Date',
] as const;

/**
 * Checks that the request carries SigV4 credentials of the right shape, in AWS's order
 * (docs/architecture.md, "Request lifecycle"):
 * 1. both an `Authorization` header and an `X-Amz-Algorithm` query parameter → InvalidSignatureException;
 * 2. neither → MissingAuthenticationTokenException;
 * 3. header without `Credential`, `Signature` or `SignedHeaders`, or without `X-Amz-Date`/`Date`
 *    → IncompleteSignatureException, one sentence per gap, then `Authorization=<header>`;
 * 4. query form missing one of the five `X-Amz-*` parameters → IncompleteSignatureException, one
 *    sentence per gap, then `Re-examine the query-string parameters.`
 */
export function checkAuthShape(
  headers: Readonly<Record<string, string | undefined>>,
  query: URLSearchParams,
): AuthInfo {
  const authorization = headers['authorization'];
  const hasHeader = authorization !== undefined && authorization !== '';
  const hasQuery = query.has('X-Amz-Algorithm');
  if (hasHeader && hasQuery) {
    throw new ServiceError(
      CommonErrors.InvalidSignatureException,
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    );
  }
  if (!hasHeader && !hasQuery) {
    throw new ServiceError(CommonErrors.MissingAuthenticationTokenException, 'Missing Authentication Token');
  }
  if (hasHeader) {
    const params = parseAuthorizationParams(authorization);
    let message = '';
    for (const name of HEADER_PARAMS) {
      if (!params.get(name)) message += `Authorization header requires '${name}' parameter. `;
    }
    if (!headers['x-amz-date'] && !headers['date']) {
      message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    }
    if (message !== '') {
      throw new ServiceError(CommonErrors.IncompleteSignatureException, `${message}Authorization=${authorization}`);
    }
    return { kind: 'header', ...parseCredentialScope(params.get('Credential')) };
  }
  let message = '';
  for (const name of QUERY_PARAMS) {
    if (!query.get(name)) message += `AWS query-string parameters must include '${name}'. `;
  }
  if (message !== '') {
    throw new ServiceError(
      CommonErrors.IncompleteSignatureException,
      `${message}Re-examine the query-string parameters.`,
    );
  }
  return { kind: 'query', ...parseCredentialScope(query.get('X-Amz-Credential') ?? undefined) };
}

/**
 * `AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=x;y, Signature=z` → its `key=value` parameters.
 * The first token is the algorithm; parameters are separated by commas and/or spaces.
 */
export function parseAuthorizationParams(header: string): Map<string, string> {
  const params = new Map<string, string>();
  const tokens = header
    .split(/[,\s]+/)
    .filter(Boolean)
    .slice(1);
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq > 0) params.set(token.slice(0, eq), token.slice(eq + 1));
  }
  return params;
}

/** `AKID/20261125/us-east-1/kinesis/aws4_request` → its access key id, region and service. */
export function parseCredentialScope(
  credential: string | undefined,
): Pick<AuthInfo, 'accessKeyId' | 'region' | 'signingService'> {
  if (credential === undefined || credential === '') return {};
  const parts = credential.split('/');
  const out: { accessKeyId?: string; region?: string; signingService?: string } = {};
  if (parts[0]) out.accessKeyId = parts[0];
  if (parts.length >= 5) {
    if (parts[2]) out.region = parts[2];
    if (parts[3]) out.signingService = parts[3];
  }
  return out;
}

/**
 * The caller's region and account: region from the credential scope (AWS General Reference, 'Signature Version 4
 * signing process'), else the default; account = the access key id when it is 12 digits (the convention emulators
 * share), else the default account.
 */
export function resolveIdentity(
  auth: AuthInfo | undefined,
  defaults: { readonly region: string; readonly accountId: string },
): { region: string; accountId: string } {
  const region = auth?.region ?? defaults.region;
  const key = auth?.accessKeyId;
  const accountId = key !== undefined && /^\d{12}$/.test(key) ? key : defaults.accountId;
  return { region, accountId };
}
