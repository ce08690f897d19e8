/**
 * AWS Signature Version 4 verification (AWS General Reference, "Signature Version 4 signing
 * process"; IAM User Guide, "Elements of an AWS API request signature"). The canonical request,
 * string to sign and signing key come from the AWS-maintained `@smithy/signature-v4`, so we
 * canonicalise exactly as the SDKs do; this module only parses what the client sent, picks the
 * secret, checks time and compares in constant time.
 *
 * Supported: the `Authorization` header form and the presigned query form, any set of signed
 * headers (HTTP/2 `:authority` included), payload hashes given in `X-Amz-Content-Sha256`
 * (checked against the body) including `UNSIGNED-PAYLOAD`, temporary credentials
 * (`X-Amz-Security-Token`). Streaming `aws-chunked` payloads (`STREAMING-…`) are refused with a
 * clear message: no AWS SDK uses them for JSON-protocol services.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4Base, getCanonicalHeaders, getSigningKey } from '@smithy/signature-v4';
import { CommonErrors, ServiceError } from '../protocol/index.js';
import type { AccessKey, CredentialStore } from './credentials.js';

/** The request as the verifier needs it. Header names lower case. */
export interface SignedRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /**
   * The body, or `undefined` when it is streamed to its handler (PutMedia): then `x-amz-content-sha256` must
   * declare the payload hash (or `UNSIGNED-PAYLOAD`), the signature is checked over the declared hash, and the
   * caller checks the streamed bytes against it as they arrive.
   */
  readonly body: Uint8Array | undefined;
}

/** A request whose signature checked out. */
export interface VerifiedRequest {
  readonly key: AccessKey;
  /** Region and service from the credential scope. */
  readonly region: string;
  readonly signingService: string;
  /** Epoch ms of the signature's timestamp. */
  readonly signedAt: number;
}

/** Options of {@link createSigV4Verifier}. */
export interface SigV4VerifierOptions {
  /** The current credentials (called per request, so reloads take effect at once). */
  readonly credentials: () => CredentialStore;
  /**
   * Allowed difference between the request's timestamp and the server clock, ms. Default 15
   * minutes, the window of the SigV4 documentation ("the request must reach AWS within 15
   * minutes of the time stamp").
   */
  readonly clockSkewMs?: number;
  /** Injectable clock, epoch ms. */
  readonly now?: () => number;
}

/** Verifies one request; `expectedService` is the signing name of the service it addresses. */
export type SigV4Verifier = (req: SignedRequest, expectedService?: string) => Promise<VerifiedRequest>;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** SigV4 presigned URLs live at most 7 days (X-Amz-Expires ≤ 604800). */
const MAX_EXPIRES_SECONDS = 604_800;
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

/** Exposes the library's canonical request and string-to-sign builders (protected there). */
class Canonicalizer extends SignatureV4Base {
  constructor() {
    // Credentials and region are unused: we only build strings; keys come from getSigningKey.
    super({
      service: 'unused',
      region: 'unused',
      credentials: { accessKeyId: '', secretAccessKey: '' },
      sha256: Hash.bind(null, 'sha256'),
    });
  }
  canonicalRequest(
    request: Parameters<SignatureV4Base['createCanonicalRequest']>[0],
    headers: Record<string, string>,
    payloadHash: string,
  ): string {
    return this.createCanonicalRequest(request, headers, payloadHash);
  }
  stringToSign(longDate: string, scope: string, canonicalRequest: string): Promise<string> {
    return this.createStringToSign(longDate, scope, canonicalRequest, ALGORITHM);
  }
}

interface ParsedSignature {
  readonly form: 'header' | 'query';
  readonly accessKeyId: string;
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  readonly signedHeaders: string[];
  readonly signature: string;
  /** ISO-8601 basic `YYYYMMDDTHHMMSSZ` of the request. */
  readonly longDate: string;
  readonly signedAt: number;
  readonly sessionToken: string | undefined;
  /** Presigned only. */
  readonly expiresSeconds?: number;
}

/** Builds a verifier over a (reloadable) credential store. */
export function createSigV4Verifier(options: SigV4VerifierOptions): SigV4Verifier {
  const skewMs = options.clockSkewMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const canonicalizer = new Canonicalizer();
  const sha256 = Hash.bind(null, 'sha256');

  return async function verify(req: SignedRequest, expectedService?: string): Promise<VerifiedRequest> {
    const queryAt = req.url.indexOf('?');
    const path = queryAt < 0 ? req.url : req.url.slice(0, queryAt);
    const search = new URLSearchParams(queryAt < 0 ? '' : req.url.slice(queryAt + 1));
    const sig = parseSignature(req.headers, search);

    // 1. Algorithm and credential scope `<key>/<yyyymmdd>/<region>/<service>/aws4_request`.
    if (sig.terminator !== 'aws4_request') {
      throw incomplete(
        `Credential should be scoped with a valid terminator: 'aws4_request', not '${sig.terminator}'. `,
      );
    }
    if (sig.region === '') throw incomplete("Credential should be scoped to a valid region, not ''. ");
    if (expectedService !== undefined && sig.service !== expectedService) {
      throw invalid(`Credential should be scoped to correct service: '${expectedService}'. `);
    }

    // 2. The access key must be known; temporary credentials must present their session token.
    const key = options.credentials().lookup(sig.accessKeyId);
    if (key === undefined) throw new ServiceError(CommonErrors.UnrecognizedClientException, INVALID_TOKEN);
    if (!sameSecret(key.sessionToken, sig.sessionToken))
      throw new ServiceError(CommonErrors.UnrecognizedClientException, INVALID_TOKEN);

    // 3. Time: the scope date must be the request date, and the request within the skew window
    //    (presigned: not expired, and not signed in the future).
    if (sig.scopeDate !== sig.longDate.slice(0, 8)) {
      throw invalid(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${sig.scopeDate}' != '${sig.longDate.slice(0, 8)}', from '${sig.longDate}'.`,
      );
    }
    const current = now();
    const minutes = Math.round(skewMs / 60_000);
    if (sig.form === 'query') {
      const expiresAt = sig.signedAt + (sig.expiresSeconds ?? 0) * 1000;
      if (current > expiresAt) {
        throw invalid(
          `Signature expired: ${isoBasic(expiresAt)} is now earlier than ${isoBasic(current)} (presigned URL valid for ${sig.expiresSeconds} s).`,
        );
      }
    } else if (sig.signedAt < current - skewMs) {
      throw invalid(
        `Signature expired: ${sig.longDate} is now earlier than ${isoBasic(current - skewMs)} (${isoBasic(current)} - ${minutes} min.)`,
      );
    }
    if (sig.signedAt > current + skewMs) {
      throw invalid(
        `Signature not yet current: ${sig.longDate} is still later than ${isoBasic(current + skewMs)} (${isoBasic(current)} + ${minutes} min.)`,
      );
    }

    // 4. The host must be signed (`:authority` under HTTP/2), as AWS requires.
    if (!sig.signedHeaders.includes('host') && !sig.signedHeaders.includes(':authority')) {
      throw invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }

    // 5. Payload hash: a hex digest in X-Amz-Content-Sha256 must be the body's; UNSIGNED-PAYLOAD is
    //    taken as is; streaming (aws-chunked) signing is not supported.
    const declared = req.headers['x-amz-content-sha256'];
    let payloadHash: string;
    if (declared !== undefined) {
      if (declared.startsWith('STREAMING-')) {
        throw invalid(
          `Streaming payload signing ('${declared}', aws-chunked) is not supported by this endpoint; sign the whole payload instead.`,
        );
      }
      if (declared !== UNSIGNED_PAYLOAD && req.body === undefined) {
        if (!/^[0-9a-f]{64}$/.test(declared)) {
          throw invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
      } else if (declared !== UNSIGNED_PAYLOAD) {
        const actual = bodyHash(req.body ?? new Uint8Array(0));
        if (!/^[0-9a-f]{64}$/.test(declared) || !timingSafeEqual(Buffer.from(declared), Buffer.from(actual))) {
          throw invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
      }
      payloadHash = declared;
    } else if (req.body === undefined) {
      throw invalid(
        "A streamed request body needs the 'x-amz-content-sha256' header (a SHA-256 hex digest or UNSIGNED-PAYLOAD).",
      );
    } else {
      payloadHash = bodyHash(req.body);
    }

    // 6. Canonical request over exactly the signed headers (HTTP/2 carries the host as `:authority`).
    const headers: Record<string, string> = {};
    for (const name of sig.signedHeaders) {
      let value = req.headers[name];
      if (value === undefined && name === 'host') value = req.headers[':authority'];
      if (value !== undefined) headers[name] = value;
    }
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of search) {
      const prev = query[name];
      query[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    const request = { method: req.method, protocol: 'https:', hostname: '', path, query, headers };
    const canonicalHeaders = getCanonicalHeaders(request, undefined, new Set(sig.signedHeaders));
    const canonicalRequest = canonicalizer.canonicalRequest(request, canonicalHeaders, payloadHash);
    const scope = `${sig.scopeDate}/${sig.region}/${sig.service}/aws4_request`;
    const stringToSign = await canonicalizer.stringToSign(sig.longDate, scope, canonicalRequest);

    // 7. Signature = hex(HMAC(signing key, string to sign)), compared in constant time.
    const signingKey = await getSigningKey(sha256, key, sig.scopeDate, sig.region, sig.service);
    const mac = new Hash('sha256', signingKey);
    mac.update(stringToSign);
    const expected = Buffer.from(await mac.digest());
    const given = /^[0-9a-f]{64}$/.test(sig.signature) ? Buffer.from(sig.signature, 'hex') : Buffer.alloc(32);
    const listed = Object.keys(canonicalHeaders).sort().join(';') === sig.signedHeaders.join(';');
    if (!timingSafeEqual(expected, given) || !listed || !/^[0-9a-f]{64}$/.test(sig.signature)) {
      // AWS appends the canonical string and string to sign it computed, to help debug signers.
      throw invalid(
        `${MISMATCH}\n\nThe Canonical String for this request should have been\n'${canonicalRequest}'\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`,
      );
    }
    return { key, region: sig.region, signingService: sig.service, signedAt: sig.signedAt };
  };
}

/** Parses the signature parameters of either form; the pipeline has already checked presence. */
function parseSignature(
  headers: Readonly<Record<string, string | undefined>>,
  query: URLSearchParams,
): ParsedSignature {
  const authorization = headers['authorization'];
  let form: 'header' | 'query';
  let algorithm: string;
  let credential: string;
  let signedHeaders: string;
  let signature: string;
  let rawDate: string | undefined;
  let sessionToken: string | undefined;
  let expiresSeconds: number | undefined;
  if (authorization !== undefined && authorization !== '') {
    form = 'header';
    algorithm = authorization.trim().split(/\s+/, 1)[0] ?? '';
    const params = new Map<string, string>();
    for (const token of authorization
      .trim()
      .slice(algorithm.length)
      .split(/[,\s]+/)) {
      const eq = token.indexOf('=');
      if (eq > 0) params.set(token.slice(0, eq), token.slice(eq + 1));
    }
    credential = params.get('Credential') ?? '';
    signedHeaders = params.get('SignedHeaders') ?? '';
    signature = params.get('Signature') ?? '';
    rawDate = headers['x-amz-date'] ?? headers['date'];
    sessionToken = headers['x-amz-security-token'];
  } else {
    form = 'query';
    algorithm = query.get('X-Amz-Algorithm') ?? '';
    credential = query.get('X-Amz-Credential') ?? '';
    signedHeaders = query.get('X-Amz-SignedHeaders') ?? '';
    signature = query.get('X-Amz-Signature') ?? '';
    rawDate = query.get('X-Amz-Date') ?? undefined;
    sessionToken = query.get('X-Amz-Security-Token') ?? undefined;
    const expires = query.get('X-Amz-Expires');
    if (
      expires === null ||
      !/^\d{1,6}$/.test(expires) ||
      Number(expires) < 1 ||
      Number(expires) > MAX_EXPIRES_SECONDS
    ) {
      throw incomplete(
        `X-Amz-Expires must be an integer number of seconds from 1 to ${MAX_EXPIRES_SECONDS}. Re-examine the query-string parameters.`,
      );
    }
    expiresSeconds = Number(expires);
  }
  if (algorithm !== ALGORITHM) throw incomplete(`Unsupported AWS 'algorithm': '${algorithm}'. `);
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[0] === '') {
    throw incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    );
  }
  const date = parseRequestDate(rawDate ?? '');
  return {
    form,
    accessKeyId: parts[0]!,
    scopeDate: parts[1]!,
    region: parts[2]!,
    service: parts[3]!,
    terminator: parts[4]!,
    // Taken verbatim: SigV4 requires lower-case names and hex, and anything else must not verify.
    signedHeaders: signedHeaders.split(';'),
    signature,
    longDate: date.longDate,
    signedAt: date.at,
    sessionToken,
    ...(expiresSeconds === undefined ? {} : { expiresSeconds }),
  };
}

/** `X-Amz-Date` in ISO-8601 basic format (`20261125T120000Z`), or an RFC 7231 `Date` header. */
function parseRequestDate(raw: string): { longDate: string; at: number } {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(raw);
  if (m !== null) {
    const at = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    if (Number.isFinite(at) && isoBasic(at) === raw) return { longDate: raw, at };
  } else if (/[a-zA-Z]{3},/.test(raw)) {
    const at = Date.parse(raw);
    if (Number.isFinite(at)) return { longDate: isoBasic(at), at };
  }
  throw incomplete(`Date must be in ISO-8601 'basic format'. Got '${raw}'. See http://en.wikipedia.org/wiki/ISO_8601`);
}

/** Epoch ms → `YYYYMMDDTHHMMSSZ`. */
export function isoBasic(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function bodyHash(body: Uint8Array): string {
  return body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex');
}

/** Constant-time equality of two optional secrets (both absent counts as equal). */
function sameSecret(expected: string | undefined, given: string | undefined): boolean {
  if (expected === undefined || given === undefined) return expected === given;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

function invalid(message: string): ServiceError {
  return new ServiceError(CommonErrors.InvalidSignatureException, message);
}

function incomplete(message: string): ServiceError {
  return new ServiceError(CommonErrors.IncompleteSignatureException, message);
}
