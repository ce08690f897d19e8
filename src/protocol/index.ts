/**
 * Public door of the protocol area: error contracts, the shape model, the service contract, the
 * logger interface and the wire codecs. Other areas import from here only.
 */
export { ServiceError, defineErrors } from './service-error.js';
export type { ErrorSpec, ErrorTable } from './service-error.js';
export { CommonErrors } from './errors.js';
export type { MemberRef, Shape, OperationModel, ServiceModel } from './shapes.js';
export { op, opWith, wrapOperation } from './service.js';
export type {
  MetricSample,
  OperationDefinition,
  OperationTraits,
  RequestContext,
  ResourceFacts,
  ResourceRule,
  ResourceScope,
  RestRequest,
  RestResponse,
  RestRoute,
  RestRouteTraits,
  ServiceDefinition,
  ServiceModule,
  Worker,
  WorkerTenure,
} from './service.js';
export { statusCountSamples } from './metric-samples.js';
export { silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export { toServiceError } from './wire-codec.js';
export type { WireCodec } from './wire-codec.js';
export { validateInput, validationMessage, MAX_VALIDATION_ITEMS } from './validate.js';
export { decodeInput } from './json/decode.js';
export {
  JSON_1_1_CONTENT_TYPE,
  parseJsonBody,
  encodeJsonOutput,
  encodeJsonError,
  jsonCodec,
  writeJsonWithoutBlobs,
} from './json/codec.js';
export {
  base64Length,
  JsonByteCursor,
  JsonByteWriter,
  OWN_JSON,
  type OwnJsonWriter,
  quoteJson,
  withOwnJson,
  writeBase64,
} from './json/encode.js';
export { CBOR_1_1_CONTENT_TYPE, parseCborBody, decodeCborInput } from './cbor/decode.js';
export { encodeCborOutput, encodeCborError, cborCodec } from './cbor/codec.js';
export { REST_JSON_CONTENT_TYPE, restJsonRoutes } from './rest-json/routes.js';
export type { RestJsonService } from './rest-json/routes.js';
