import type { RequestContext } from '../../protocol/index.js';
import type { DeliveryStreamState } from '../catalog.js';
import { describeHttp, s3Description } from '../http-endpoint.js';
import type { FirehoseRuntime } from '../runtime.js';
import type {
  DeliveryStreamDescription,
  DescribeDeliveryStreamInput,
  DescribeDeliveryStreamOutput,
  DestinationDescription,
} from '../shapes/index.js';

/**
 * DescribeDeliveryStream (DescribeDeliveryStream API reference): rule 1, one destination, listed after
 * ExclusiveStartDestinationId and within Limit; rule 2, a legacy S3 destination is described as both S3 and
 * Extended S3, an HTTP endpoint destination without its AccessKey (src/firehose/http-endpoint.ts); rule 3, the source is described by type (DeliveryStartTimestamp = creation for Kinesis sources).
 */
export async function describeDeliveryStream(
  rt: FirehoseRuntime,
  input: DescribeDeliveryStreamInput,
  ctx: RequestContext,
): Promise<DescribeDeliveryStreamOutput> {
  const state = rt.catalog.require(ctx.accountId, ctx.region, input.DeliveryStreamName);
  return { DeliveryStreamDescription: describe(state, input.ExclusiveStartDestinationId, input.Limit) };
}

export function describe(
  state: DeliveryStreamState,
  exclusiveStart?: string,
  limit?: number,
): DeliveryStreamDescription {
  const d = state.destination;
  const all: DestinationDescription[] = [
    d.http
      ? { DestinationId: d.id, HttpEndpointDestinationDescription: describeHttp(d.http, d.s3) }
      : { DestinationId: d.id, S3DestinationDescription: s3Description(d.s3), ExtendedS3DestinationDescription: d.s3 },
  ];
  const from = exclusiveStart === undefined ? 0 : all.findIndex((x) => x.DestinationId === exclusiveStart) + 1;
  const rest = from <= 0 && exclusiveStart !== undefined ? [] : all.slice(from);
  const shown = rest.slice(0, limit ?? rest.length);
  return {
    DeliveryStreamName: state.name,
    DeliveryStreamARN: state.arn,
    DeliveryStreamStatus: state.status,
    DeliveryStreamEncryptionConfiguration:
      state.encryption.status !== 'DISABLED'
        ? {
            ...(state.encryption.keyArn !== undefined ? { KeyARN: state.encryption.keyArn } : {}),
            ...(state.encryption.keyType !== undefined ? { KeyType: state.encryption.keyType } : {}),
            Status: state.encryption.status,
          }
        : { Status: 'DISABLED' },
    DeliveryStreamType: state.type,
    VersionId: String(state.versionId),
    CreateTimestamp: new Date(state.createdAt),
    ...(state.updatedAt !== undefined ? { LastUpdateTimestamp: new Date(state.updatedAt) } : {}),
    ...(state.kinesisSource
      ? {
          Source: {
            KinesisStreamSourceDescription: {
              KinesisStreamARN: state.kinesisSource.streamArn,
              RoleARN: state.kinesisSource.roleArn,
              DeliveryStartTimestamp: new Date(state.createdAt),
            },
          },
        }
      : state.directPut?.throughputHintInMBs !== undefined
        ? { Source: { DirectPutSourceDescription: { ThroughputHintInMBs: state.directPut.throughputHintInMBs } } }
        : {}),
    Destinations: shown,
    HasMoreDestinations: shown.length < rest.length,
  };
}
