/**
 * REST-JSON (restJson1) operations as path-routed {@link RestRoute}s, built from a service's model: each operation's
 * `http` binding (method and request URI) becomes a route whose handler decodes the request, runs the operation's
 * handler and encodes its output. Services using it: Kinesis Video Streams (`kinesisvideo`, `kinesis-video-media`,
 * `kinesis-video-archived-media`).
 *
 * Wire format (Smithy specification, "AWS restJson1 protocol"; botocore `rest-json`):
 * - Request: the method and path of the operation's `http` binding; input members without a `location` are the
 *   members of one JSON object in the body (blobs base64, timestamps epoch seconds); members bound to a header
 *   (`location: header`) or query parameter (`location: querystring`) are read from there. An empty body is an
 *   empty object (clients send `{}` or nothing for operations without body members).
 * - Success: HTTP 200, `Content-Type: application/json`, the output members without a `location` as one JSON
 *   object; members bound to a header are sent as that header. When the output structure names a `payload`
 *   member, that member (bytes, or a byte stream written as it is produced) is the whole body instead.
 * - Error: the status of the service's error table, the type in the `x-amzn-ErrorType` header and a JSON body
 *   with the message (the pipeline renders errors of every REST route the same way).
 *
 * Rules:
 * 1. A body that is not a JSON object answers SerializationException, as for the JSON 1.1 services.
 * 2. Type checks and constraint validation are the shared ones (src/protocol/json/decode.ts, validate.ts); a
 *    service may map the constraint error to its own type ({@link RestJsonService.validationError}).
 * 3. Operations of the model without a handler still get a route, answering
 *    {@link RestJsonService.unimplemented}, so every operation the SDK can call gets an AWS-shaped answer.
 */
import { CommonErrors } from '../errors.js';
import { decodeInput } from '../json/decode.js';
import { encodeJsonOutput, parseJsonBody } from '../json/codec.js';
import { ServiceError } from '../service-error.js';
import type { OperationDefinition, RequestContext, RestRequest, RestResponse, RestRoute } from '../service.js';
import type { ServiceModel, Shape } from '../shapes.js';

/** Content type of restJson1 request and response bodies. */
export const REST_JSON_CONTENT_TYPE = 'application/json';

/** What {@link restJsonRoutes} needs to know about one REST-JSON service. */
export interface RestJsonService {
  /** IAM action prefix, signing name and log label, e.g. `kinesisvideo`. */
  readonly service: string;
  readonly model: ServiceModel;
  /** Implemented operations by name (handlers take decoded input, as for target-routed services). */
  readonly operations: Readonly<Record<string, OperationDefinition>>;
  /**
   * The error for a constraint violation found by validation (a ValidationException with AWS's
   * "1 validation error detected: …" text). Default: the ValidationException itself.
   */
  readonly validationError?: (err: ServiceError) => ServiceError;
  /** The error of a model operation without a handler. Default: no route for such operations. */
  readonly unimplemented?: (operation: string) => ServiceError;
}

const EMPTY_OBJECT = Buffer.from('{}');

/** One route per operation of the model that has an `http` binding (see this file's header). */
export function restJsonRoutes(spec: RestJsonService): RestRoute[] {
  const routes: RestRoute[] = [];
  for (const [operation, binding] of Object.entries(spec.model.operations)) {
    if (binding.http === undefined) continue;
    const definition = Object.hasOwn(spec.operations, operation) ? spec.operations[operation] : undefined;
    if (definition === undefined && spec.unimplemented === undefined) continue;
    const handle =
      definition === undefined
        ? async (): Promise<RestResponse> => {
            throw spec.unimplemented!(operation);
          }
        : (req: RestRequest, ctx: RequestContext) => runOperation(spec, operation, definition, req, ctx);
    routes.push({
      method: binding.http.method,
      // Request URIs of REST-JSON control planes are plain paths (`/createStream`); a `?` suffix would be a
      // constant query, which no bound operation here uses.
      path: binding.http.requestUri.split('?')[0]!,
      service: spec.service,
      operation,
      traits: definition?.traits ?? {},
      model: spec.model,
      handle,
    });
  }
  for (const operation of Object.keys(spec.operations)) {
    if (spec.model.operations[operation]?.http === undefined) {
      throw new Error(`${spec.service}: operation ${operation} has no HTTP binding in the model`);
    }
  }
  return routes;
}

async function runOperation(
  spec: RestJsonService,
  operation: string,
  definition: OperationDefinition,
  req: RestRequest,
  ctx: RequestContext,
): Promise<RestResponse> {
  const { model } = spec;
  const inputShape = model.operations[operation]?.input;
  let input: Record<string, unknown> = {};
  if (inputShape !== undefined) {
    const body = Buffer.isBuffer(req.body) ? req.body : undefined;
    const raw = parseJsonBody(body === undefined || body.length === 0 ? EMPTY_OBJECT : body);
    bindLocated(model.shapes[inputShape], req, raw);
    try {
      input = decodeInput(model, operation, raw);
    } catch (e) {
      if (e instanceof ServiceError && e.code === CommonErrors.ValidationException.code && spec.validationError) {
        throw spec.validationError(e);
      }
      throw e;
    }
  }
  const output = await definition.handle(input, ctx);
  const outputShape = model.operations[operation]?.output;
  return encodeOutput(model, operation, outputShape === undefined ? undefined : model.shapes[outputShape], output);
}

/** Rule: header- and query-bound input members are read from the request into the raw input. */
function bindLocated(shape: Shape | undefined, req: RestRequest, raw: Record<string, unknown>): void {
  if (shape?.type !== 'structure') return;
  for (const [member, ref] of Object.entries(shape.members)) {
    if (ref.location === undefined || ref.locationName === undefined) continue;
    const value =
      ref.location === 'header'
        ? req.headers[ref.locationName.toLowerCase()]
        : ref.location === 'querystring'
          ? (req.query.get(ref.locationName) ?? undefined)
          : undefined;
    if (value !== undefined) raw[member] = value;
    else delete raw[member];
  }
}

/** The success response: JSON body, or the payload member as the body; header-bound members as headers. */
function encodeOutput(model: ServiceModel, operation: string, shape: Shape | undefined, output: unknown): RestResponse {
  const headers: Record<string, string> = { 'content-type': REST_JSON_CONTENT_TYPE };
  if (shape?.type !== 'structure' || typeof output !== 'object' || output === null) {
    return { status: 200, headers, body: encodeJsonOutput(output ?? undefined, model, operation) };
  }
  const members = output as Record<string, unknown>;
  let located = false;
  for (const [member, ref] of Object.entries(shape.members)) {
    if (ref.location !== undefined || member === shape.payload) located = true;
    if (ref.location !== 'header' || ref.locationName === undefined) continue;
    const value = members[member];
    if (value !== undefined && value !== null) headers[ref.locationName.toLowerCase()] = String(value);
  }
  // Body members only: the encoder compiled from the output shape (model order, only the shape's members).
  if (!located) return { status: 200, headers, body: encodeJsonOutput(output, model, operation) };
  if (shape.payload !== undefined) {
    const payload = members[shape.payload];
    if (headers['content-type'] === REST_JSON_CONTENT_TYPE) headers['content-type'] = 'application/octet-stream';
    if (payload === undefined || payload === null) return { status: 200, headers, body: Buffer.alloc(0) };
    if (payload instanceof Uint8Array) return { status: 200, headers, body: Buffer.from(payload) };
    return { status: 200, headers, body: payload as AsyncIterable<Uint8Array> };
  }
  const body: Record<string, unknown> = {};
  for (const [member, ref] of Object.entries(shape.members)) {
    if (ref.location === undefined && members[member] !== undefined) body[member] = members[member];
  }
  return { status: 200, headers, body: encodeJsonOutput(body) };
}
