/**
 * Amazon Data Firehose error catalogue: the model's error shapes (Firehose API Reference, "Common Errors" and
 * each operation's "Errors"), all answered with HTTP 400. Messages are built where thrown, in AWS's wording;
 * where AWS's text is not known the throw site carries a `TODO(#firehose-texts)` comment.
 */
import { ServiceError, defineErrors } from '../protocol/index.js';

export const FirehoseErrors = defineErrors({
  ConcurrentModificationException: { httpStatus: 400, retriable: false },
  InvalidArgumentException: { httpStatus: 400, retriable: false },
  InvalidKMSResourceException: { httpStatus: 400, retriable: false },
  InvalidSourceException: { httpStatus: 400, retriable: false },
  LimitExceededException: { httpStatus: 400, retriable: true },
  ResourceInUseException: { httpStatus: 400, retriable: false },
  ResourceNotFoundException: { httpStatus: 400, retriable: false },
  ServiceUnavailableException: { httpStatus: 400, retriable: true },
  ValidationException: { httpStatus: 400, retriable: false },
});

export type FirehoseErrorCode = keyof typeof FirehoseErrors;

/** Shorthand: `throw firehoseError('InvalidArgumentException', '…')`. */
export function firehoseError(code: FirehoseErrorCode, message: string): ServiceError {
  return new ServiceError(FirehoseErrors[code], message);
}

/**
 * AWS: `Firehose <name> under account <account> not found.` (as DescribeDeliveryStream answered it in
 * turbot/steampipe-plugin-aws issue 759).
 */
export function deliveryStreamNotFound(name: string, accountId: string): ServiceError {
  return firehoseError('ResourceNotFoundException', `Firehose ${name} under account ${accountId} not found.`);
}

/** PutRecord / PutRecordBatch when undelivered data passed the buffer cap (PutRecord API reference: "Slow down."). */
export function slowDown(): ServiceError {
  return firehoseError('ServiceUnavailableException', 'Slow down.');
}
