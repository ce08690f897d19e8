import { videoError } from '../errors.js';

/**
 * VersionMismatchException unless `given` is the resource's current version (the update and delete operations).
 * The text is the model's documentation of the error (VersionMismatchException in the Kinesis Video API
 * reference); TODO(#video-texts): that AWS sends exactly this text is not confirmed.
 */
export function checkVersion(kind: 'stream' | 'channel', current: string, given: string | undefined): void {
  if (given !== undefined && given !== current) {
    throw videoError(
      'VersionMismatchException',
      kind === 'stream'
        ? 'The stream version that you specified is not the latest version. To get the latest version, use the DescribeStream API.'
        : 'The channel version that you specified is not the latest version. To get the latest version, use the DescribeSignalingChannel API.',
    );
  }
}
