/**
 * Kinesis Data Analytics error catalogue, shared by the v1 (`KinesisAnalytics_20150814`) and v2
 * (`KinesisAnalytics_20180523`) APIs: the error shapes of both models (Kinesis Data Analytics API Reference,
 * "Common Errors" and each operation's "Errors"). The models declare no HTTP status for them, so every error is
 * answered with 400 (the JSON 1.1 default). Messages are built here, next to the rule that throws them.
 *
 * TODO(#10): AWS's exact wording of these messages is not documented; each builder below says which rule failed
 * in the terms of the API reference. Replace them with captured texts when someone records them against AWS.
 */
import { ServiceError, defineErrors } from '../protocol/index.js';

export const AnalyticsErrors = defineErrors({
  CodeValidationException: { httpStatus: 400, retriable: false },
  ConcurrentModificationException: { httpStatus: 400, retriable: false },
  InvalidApplicationConfigurationException: { httpStatus: 400, retriable: false },
  InvalidArgumentException: { httpStatus: 400, retriable: false },
  InvalidRequestException: { httpStatus: 400, retriable: false },
  LimitExceededException: { httpStatus: 400, retriable: false },
  ResourceInUseException: { httpStatus: 400, retriable: false },
  ResourceNotFoundException: { httpStatus: 400, retriable: false },
  ResourceProvisionedThroughputExceededException: { httpStatus: 400, retriable: true },
  ServiceUnavailableException: { httpStatus: 400, retriable: true },
  TooManyTagsException: { httpStatus: 400, retriable: false },
  UnableToDetectSchemaException: { httpStatus: 400, retriable: false },
  UnsupportedOperationException: { httpStatus: 400, retriable: false },
});

/** The v1 model's error types: v2's without InvalidRequestException (v1 never answers it). */
export const AnalyticsV1Errors = (() => {
  const { InvalidRequestException: _v2Only, ...v1 } = AnalyticsErrors;
  return v1;
})();

export type AnalyticsErrorCode = keyof typeof AnalyticsErrors;

/** Shorthand: `throw analyticsError('InvalidArgumentException', '…')`. */
export function analyticsError(code: AnalyticsErrorCode, message: string): ServiceError {
  return new ServiceError(AnalyticsErrors[code], message);
}

/** No application of that name in the account and region. TODO(#10): AWS's wording. */
export function applicationNotFound(name: string, accountId: string): ServiceError {
  return analyticsError('ResourceNotFoundException', `Application ${name} is not found in account ${accountId}.`);
}

/**
 * A v1 call naming an application of another runtime, which only v2 creates and changes. AWS's text, as quoted
 * from a real answer in rebuy-de/aws-nuke pull request 687 ("UnsupportedOperationException: xxxxxx was
 * created/updated by kinesisanalyticsv2 SDK. Please use kinesisanalyticsv2 SDK to make changes to xxxxxx.").
 */
export function managedByV2(name: string): ServiceError {
  return analyticsError(
    'UnsupportedOperationException',
    `${name} was created/updated by kinesisanalyticsv2 SDK. Please use kinesisanalyticsv2 SDK to make changes to ${name}.`,
  );
}

/** The resource ARN of a tagging call names no application. TODO(#10): AWS's wording. */
export function resourceNotFound(arn: string): ServiceError {
  return analyticsError('ResourceNotFoundException', `Resource ${arn} is not found.`);
}

/** CreateApplication with a name already taken. TODO(#10): AWS's wording. */
export function applicationExists(name: string, accountId: string): ServiceError {
  return analyticsError('ResourceInUseException', `Application ${name} already exists in account ${accountId}.`);
}

/**
 * CurrentApplicationVersionId is not the application's version (UpdateApplication API reference: "If the version
 * specified is not the current version, the ConcurrentModificationException is returned"). TODO(#10): wording.
 */
export function versionMismatch(name: string, given: number, current: number): ServiceError {
  return analyticsError(
    'ConcurrentModificationException',
    `Provided CurrentApplicationVersionId ${given} does not match the current version ${current} of application ${name}.`,
  );
}

/** The operation needs another status than the application's (ResourceInUseException). TODO(#10): wording. */
export function wrongStatus(name: string, status: string, allowed: readonly string[]): ServiceError {
  return analyticsError(
    'ResourceInUseException',
    `Application ${name} is in ${status} status; the operation needs ${allowed.join(' or ')}.`,
  );
}

/** A sub-resource id (InputId, OutputId, ReferenceId, CloudWatchLoggingOptionId) that the application lacks. */
export function unknownId(kind: string, id: string, name: string): ServiceError {
  // TODO(#10): AWS's wording.
  return analyticsError('ResourceNotFoundException', `${kind} ${id} is not found in application ${name}.`);
}
