/**
 * The contract between the server and a service (Data Streams, Firehose, Analytics, Video).
 *
 * A service is one module: {@link ServiceModule} is what its factory returns and what the server mounts:
 * - a target-routed {@link ServiceDefinition} (AWS JSON 1.1 / CBOR 1.1): model, error table and one
 *   {@link OperationDefinition} per operation, each declaring its own {@link OperationTraits};
 * - path-routed {@link RestRoute}s (REST-JSON, media), which may stream their request and response bodies;
 * - background {@link Worker}s (delivery loops, running applications), started by the server after it
 *   listens and stopped on close;
 * - `close()`.
 *
 * The server reads everything it needs from these declarations — routing, body limits, authorization
 * (IAM action and resource), the error catalogue — so adding a service means adding its module to the
 * composition root's list and nothing else outside the service's folder (CONTRIBUTING.md, "Add a service").
 *
 * Handlers receive decoded, validated input (blobs as `Uint8Array`, timestamps as `Date`) and return plain
 * objects in the same conventions; the codec encodes them.
 */
import type { ErrorTable } from './service-error.js';
import type { ServiceModel } from './shapes.js';
import type { WireCodec } from './wire-codec.js';

/** Facts about one request that handlers may use. */
export interface RequestContext {
  /** The `x-amzn-RequestId` of this request. */
  readonly requestId: string;
  /** Region from the SigV4 credential scope, else the configured default. */
  readonly region: string;
  /** Account id derived from the access key, else the configured default. */
  readonly accountId: string;
  /** Wall-clock time the request was received, epoch ms. */
  readonly receivedAt: number;
  /** Aborted when the client goes away (long-lived responses stop on it). */
  readonly signal: AbortSignal;
  /**
   * The wire codec of the request (JSON 1.1 or CBOR 1.1). Long-lived responses (SubscribeToShard's event
   * stream) encode their event payloads with it, as AWS answers in the request's encoding.
   */
  readonly codec?: WireCodec;
  /**
   * `<scheme>://<host>` the request was addressed to (its `Host` / `:authority` header, `https` over TLS), for
   * answers that name this server's own URL (Kinesis Video's GetDataEndpoint).
   */
  readonly endpointUrl?: string;
}

/**
 * How authorization finds the resource an operation acts on (the Service Authorization Reference lists a
 * resource type per action). The IAM action is `<service name>:<Operation>` unless the traits name another.
 */
export type ResourceRule =
  /** `*`: account-level operations (ListStreams, DescribeLimits, …). */
  | { readonly kind: 'account' }
  /** A stream: `StreamARN`, else built from `StreamName`. */
  | { readonly kind: 'stream' }
  /** A consumer: `ConsumerARN`, else `<StreamARN>/consumer/<ConsumerName>:*`. */
  | { readonly kind: 'consumer' }
  /** Any ARN given in a member (`ResourceARN`, `ChannelARN`), else `*`. */
  | { readonly kind: 'arn'; readonly member: string }
  /**
   * A resource of type `type` named by the input member `member`: `arn:<partition>:<service>:<region>:<account>:<type>/<name>`
   * (e.g. Firehose's `deliverystream/<DeliveryStreamName>`), or `*` when the member is absent.
   */
  | { readonly kind: 'named'; readonly type: string; readonly member: string }
  /** The resource is only known to the service (GetRecords' iterator encodes its stream): {@link ServiceDefinition.resourceArns}. */
  | { readonly kind: 'service' };

/** What an operation declares about itself, where it is defined; the server acts on these instead of lists. */
export interface OperationTraits {
  /**
   * The request body may use the whole configured cap (operations that carry record payloads or media).
   * Default false: control-plane inputs are capped at 1 MiB.
   */
  readonly largeBody?: boolean;
  /** How authorization finds the resource. Default `account` (`*`). */
  readonly resource?: ResourceRule;
  /** IAM action, when it is not `<service name>:<Operation>`. */
  readonly action?: string;
  /** The handler answers with a byte stream (an event stream such as SubscribeToShard) rather than an object. */
  readonly streamingResponse?: boolean;
  /**
   * The input member that carries the tags a request sets (`Tags` of CreateStream, AddTagsToStream, TagResource)
   * or removes (`TagKeys` of RemoveTagsFromStream, UntagResource): a string map, a list of `{ Key, Value }`, or a
   * list of keys. Authorization exposes them as the `aws:RequestTag/<key>` and `aws:TagKeys` condition keys
   * (Service Authorization Reference). Default: the operation carries no tags.
   */
  readonly requestTags?: string;
}

/** An operation: its handler and its traits. */
export interface OperationDefinition<I extends object = object, O = unknown> {
  readonly traits: OperationTraits;
  /** Decoded, validated input in; output object (or nothing, or a byte stream) out; ServiceError thrown on failure. */
  handle(input: I, ctx: RequestContext): O | Promise<O>;
}

/**
 * Declares an operation with its traits: `PutRecords: op(putRecords, { largeBody: true, resource: STREAM })`.
 * The type parameters come from the handler (generated input/output types).
 */
export function op<I extends object, O>(
  handle: (input: I, ctx: RequestContext) => O | Promise<O>,
  traits: OperationTraits = {},
): OperationDefinition<I, O> {
  return { traits, handle };
}

/**
 * {@link op} for handlers written as `(context, input, ctx)`: binds the service's shared state (its runtime) as
 * the first argument, so the input and output types come from the handler's own signature:
 * `CreateStream: opWith(rt, createStream, { resource: STREAM })`.
 */
export function opWith<C, I extends object, O>(
  context: C,
  handle: (context: C, input: I, ctx: RequestContext) => O | Promise<O>,
  traits: OperationTraits = {},
): OperationDefinition<I, O> {
  return op((input: I, ctx: RequestContext) => handle(context, input, ctx), traits);
}

/**
 * Wraps an operation's handler, keeping its traits (how cross-cutting rules such as control-plane rate
 * limits apply without touching each operation).
 */
export function wrapOperation<I extends object, O>(
  operation: OperationDefinition<I, O>,
  wrap: (next: (input: I, ctx: RequestContext) => O | Promise<O>) => (input: I, ctx: RequestContext) => O | Promise<O>,
): OperationDefinition<I, O> {
  const next = (input: I, ctx: RequestContext): O | Promise<O> => operation.handle(input, ctx);
  return { traits: operation.traits, handle: wrap(next) };
}

/** A JSON 1.1 / CBOR service as the server mounts it. */
export interface ServiceDefinition {
  /** Short name, e.g. `kinesis`: the IAM action prefix, the ARN service and the log/audit label. */
  readonly name: string;
  /** `X-Amz-Target` prefix, e.g. `Kinesis_20131202`. */
  readonly targetPrefix: string;
  readonly model: ServiceModel;
  readonly errors: ErrorTable;
  /** Implemented operations by name. Operations in the model but not here answer UnknownOperationException. */
  readonly operations: Readonly<Record<string, OperationDefinition>>;
  /**
   * The resource ARNs of an operation whose rule is `service`, found by the service from the decoded input
   * (GetRecords: the stream inside the opaque shard iterator). Undefined result = not known.
   */
  readonly resourceArns?: (
    operation: string,
    input: Readonly<Record<string, unknown>>,
    scope?: ResourceScope,
  ) => readonly string[] | undefined;
  /**
   * What authorization needs to know about an existing resource (stream, consumer): its resource-based policy
   * and its tags (`aws:ResourceTag/<key>`). Undefined (or an undefined result): no policy, no tags. Called in
   * enforce mode for each resource ARN a request is authorized against.
   */
  readonly resourceFacts?: (arn: string) => ResourceFacts | undefined | Promise<ResourceFacts | undefined>;
}

/** The caller's region and account, where a resource named without an ARN lives. */
export interface ResourceScope {
  readonly region: string;
  readonly accountId: string;
}

/** What a service tells authorization about one of its resources ({@link ServiceDefinition.resourceFacts}). */
export interface ResourceFacts {
  /** The resource-based policy document as stored (JSON text), if the resource has one. */
  readonly policy?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** A path-routed request as a {@link RestRoute} sees it. */
export interface RestRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /**
   * The body: a Buffer read in full (within the body cap), or — for routes with `streamingRequest` — the bytes
   * as they arrive. A streamed body ends with RequestEntityTooLargeException past the cap, and with
   * InvalidSignatureException when a declared `x-amz-content-sha256` does not match what arrived.
   */
  readonly body: Buffer | AsyncIterable<Buffer>;
}

/** What a REST route answers. */
export interface RestResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** A buffer, or a byte stream written as it is produced (GetMedia, HLS segments). */
  readonly body: Buffer | AsyncIterable<Uint8Array>;
}

/** Traits of a path-routed operation (see {@link OperationTraits}). */
export interface RestRouteTraits extends OperationTraits {
  /** The handler reads the request body as a stream (PutMedia) instead of a Buffer read in full. */
  readonly streamingRequest?: boolean;
  /**
   * With `streamingRequest`: the streamed body has no overall size cap or deadline, because the route bounds what it
   * holds itself (a PutMedia upload runs as long as the camera does; each fragment is capped at 50 MB).
   */
  readonly uncappedStream?: boolean;
  /**
   * Request headers that carry input members, by header name (lower case) → member: PutMedia names its stream in
   * `x-amzn-stream-name` / `x-amzn-stream-arn`. Authorization resolves resources from them as from body members.
   */
  readonly headerMembers?: Readonly<Record<string, string>>;
  /**
   * When the server does not enforce security (open mode), the route also answers requests without credentials:
   * the operations endpoints (`/metrics`, `/health`, `/ready`) that Prometheus and load balancers call unsigned.
   * Under enforcement it is signed and authorized like every route.
   */
  readonly unsignedWhenOpen?: boolean;
  /**
   * The route serves public static files (the web console's page and scripts, src/server/console.ts): answered
   * without credentials and without authorization in every security mode. Never on a route that reads or changes data.
   */
  readonly publicAsset?: boolean;
}

/**
 * One path-routed operation (REST-JSON, e.g. Video's `POST /createStream`). The route decodes its own input,
 * since REST inputs come from the path, query, headers and body together. Authorization uses `traits.resource`
 * against the query parameters, the headers of `traits.headerMembers` and (for JSON bodies read in full) the body's
 * members.
 */
export interface RestRoute {
  readonly method: string;
  /** Exact path, e.g. `/createStream`. */
  readonly path: string;
  /** Service name: IAM action prefix and log/audit label, e.g. `kinesisvideo`. */
  readonly service: string;
  readonly operation: string;
  readonly traits?: RestRouteTraits;
  /**
   * The model of a REST-JSON operation (set by `restJsonRoutes`): the audit log then records the JSON body's
   * members as the request parameters, without blobs, as it does for JSON 1.1 operations.
   */
  readonly model?: ServiceModel;
  handle(req: RestRequest, ctx: RequestContext): Promise<RestResponse>;
}

/**
 * A long-running background loop of a service (a Firehose delivery stream, an Analytics application). The
 * server's worker host starts it after the port listens, restarts it with backoff when it fails, holds a lease
 * named after it (so on a cluster it runs on exactly one node), and aborts `signal` on close or lease loss.
 */
export interface Worker {
  /** Unique across the server, e.g. `firehose/delivery/<account>/<region>/<name>`; also the lease name. */
  readonly name: string;
  /**
   * Runs until `signal` aborts (then resolves promptly). Rejecting or returning early means "restart me".
   * `tenure` identifies the lease this run holds: writes that must not come from a stale holder carry its
   * fencing token (the storage's `fencedPut`, ADR 0036).
   */
  run(signal: AbortSignal, tenure: WorkerTenure): Promise<void>;
}

/** The lease a worker's run holds. */
export interface WorkerTenure {
  /** Grows with every acquisition of the worker's lease, cluster-wide. */
  readonly fencingToken: number;
}

/** A mounted service: what a service's factory returns and the composition root lists. */
export interface ServiceModule {
  /** Short name, e.g. `kinesis`. */
  readonly name: string;
  /** Human title for docs and the console, e.g. `Kinesis Data Streams`. */
  readonly title: string;
  /** Target-routed operations (JSON 1.1 / CBOR 1.1), if the service has any. */
  readonly definition?: ServiceDefinition;
  /** Path-routed operations (REST-JSON, media), if any. */
  readonly routes?: readonly RestRoute[];
  /**
   * For path-routed services, what {@link ServiceDefinition.resourceArns} and {@link ServiceDefinition.resourceFacts}
   * give target-routed ones; applies to the service names of this module's {@link routes} (Kinesis Video stream
   * ARNs carry a creation time, so only the service can turn a `StreamName` into its ARN).
   */
  readonly routeResources?: Pick<ServiceDefinition, 'resourceArns' | 'resourceFacts'>;
  /** The error table of a service without a {@link definition} (path-routed only), for the error catalogue. */
  readonly errors?: ErrorTable;
  /** Background loops present at start-up. Services add and remove workers later through the worker host. */
  readonly workers?: readonly Worker[];
  /**
   * The service's CloudWatch metrics counted so far (its AWS namespace, metric names and dimensions), which the
   * server's `/metrics` endpoint exposes in Prometheus text format (docs/adr/0031-metrics-naming.md). Called once per
   * scrape, never on a request path. Default: the service counts nothing.
   */
  metricSamples?(): readonly MetricSample[];
  /** Stops the service's own work; called after the listener closed and workers stopped, before storage closes. */
  close(): Promise<void>;
}

/**
 * One value of a service's metrics as CloudWatch would name it: `AWS/Kinesis` `IncomingBytes` with dimension
 * `StreamName`, in the caller's account and region. Namespaces outside AWS's (`Tributary/…`) carry figures AWS has no
 * metric for.
 */
export interface MetricSample {
  /** CloudWatch namespace, e.g. `AWS/Kinesis`, `AWS/Firehose`. */
  readonly namespace: string;
  /** CloudWatch metric name, e.g. `IncomingBytes`, `PutRecords.Bytes`. */
  readonly metric: string;
  /** `counter`: only grows while the process runs (a sum since start-up); `gauge`: a current value or ratio. */
  readonly kind: 'counter' | 'gauge';
  readonly accountId: string;
  readonly region: string;
  /** CloudWatch dimensions, e.g. `{ StreamName: 'orders' }`. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
}
