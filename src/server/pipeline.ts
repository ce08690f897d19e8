/**
 * The request pipeline: one function from a fully read request to a response, shared by the HTTP/1.1 and HTTP/2
 * listeners and by `inject()`. It performs AWS's checks in AWS's order (docs/architecture.md, "Request lifecycle": the
 * first failing step answers), then decodes, runs the handler and encodes. It never throws: every failure becomes a
 * response.
 */
import { createHash, randomFillSync, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  CommonErrors,
  REST_JSON_CONTENT_TYPE,
  ServiceError,
  toServiceError,
  type Logger,
  type RequestContext,
  type ServiceModel,
  type WireCodec,
} from '../protocol/index.js';
import type { AuthorizeRequest, CallerIdentity } from '../auth/index.js';
import { acceptAnySignature, checkAuthShape, resolveIdentity, type AuthInfo, type Authenticator } from './auth.js';
import type { AuditIdentity, AuditSink } from './audit.js';
import {
  CBOR_1_1_CONTENT_TYPE,
  LEGACY_JSON_CONTENT_TYPE,
  createCodecTable,
  encodeCborError,
  json11Codec,
  type CodecTable,
} from './codecs.js';
import type { RestRoute } from '../protocol/index.js';
import { parseTarget, type Router } from './router.js';

/** A request whose body has been read (or abandoned because it was too large). */
export interface PipelineRequest {
  readonly method: string;
  /** Path and query, e.g. `/` or `/?X-Amz-Algorithm=...`. */
  readonly url: string;
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body; empty when {@link bodyTooLarge} or when it is streamed ({@link bodyStream}). */
  readonly body: Buffer;
  /**
   * The body as it arrives, for REST routes with the `streamingRequest` trait (the listener asked the router's
   * body plan). It ends with RequestEntityTooLargeException past {@link bodyLimitBytes}.
   */
  readonly bodyStream?: AsyncIterable<Buffer>;
  /** The body exceeded the cap and was not read to the end. */
  readonly bodyTooLarge?: boolean;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** Epoch ms when the request arrived. */
  readonly receivedAt: number;
  /** The client's IP address (audit log; `aws:SourceIp` in policy conditions). */
  readonly remoteAddress?: string;
  /** The request arrived over TLS (`aws:SecureTransport` in policy conditions). */
  readonly secure?: boolean;
  /** The body cap that applied to this request (413 message); default the pipeline's maxBodyBytes. */
  readonly bodyLimitBytes?: number;
}

/** What the listener writes back. Header names are lower case. */
export interface PipelineResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** A buffer, or a byte stream (event streams such as SubscribeToShard) written as it is produced. */
  readonly body: Buffer | AsyncIterable<Uint8Array>;
}

/** Everything the pipeline needs. */
export interface PipelineOptions {
  readonly router: Router;
  readonly logger: Logger;
  /** Default region and account, used when the request's credentials do not give them (./auth.ts). */
  readonly region: string;
  readonly accountId: string;
  /** Only used for the 413 message; the listener enforces the cap while reading. */
  readonly maxBodyBytes: number;
  /** Default: JSON 1.1 and CBOR 1.1. */
  readonly codecs: CodecTable;
  /** Signature verification hook; default accepts any well-shaped credentials. */
  readonly authenticate: Authenticator;
  /** Authorization hook: after decoding, before the handler; throws AccessDeniedException. Default none. */
  readonly authorize?: (req: AuthorizeRequest) => void | Promise<void>;
  /** Receives one record per call that named an operation. Default none. */
  readonly audit?: AuditSink;
  /**
   * Called after each request that reached a known operation, with its AWS error type if it failed and its time in
   * seconds (the `/metrics` request histogram, src/server/metrics.ts). Default none.
   */
  readonly onRequest?: (service: string, operation: string, errorType: string | undefined, seconds: number) => void;
  /** Routes with the `unsignedWhenOpen` trait answer requests without credentials (the server is in open mode). */
  readonly unsignedRoutes?: boolean;
}

/** The pipeline as a function. */
export type Pipeline = (req: PipelineRequest) => Promise<PipelineResponse>;

/** Content type of event-stream responses (docs/adr/0007-enhanced-fan-out-push.md). */
export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

// CORS (docs/architecture.md, "Request lifecycle"): the headers a browser may read on cross-origin responses.
const EXPOSE_HEADERS = 'x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date';
// docs/architecture.md, "Request lifecycle": AWS's XML answer when it cannot tell service or operation.
const ACCESS_DENIED_XML = Buffer.from(
  '<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n',
);
const UNKNOWN_OPERATION_XML = Buffer.from('<UnknownOperationException/>\n');
// docs/architecture.md, "Request lifecycle": coral envelopes for legacy application/json.
const LEGACY_SERIALIZATION = Buffer.from(
  JSON.stringify({ Output: { __type: 'com.amazon.coral.service#SerializationException' }, Version: '1.0' }),
);
const LEGACY_UNKNOWN_OPERATION = Buffer.from(
  JSON.stringify({ Output: { __type: 'com.amazon.coral.service#UnknownOperationException' }, Version: '1.0' }),
);
const EMPTY = Buffer.alloc(0);
/** Errors of path-routed (REST-JSON) operations: JSON 1.1 bodies sent as `application/json`. */
const restJsonErrors: WireCodec = { ...json11Codec, contentType: REST_JSON_CONTENT_TYPE };
/** The query of a URL without one; shared, so it is only ever read. */
const NO_QUERY: URLSearchParams = new URLSearchParams();

// x-amz-id-2 is 72 random bytes in base64 (what AWS sends). They are cut from a pool refilled ~900 responses at a
// time: one randomFillSync call per response was 5% of server time under many small requests.
const ID2_BYTES = 72;
const id2Pool = Buffer.alloc(ID2_BYTES * 910);
let id2At = id2Pool.length;
function amzId2(): string {
  if (id2At + ID2_BYTES > id2Pool.length) {
    randomFillSync(id2Pool);
    id2At = 0;
  }
  const id = id2Pool.toString('base64', id2At, id2At + ID2_BYTES);
  id2At += ID2_BYTES;
  return id;
}

/** Builds the pipeline. */
export function createPipeline(
  options: Pick<PipelineOptions, 'router' | 'logger' | 'region' | 'accountId' | 'maxBodyBytes'> &
    Partial<PipelineOptions>,
): Pipeline {
  const { router, logger } = options;
  const codecs = options.codecs ?? createCodecTable();
  const authenticate = options.authenticate ?? acceptAnySignature;
  const defaults = { region: options.region, accountId: options.accountId };
  const audit = options.audit;
  const onRequest = options.onRequest;

  return async function pipeline(req: PipelineRequest): Promise<PipelineResponse> {
    const started = performance.now();
    const requestId = randomUUID();
    const headers: Record<string, string> = { 'x-amzn-requestid': requestId };
    let operation: string | undefined;
    let service: string | undefined;
    let response: PipelineResponse;
    // For the audit log: what the caller sent and who they turned out to be.
    let auditInput: Record<string, unknown> | undefined;
    let auditModel: ServiceModel | undefined;
    let authInfo: AuthInfo | undefined;
    let caller: CallerIdentity | undefined;

    const error = (codec: WireCodec, err: ServiceError): PipelineResponse => {
      headers['content-type'] = codec.contentType;
      headers['x-amzn-errortype'] = err.code;
      return { status: err.httpStatus, headers, body: codec.encodeError(err) };
    };
    // A ServiceError is an answer; anything else is a fault: InternalFailure 500, logged.
    const handlerFailure = (e: unknown): ServiceError => {
      if (e instanceof ServiceError) return e;
      logger.error({ err: e, requestId, service, operation }, 'operation failed');
      return toServiceError(e);
    };
    const raw = (status: number, body: Buffer, contentType?: string): PipelineResponse => {
      if (contentType !== undefined) headers['content-type'] = contentType;
      return { status, headers, body };
    };

    try {
      response = await run();
    } catch (e) {
      // Only a bug in the pipeline itself gets here; answer rather than hang the client.
      logger.error({ err: e, requestId }, 'request pipeline failed');
      response = error(json11Codec, toServiceError(e));
    }

    if (audit !== undefined && service !== undefined && operation !== undefined) {
      recordAudit(response);
    }
    if (onRequest !== undefined && service !== undefined && operation !== undefined) {
      onRequest(service, operation, response.headers['x-amzn-errortype'], (performance.now() - started) / 1000);
    }
    if (logger.isDebugEnabled) {
      logger.debug(
        {
          requestId,
          service,
          operation,
          status: response.status,
          errorType: response.headers['x-amzn-errortype'],
          durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        },
        'request',
      );
    }
    return response;

    function recordAudit(res: PipelineResponse): void {
      const scope = resolveIdentity(authInfo, defaults);
      const accountId = caller?.accountId ?? scope.accountId;
      const principal = caller?.principal;
      const accessKeyId = caller?.accessKeyId ?? authInfo?.accessKeyId;
      const identity: AuditIdentity = principal
        ? {
            type: principal.type,
            principalId: principal.name,
            arn: principal.arn,
            accountId,
            userName: principal.name,
            ...(accessKeyId ? { accessKeyId } : {}),
          }
        : { type: 'Unknown', accountId, ...(accessKeyId ? { accessKeyId } : {}) };
      const errorCode = res.headers['x-amzn-errortype'];
      let errorMessage: string | undefined;
      if (
        errorCode !== undefined &&
        Buffer.isBuffer(res.body) &&
        (res.headers['content-type'] === json11Codec.contentType ||
          res.headers['content-type'] === REST_JSON_CONTENT_TYPE)
      ) {
        try {
          const body = JSON.parse(res.body.toString('utf8')) as { message?: unknown; Message?: unknown };
          const text = body.message ?? body.Message;
          if (typeof text === 'string') errorMessage = text;
        } catch {
          // Not JSON: keep the code only.
        }
      }
      audit!.record({
        receivedAt: req.receivedAt,
        service: service!,
        operation: operation!,
        region: scope.region,
        accountId,
        sourceIp: req.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? '',
        identity,
        input: auditInput,
        model: auditModel,
        requestId,
        ...(errorCode === undefined ? {} : { errorCode }),
        ...(errorMessage === undefined ? {} : { errorMessage }),
      });
    }

    async function run(): Promise<PipelineResponse> {
      const h = req.headers;
      const method = req.method.toUpperCase();
      const origin = h['origin'];
      const preflight = method === 'OPTIONS' && origin !== undefined;

      // Step 1: every response has x-amzn-RequestId; all but a CORS preflight also x-amz-id-2.
      if (!preflight) headers['x-amz-id-2'] = amzId2();

      // Step 2: CORS.
      if (origin !== undefined) {
        headers['access-control-allow-origin'] = '*';
        if (preflight) {
          const reqHeaders = h['access-control-request-headers'];
          const reqMethod = h['access-control-request-method'];
          if (reqHeaders !== undefined) headers['access-control-allow-headers'] = reqHeaders;
          if (reqMethod !== undefined) headers['access-control-allow-methods'] = reqMethod;
          headers['access-control-max-age'] = '172800';
        } else {
          headers['access-control-expose-headers'] = EXPOSE_HEADERS;
        }
      }

      const contentType = (h['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

      // Step 1 (cont.): bodies above the cap → 413.
      if (req.bodyTooLarge) {
        const codec = codecs.get(contentType) ?? json11Codec;
        return error(
          codec,
          new ServiceError(
            CommonErrors.RequestEntityTooLargeException,
            `Request body exceeds the limit of ${req.bodyLimitBytes ?? options.maxBodyBytes} bytes.`,
          ),
        );
      }
      if (preflight) return raw(200, EMPTY);

      const queryAt = req.url.indexOf('?');
      const path = queryAt < 0 ? req.url : req.url.slice(0, queryAt);
      const query = queryAt < 0 ? NO_QUERY : new URLSearchParams(req.url.slice(queryAt + 1));

      // Path-routed (REST-JSON) services have no X-Amz-Target.
      if (h['x-amz-target'] === undefined) {
        const route = router.matchRest(method, path);
        if (route !== undefined) {
          service = route.service;
          operation = route.operation;
          return runRest(route, method, path, query);
        }
      }

      // Step 3: method.
      if (method !== 'POST') return raw(403, ACCESS_DENIED_XML);

      const target = parseTarget(h['x-amz-target']);
      const resolved = router.resolve(target);
      service = resolved?.service.name;
      operation = target.operation || undefined;

      // Step 4: empty body. JSON 1.1 requests get JSON, everything else CBOR (what AWS does).
      if (req.body.length === 0) {
        const codec = contentType === json11Codec.contentType ? json11Codec : codecs.get(CBOR_1_1_CONTENT_TYPE);
        const err = new ServiceError(
          resolved ? CommonErrors.SerializationException : CommonErrors.UnknownOperationException,
        );
        if (codec !== undefined) return error(codec, err);
        headers['content-type'] = CBOR_1_1_CONTENT_TYPE;
        headers['x-amzn-errortype'] = err.code;
        return { status: err.httpStatus, headers, body: encodeCborError(err) };
      }

      // Step 5: content type.
      const codec = codecs.get(contentType);
      if (codec === undefined && contentType !== LEGACY_JSON_CONTENT_TYPE) {
        if (target.prefix === '' || target.operation === '') return raw(403, ACCESS_DENIED_XML);
        return raw(404, UNKNOWN_OPERATION_XML);
      }

      // Steps 6–7: legacy application/json is parsed but never routed.
      if (codec === undefined) {
        return isJsonObject(req.body)
          ? raw(404, LEGACY_UNKNOWN_OPERATION, LEGACY_JSON_CONTENT_TYPE)
          : raw(400, LEGACY_SERIALIZATION, LEGACY_JSON_CONTENT_TYPE);
      }

      // Step 6: parse. Nesting deeper than any AWS shape costs parse time and proves nothing:
      // refuse it as unparseable before JSON.parse spends seconds on megabytes of brackets.
      let input: Record<string, unknown>;
      if (codec.contentType === json11Codec.contentType && jsonTooDeep(req.body, MAX_JSON_DEPTH)) {
        return error(codec, new ServiceError(CommonErrors.SerializationException));
      }
      try {
        input = codec.parse(req.body);
      } catch (e) {
        // A codec that lets a raw parser error escape still means "not parseable" to the client.
        return error(
          codec,
          e instanceof ServiceError
            ? e
            : new ServiceError(CommonErrors.SerializationException, undefined, { cause: e }),
        );
      }

      // Step 8: target.
      if (resolved === undefined) return error(codec, new ServiceError(CommonErrors.UnknownOperationException));

      auditInput = input;
      auditModel = resolved.service.model;

      // Step 9: authentication (shape, then the verification hook).
      let auth: AuthInfo;
      try {
        auth = checkAuthShape(h, query);
        authInfo = auth;
        const signingName =
          resolved.service.model.metadata.signingName ?? resolved.service.model.metadata.endpointPrefix;
        caller =
          (await authenticate({ method, url: req.url, headers: h, body: req.body, auth, service: signingName })) ??
          undefined;
      } catch (e) {
        return error(codec, handlerFailure(e));
      }

      // Steps 10–11: type and constraint checks.
      let decoded: Record<string, unknown>;
      try {
        decoded = codec.decode(resolved.service.model, resolved.operation, input);
      } catch (e) {
        return error(codec, handlerFailure(e));
      }

      // Authorization: after decoding (the resource comes from the input), before anything is done.
      const scope = callerScope(auth);
      const denied = await authorizeCall(codec, {
        scope,
        service: resolved.service.name,
        operation: resolved.operation,
        input: () => decoded,
      });
      if (denied) return denied;

      // Step 12: the operation.
      const ctx = requestContext(scope, codec);
      let output: unknown;
      try {
        output = await resolved.definition.handle(decoded, ctx);
      } catch (e) {
        return error(codec, handlerFailure(e));
      }

      // Success: 200. Operations declared `streamingResponse` answer an event stream (the handler returns its
      // framed bytes); every other output is encoded in the request's encoding, Content-Type echoing its type.
      if (resolved.definition.traits.streamingResponse) {
        if (!isByteStream(output))
          return error(codec, handlerFailure(new Error(`${operation} returned no byte stream`)));
        headers['content-type'] = EVENT_STREAM_CONTENT_TYPE;
        return { status: 200, headers, body: output };
      }
      // An operation whose model has no output shape answers an empty body (Content-Length 0, Content-Type
      // still echoing the request's), as AWS does; ADR 0013.
      if (output === undefined && resolved.service.model.operations[resolved.operation]?.output === undefined) {
        return raw(200, EMPTY, codec.contentType);
      }
      return raw(200, codec.encodeOutput(output, resolved.service.model, resolved.operation), codec.contentType);
    }

    /** What the handler learns about this request. */
    function requestContext(scope: ReturnType<typeof resolveIdentity>, codec: WireCodec): RequestContext {
      return {
        requestId,
        ...scope,
        receivedAt: req.receivedAt,
        // Read when the handler asks: the listener makes the signal on first use.
        get signal() {
          return req.signal;
        },
        codec,
        get endpointUrl() {
          const host = req.headers['host'] ?? req.headers[':authority'];
          return host === undefined ? undefined : `${req.secure ? 'https' : 'http'}://${host}`;
        },
      };
    }

    /** Region and account of the call: the credential scope, with the verified principal's account when there is one. */
    function callerScope(auth: AuthInfo): ReturnType<typeof resolveIdentity> {
      const scope = resolveIdentity(auth, defaults);
      if (caller?.accountId !== undefined) scope.accountId = caller.accountId;
      return scope;
    }

    /**
     * Runs the authorization hook (when configured) for one call; answers the error response when it refuses,
     * undefined when the call may proceed. `input` is built only when a hook needs it.
     */
    async function authorizeCall(
      codec: WireCodec,
      call: {
        scope: ReturnType<typeof resolveIdentity>;
        service: string;
        operation: string;
        input: () => Record<string, unknown>;
      },
    ): Promise<PipelineResponse | undefined> {
      if (options.authorize === undefined) return undefined;
      try {
        await options.authorize({
          identity: caller,
          service: call.service,
          operation: call.operation,
          input: call.input(),
          ...call.scope,
          ...(req.remoteAddress === undefined ? {} : { sourceIp: req.remoteAddress }),
          secureTransport: req.secure === true,
        });
        return undefined;
      } catch (e) {
        return error(codec, handlerFailure(e));
      }
    }

    async function runRest(
      route: RestRoute,
      method: string,
      path: string,
      query: URLSearchParams,
    ): Promise<PipelineResponse> {
      // REST services answer errors as JSON with the type in x-amzn-ErrorType (restJson1); the body is the JSON
      // 1.1 error body, whose `__type` member restJson1 clients ignore in favour of the header.
      const codec = restJsonErrors;
      const streamed = route.traits?.streamingRequest === true && req.bodyStream !== undefined;
      if (audit !== undefined && route.model !== undefined && !streamed) {
        // REST-JSON: the audit record's request parameters are the JSON body's members (blobs left out by the
        // model), as for JSON 1.1 operations.
        auditInput = restAuthorizationInput(NO_QUERY, req.body);
        auditModel = route.model;
      }
      let auth: AuthInfo | undefined;
      const publicAsset = route.traits?.publicAsset === true;
      const unsigned =
        publicAsset ||
        (options.unsignedRoutes === true &&
          route.traits?.unsignedWhenOpen === true &&
          !req.headers['authorization'] &&
          !query.has('X-Amz-Algorithm'));
      try {
        if (!unsigned) auth = checkAuthShape(req.headers, query);
        authInfo = auth;
        if (auth !== undefined)
          caller =
            (await authenticate({
              method,
              url: req.url,
              headers: req.headers,
              body: streamed ? undefined : req.body,
              auth,
              service: route.service,
            })) ?? undefined;
      } catch (e) {
        return error(codec, handlerFailure(e));
      }
      const scope = auth === undefined ? resolveIdentity(undefined, defaults) : callerScope(auth);
      // REST routes decode their own input; authorize against the query, header and (JSON) body members. Public
      // assets (the console's page) answer everyone.
      const denied = publicAsset
        ? undefined
        : await authorizeCall(codec, {
            scope,
            service: route.service,
            operation: route.operation,
            input: () => restAuthorizationInput(query, req.body, req.headers, route.traits?.headerMembers),
          });
      if (denied) return denied;
      const ctx = requestContext(scope, codec);
      try {
        const body = streamed ? checkedStream(req.bodyStream!, req.headers['x-amz-content-sha256']) : req.body;
        // A route gets a query of its own (the shared empty one must stay empty).
        const own = query === NO_QUERY ? new URLSearchParams() : query;
        const out = await route.handle({ method, path, query: own, headers: req.headers, body }, ctx);
        Object.assign(headers, out.headers);
        return { status: out.status, headers, body: out.body };
      } catch (e) {
        return error(codec, handlerFailure(e));
      }
    }
  };
}

/**
 * A streamed body checked against its declared `x-amz-content-sha256` as it passes (the signature covered the
 * declared hash, not the bytes): the last read throws InvalidSignatureException when they differ, so a handler
 * that commits only after reading to the end never keeps forged bytes. `UNSIGNED-PAYLOAD` passes as is.
 */
async function* checkedStream(body: AsyncIterable<Buffer>, declared: string | undefined): AsyncIterable<Buffer> {
  if (declared === undefined || !/^[0-9a-f]{64}$/.test(declared)) {
    yield* body;
    return;
  }
  const hash = createHash('sha256');
  for await (const chunk of body) {
    hash.update(chunk);
    yield chunk;
  }
  if (hash.digest('hex') !== declared) {
    throw new ServiceError(
      CommonErrors.InvalidSignatureException,
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }
}

/**
 * What a REST route is authorized against: its query parameters, the members its route reads from headers
 * (`headerMembers`) and the members of a JSON body (REST routes decode their own input, so only these are known before
 * the handler runs).
 */
function restAuthorizationInput(
  query: URLSearchParams,
  body: Buffer,
  headers?: Readonly<Record<string, string | undefined>>,
  headerMembers?: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const fields: Record<string, unknown> = Object.fromEntries(query);
  if (headerMembers !== undefined && headers !== undefined) {
    for (const [header, member] of Object.entries(headerMembers)) {
      const value = headers[header];
      if (value !== undefined && value !== '') fields[member] = value;
    }
  }
  if (body.length > 0 && body.length <= 1024 * 1024) {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) Object.assign(fields, parsed);
    } catch {
      // Not JSON: query only.
    }
  }
  return fields;
}

/** Deepest JSON nesting accepted; AWS's shapes nest a handful of levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether the JSON text nests objects/arrays deeper than `max`. Skips strings with native
 * `indexOf` (base64 payloads cost next to nothing), so the scan is cheap next to the parse.
 */
export function jsonTooDeep(body: Buffer, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === 0x22) {
      let j = i;
      for (;;) {
        j = body.indexOf(0x22, j + 1);
        if (j < 0) return false;
        let backslashes = 0;
        for (let k = j - 1; body[k] === 0x5c; k--) backslashes++;
        if ((backslashes & 1) === 0) break;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

function isJsonObject(body: Buffer): boolean {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function isByteStream(value: unknown): value is AsyncIterable<Uint8Array> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function'
  );
}
