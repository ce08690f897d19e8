/**
 * Kinesis Data Streams error catalogue (AWS types, HTTP statuses, retriability).
 * Messages are built where thrown, in AWS's wording (see docs/errors.md).
 */
import { ServiceError, defineErrors } from '../protocol/index.js';

export const KinesisErrors = defineErrors({
  ResourceNotFoundException: { httpStatus: 400, retriable: false },
  ResourceInUseException: { httpStatus: 400, retriable: false },
  LimitExceededException: { httpStatus: 400, retriable: true },
  InvalidArgumentException: { httpStatus: 400, retriable: false },
  ExpiredIteratorException: { httpStatus: 400, retriable: false },
  ExpiredNextTokenException: { httpStatus: 400, retriable: false },
  ProvisionedThroughputExceededException: { httpStatus: 400, retriable: true },
  AccessDeniedException: { httpStatus: 400, retriable: false },
  ValidationException: { httpStatus: 400, retriable: false },
  KMSAccessDeniedException: { httpStatus: 400, retriable: false },
  KMSDisabledException: { httpStatus: 400, retriable: false },
  KMSInvalidStateException: { httpStatus: 400, retriable: false },
  KMSNotFoundException: { httpStatus: 400, retriable: false },
  KMSOptInRequired: { httpStatus: 400, retriable: false },
  KMSThrottlingException: { httpStatus: 400, retriable: true },
  InternalFailureException: { httpStatus: 500, retriable: true },
});

export type KinesisErrorCode = keyof typeof KinesisErrors;

/** Shorthand: `throw kinesisError('ResourceNotFoundException', 'Stream x under account y not found.')`. */
export function kinesisError(code: KinesisErrorCode, message: string): ServiceError {
  return new ServiceError(KinesisErrors[code], message);
}

/** AWS: `Stream <name> under account <account> not found.` */
export function streamNotFound(name: string, accountId: string): ServiceError {
  return kinesisError('ResourceNotFoundException', `Stream ${name} under account ${accountId} not found.`);
}

/** AWS: `Stream <name> under account <account> not ACTIVE, instead in state <STATUS>` */
export function streamNotActive(name: string, accountId: string, status: string): ServiceError {
  return kinesisError(
    'ResourceInUseException',
    `Stream ${name} under account ${accountId} not ACTIVE, instead in state ${status}`,
  );
}

/** AWS: `Could not find shard <shardId> in stream <name> under account <account>.` (SplitShard, MergeShards, GetShardIterator). */
export function shardNotFound(shardId: string, name: string, accountId: string): ServiceError {
  return kinesisError(
    'ResourceNotFoundException',
    `Could not find shard ${shardId} in stream ${name} under account ${accountId}.`,
  );
}
