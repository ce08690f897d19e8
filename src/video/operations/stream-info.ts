import type { StreamState } from '../catalog.js';
import type { StreamInfo } from '../shapes/index.js';

/** A stream as DescribeStream and ListStreams show it (StreamInfo in the Kinesis Video API reference). */
export function streamInfo(s: StreamState): StreamInfo {
  return {
    ...(s.deviceName !== undefined ? { DeviceName: s.deviceName } : {}),
    StreamName: s.name,
    StreamARN: s.arn,
    ...(s.mediaType !== undefined ? { MediaType: s.mediaType } : {}),
    KmsKeyId: s.kmsKeyId,
    Version: s.version,
    Status: s.status,
    CreationTime: new Date(s.creationMs),
    DataRetentionInHours: s.dataRetentionInHours,
  };
}
