/**
 * Kinesis Video Streams error catalogue: the error shapes of the three models (`kinesisvideo`,
 * `kinesis-video-media`, `kinesis-video-archived-media`) with the HTTP status each model declares
 * (`error.httpStatusCode`). Messages are built where thrown, in AWS's wording where it is known; where it is not,
 * the throw site carries a `TODO(#video-texts)` comment and the text names the rule that failed. `#video-texts` is
 * the open list of wordings only a capture from AWS can settle (as Firehose's `#firehose-texts`); it does not hold
 * back a feature: the error type and status are AWS's in every case. The message member is
 * `Message`: AWS's 404 body for a missing stream is `{"Message":"The requested stream is not found or not active."}`
 * (awslabs/amazon-kinesis-video-streams-producer-c issue 139, a logged DescribeStream response).
 *
 * Refusals answer HTTP 403, not the models' 401: AWS's IAM denials on Kinesis Video are logged as
 * `HTTP Error 403 : Response: {"Message":"User: … is not authorized to perform: kinesisvideo:DescribeStream on
 * resource: …"}` (awslabs/amazon-kinesis-video-streams-producer-sdk-cpp issues 869, 351, 208), and the media models'
 * own documentation of NotAuthorizedException reads "Status Code: 403". The guard's AccessDeniedException takes this
 * row for every Kinesis Video route, control and media plane alike (src/server/index.ts, `denials`).
 */
import { ServiceError, defineErrors } from '../protocol/index.js';

export const VideoErrors = defineErrors({
  AccessDeniedException: { httpStatus: 403, retriable: false, messageField: 'Message' },
  AccountChannelLimitExceededException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  AccountStreamLimitExceededException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  ClientLimitExceededException: { httpStatus: 400, retriable: true, messageField: 'Message' },
  ConnectionLimitExceededException: { httpStatus: 400, retriable: true, messageField: 'Message' },
  DeviceStreamLimitExceededException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  InvalidArgumentException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  InvalidCodecPrivateDataException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  InvalidDeviceException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  InvalidEndpointException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  InvalidMediaFrameException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  InvalidResourceFormatException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  MissingCodecPrivateDataException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  NoDataRetentionException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  NotAuthorizedException: { httpStatus: 403, retriable: false, messageField: 'Message' },
  ResourceInUseException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  ResourceNotFoundException: { httpStatus: 404, retriable: false, messageField: 'Message' },
  StreamEdgeConfigurationNotFoundException: { httpStatus: 404, retriable: false, messageField: 'Message' },
  TagsPerResourceExceededLimitException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  UnsupportedStreamMediaTypeException: { httpStatus: 400, retriable: false, messageField: 'Message' },
  VersionMismatchException: { httpStatus: 400, retriable: false, messageField: 'Message' },
});

export type VideoErrorCode = keyof typeof VideoErrors;

/** Shorthand: `throw videoError('ResourceInUseException', '…')`. */
export function videoError(code: VideoErrorCode, message: string): ServiceError {
  return new ServiceError(VideoErrors[code], message);
}

/** A stream that does not exist (or is being deleted): AWS's text, see this file's header. */
export function streamNotFound(): ServiceError {
  return videoError('ResourceNotFoundException', 'The requested stream is not found or not active.');
}

/** A signaling channel that does not exist. TODO(#video-texts): AWS's text for channels is not known; modelled on streams'. */
export function channelNotFound(): ServiceError {
  return videoError('ResourceNotFoundException', 'The requested channel is not found or not active.');
}

/**
 * A stream that keeps no media where media is required (image generation, notifications, edge recording, WebRTC
 * ingestion): the model's documentation of NoDataRetentionException. TODO(#video-texts): AWS's runtime text is not confirmed.
 */
export function noDataRetention(): ServiceError {
  return videoError('NoDataRetentionException', 'The Stream data retention in hours is equal to zero.');
}
