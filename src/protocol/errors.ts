/** Errors every AWS JSON/CBOR service shares (protocol and authentication level). */
import { defineErrors } from './service-error.js';

export const CommonErrors = defineErrors({
  SerializationException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  ValidationException: { httpStatus: 400, retriable: false },
  UnknownOperationException: { httpStatus: 400, retriable: false },
  InternalFailure: { httpStatus: 500, retriable: true },
  InternalFailureException: { httpStatus: 500, retriable: true },
  ServiceUnavailable: { httpStatus: 503, retriable: true },
  AccessDeniedException: { httpStatus: 400, retriable: false },
  MissingAuthenticationTokenException: { httpStatus: 400, retriable: false },
  IncompleteSignatureException: { httpStatus: 400, retriable: false },
  InvalidSignatureException: { httpStatus: 400, retriable: false },
  UnrecognizedClientException: { httpStatus: 400, retriable: false },
  RequestEntityTooLargeException: { httpStatus: 413, retriable: false },
});
