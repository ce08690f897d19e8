/**
 * Routing. Two tables, because AWS has two kinds of service on one endpoint:
 * - target-routed (AWS JSON 1.1 / CBOR 1.1): `X-Amz-Target: <TargetPrefix>.<Operation>` picks the
 *   {@link ServiceDefinition} by prefix (Kinesis_20131202, Firehose_20150804, KinesisAnalytics_20150814, …);
 * - path-routed (REST-JSON, Kinesis Video Streams): method + path picks a {@link RestRoute}.
 * Both tables are built from the mounted service modules. The router also answers, from the operations'
 * declared traits, how large a request's body may be and whether it is read in full or streamed.
 */
import type { OperationDefinition, RestRoute, ServiceDefinition, ServiceModule } from '../protocol/index.js';

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
  readonly definition: OperationDefinition;
}

/** Splits `X-Amz-Target` at its first dot. */
export function parseTarget(header: string | undefined): Target {
  const text = header ?? '';
  const dot = text.indexOf('.');
  return dot < 0 ? { prefix: text, operation: '' } : { prefix: text.slice(0, dot), operation: text.slice(dot + 1) };
}

/** How the listener takes a request's body (see {@link Router.bodyPlan}). */
export interface BodyPlan {
  /** Bytes the body may have; more answers 413 (or, streamed, ends the stream with that error). */
  readonly limitBytes: number;
  /** Hand the body to the route as a stream instead of reading it in full first. */
  readonly streaming: boolean;
}

/** Cap of every operation without the `largeBody` trait: control-plane inputs are a few KiB (tags, policies ≤ 20 KiB). */
export const SMALL_BODY_BYTES = 1024 * 1024;

/** Both routing tables. Built once at start-up; lookups are map hits. */
export class Router {
  readonly #byPrefix = new Map<string, ServiceDefinition>();
  readonly #rest = new Map<string, RestRoute>();

  constructor(modules: readonly ServiceModule[]) {
    for (const module of modules) {
      const service = module.definition;
      if (service === undefined) continue;
      if (this.#byPrefix.has(service.targetPrefix)) {
        throw new Error(`Two services share the X-Amz-Target prefix ${service.targetPrefix}`);
      }
      this.#byPrefix.set(service.targetPrefix, service);
    }
    for (const route of modules.flatMap((m) => m.routes ?? [])) {
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
    if (!Object.hasOwn(service.operations, target.operation)) return undefined;
    const definition = service.operations[target.operation];
    return definition === undefined ? undefined : { service, operation: target.operation, definition };
  }

  /** The REST route for a method and path (query excluded), or undefined. */
  matchRest(method: string, path: string): RestRoute | undefined {
    if (this.#rest.size === 0) return undefined;
    return this.#rest.get(`${method.toUpperCase()} ${path}`);
  }

  /**
   * How to take the body of a request, from its method, path and headers, before reading it: operations with
   * the `largeBody` trait and REST routes with `largeBody` or `streamingRequest` may use the whole cap
   * `maxBodyBytes`, everything else {@link SMALL_BODY_BYTES}; REST routes with `streamingRequest` get their body
   * as a stream. Unknown targets
   * get the small cap (they are answered with an error without looking at the body).
   */
  bodyPlan(method: string, url: string, target: string | undefined, maxBodyBytes: number): BodyPlan {
    const small = Math.min(maxBodyBytes, SMALL_BODY_BYTES);
    if (target === undefined) {
      const queryAt = url.indexOf('?');
      const route = this.matchRest(method, queryAt < 0 ? url : url.slice(0, queryAt));
      if (route !== undefined) {
        // Streamed bodies (PutMedia) and payload-carrying routes may use the whole cap; a REST control-plane
        // operation is capped like a target-routed one without `largeBody`.
        const streaming = route.traits?.streamingRequest === true;
        // An uncapped stream bounds itself (RestRouteTraits.uncappedStream).
        if (streaming && route.traits?.uncappedStream === true)
          return { limitBytes: Number.POSITIVE_INFINITY, streaming };
        return { limitBytes: streaming || route.traits?.largeBody ? maxBodyBytes : small, streaming };
      }
      return { limitBytes: small, streaming: false };
    }
    const resolved = this.resolve(parseTarget(target));
    return { limitBytes: resolved?.definition.traits.largeBody ? maxBodyBytes : small, streaming: false };
  }
}
