/**
 * Routing. Two tables, because AWS has two kinds of service on one endpoint:
 * - target-routed (AWS JSON 1.1 / CBOR 1.1): `X-Amz-Target: <TargetPrefix>.<Operation>` picks the
 *   {@link ServiceDefinition} by prefix (Kinesis_20131202 now; Firehose_20150804 and
 *   KinesisAnalytics_20150814 mount beside it later);
 * - path-routed (REST-JSON, Kinesis Video Streams): method + path picks a {@link RestRoute}. The
 *   table is empty until Video lands.
 */
import type { OperationHandler, RequestContext, ServiceDefinition } from '../protocol/index.js';

/** A parsed `X-Amz-Target` header. */
export interface Target {
  /** Text before the first `.`, e.g. `Kinesis_20131202` (may be empty). */
  readonly prefix: string;
  /** Text after the first `.` (may be empty). */
  readonly operation: string;
}

/** A target that names a mounted service and one of its implemented operations. */
export interface ResolvedTarget {
  readonly service: ServiceDefinition;
  readonly operation: string;
  readonly handler: OperationHandler;
}

/** Splits `X-Amz-Target` at its first dot. */
export function parseTarget(header: string | undefined): Target {
  const text = header ?? '';
  const dot = text.indexOf('.');
  return dot < 0 ? { prefix: text, operation: '' } : { prefix: text.slice(0, dot), operation: text.slice(dot + 1) };
}

/** A request as a REST route sees it (method, path, query, headers, body). */
export interface RestRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

/** What a REST route answers. */
export interface RestResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | AsyncIterable<Uint8Array>;
}

/**
 * One path-routed operation (REST-JSON, e.g. Video's `POST /createStream`). The route does its own
 * decoding because REST inputs come from the path, query, headers and body together.
 * TODO(#video): routes that stream their body (PutMedia) need the raw request stream, not a Buffer.
 */
export interface RestRoute {
  readonly method: string;
  /** Exact path, e.g. `/createStream`. */
  readonly path: string;
  /** Service name for logs, e.g. `kinesisvideo`. */
  readonly service: string;
  readonly operation: string;
  handle(req: RestRequest, ctx: RequestContext): Promise<RestResponse>;
}

/** Options for {@link Router}. */
export interface RouterOptions {
  readonly services: readonly ServiceDefinition[];
  readonly restRoutes: readonly RestRoute[];
}

/** Both routing tables. Built once at start-up; lookups are map hits. */
export class Router {
  readonly #byPrefix = new Map<string, ServiceDefinition>();
  readonly #rest = new Map<string, RestRoute>();

  constructor(options: Partial<RouterOptions> = {}) {
    for (const service of options.services ?? []) {
      if (this.#byPrefix.has(service.targetPrefix)) {
        throw new Error(`Two services share the X-Amz-Target prefix ${service.targetPrefix}`);
      }
      this.#byPrefix.set(service.targetPrefix, service);
    }
    for (const route of options.restRoutes ?? []) {
      const key = `${route.method.toUpperCase()} ${route.path}`;
      if (this.#rest.has(key)) throw new Error(`Two REST routes for ${key}`);
      this.#rest.set(key, route);
    }
  }

  /** Mounted target-routed services. */
  get services(): ServiceDefinition[] {
    return [...this.#byPrefix.values()];
  }

  /**
   * The service and handler for a target, or undefined (→ UnknownOperationException). An operation
   * counts only when the service implements it (service.ts: model-only operations are unknown).
   */
  resolve(target: Target): ResolvedTarget | undefined {
    const service = this.#byPrefix.get(target.prefix);
    if (service === undefined || target.operation === '') return undefined;
    if (!Object.hasOwn(service.handlers, target.operation)) return undefined;
    const handler = service.handlers[target.operation];
    return handler === undefined ? undefined : { service, operation: target.operation, handler };
  }

  /** The REST route for a method and path (query excluded), or undefined. */
  matchRest(method: string, path: string): RestRoute | undefined {
    if (this.#rest.size === 0) return undefined;
    return this.#rest.get(`${method.toUpperCase()} ${path}`);
  }
}
