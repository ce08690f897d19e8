import type { RequestContext } from '../../protocol/index.js';
import { type DeliveryStreamState, newIncarnationId } from '../catalog.js';
import { DESTINATION_ID, describeNewS3 } from '../destination.js';
import { firehoseError } from '../errors.js';
import { describeNewHttp } from '../http-endpoint.js';
import type { FirehoseRuntime } from '../runtime.js';
import type { CreateDeliveryStreamInput, CreateDeliveryStreamOutput } from '../shapes/index.js';

const OTHER_DESTINATIONS = [
  'RedshiftDestinationConfiguration',
  'ElasticsearchDestinationConfiguration',
  'AmazonopensearchserviceDestinationConfiguration',
  'SplunkDestinationConfiguration',
  'AmazonOpenSearchServerlessDestinationConfiguration',
  'SnowflakeDestinationConfiguration',
  'IcebergDestinationConfiguration',
] as const;
const MAX_TAGS = 50;

/**
 * CreateDeliveryStream (CreateDeliveryStream API reference): rule 1, exactly one destination configuration;
 * rule 2, the source configuration matches DeliveryStreamType (DirectPut by default) and a Kinesis source stream
 * must exist; rule 3, SSE only for DirectPut; rule 4, the stream is CREATING for the configured delay, then
 * ACTIVE; rule 5, at most 50 tags.
 */
export async function createDeliveryStream(
  rt: FirehoseRuntime,
  input: CreateDeliveryStreamInput,
  ctx: RequestContext,
): Promise<CreateDeliveryStreamOutput> {
  const type = input.DeliveryStreamType ?? 'DirectPut';
  const name = input.DeliveryStreamName;
  // TODO(#firehose-texts): AWS's wording of the InvalidArgumentExceptions below is not known; they name the rule.
  const given = [
    input.S3DestinationConfiguration,
    input.ExtendedS3DestinationConfiguration,
    input.HttpEndpointDestinationConfiguration,
    ...OTHER_DESTINATIONS.map((k) => input[k]),
  ].filter((d) => d !== undefined);
  if (given.length !== 1)
    throw firehoseError('InvalidArgumentException', 'Exactly one destination configuration must be specified.');
  const other = OTHER_DESTINATIONS.find((k) => input[k] !== undefined);
  if (other) throw firehoseError('InvalidArgumentException', `${other} is not supported by this server yet.`);
  if (type !== 'DirectPut' && type !== 'KinesisStreamAsSource')
    throw firehoseError('InvalidArgumentException', `DeliveryStreamType ${type} is not supported by this server yet.`);
  if (type === 'DirectPut' && (input.KinesisStreamSourceConfiguration || input.MSKSourceConfiguration))
    throw firehoseError('InvalidArgumentException', 'A DirectPut delivery stream cannot have a source configuration.');
  if (type === 'KinesisStreamAsSource' && !input.KinesisStreamSourceConfiguration)
    throw firehoseError(
      'InvalidArgumentException',
      'KinesisStreamSourceConfiguration is required for the KinesisStreamAsSource delivery stream type.',
    );
  if (type !== 'DirectPut' && input.DeliveryStreamEncryptionConfigurationInput)
    throw firehoseError(
      'InvalidArgumentException',
      'Server-side encryption can be enabled only for DirectPut delivery streams.',
    );
  const sse = input.DeliveryStreamEncryptionConfigurationInput;
  if (sse?.KeyType === 'CUSTOMER_MANAGED_CMK' && !sse.KeyARN)
    throw firehoseError('InvalidArgumentException', 'KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK.');
  const tags = input.Tags ?? [];
  if (tags.length > MAX_TAGS)
    throw firehoseError('LimitExceededException', `A delivery stream can have at most ${MAX_TAGS} tags.`);
  if (rt.catalog.list(ctx.accountId, ctx.region).length >= rt.settings.streamLimit)
    throw firehoseError(
      'LimitExceededException',
      `You have already consumed your delivery stream limit of ${rt.settings.streamLimit}.`,
    );
  if (rt.catalog.get(ctx.accountId, ctx.region, name))
    throw firehoseError('ResourceInUseException', `Firehose ${name} under accountId ${ctx.accountId} already exists`);

  let kinesisSource: DeliveryStreamState['kinesisSource'];
  if (input.KinesisStreamSourceConfiguration) {
    const { KinesisStreamARN, RoleARN } = input.KinesisStreamSourceConfiguration;
    if (!rt.streams) throw firehoseError('InvalidArgumentException', 'Kinesis Data Streams is not available.');
    let status: string;
    try {
      ({ status } = await rt.streams.describe({ arn: KinesisStreamARN }));
    } catch {
      throw firehoseError('InvalidArgumentException', `Kinesis stream ${KinesisStreamARN} does not exist.`);
    }
    if (status !== 'ACTIVE' && status !== 'UPDATING')
      // AWS's text, as a CloudFormation stack quoted it when a delivery stream was created before its Kinesis stream
      // was ACTIVE (README of the "BAMCIS Amazon Kinesis Stream Awaiter" serverless application).
      throw firehoseError(
        'InvalidArgumentException',
        'Kinesis stream must be in ACTIVE or UPDATING state in order to create a delivery stream.',
      );
    kinesisSource = { streamArn: KinesisStreamARN, roleArn: RoleARN };
  }

  const httpConfig = input.HttpEndpointDestinationConfiguration;
  const destination: DeliveryStreamState['destination'] = httpConfig
    ? { id: DESTINATION_ID, kind: 'httpEndpoint', ...describeNewHttp(httpConfig) }
    : {
        id: DESTINATION_ID,
        kind: input.ExtendedS3DestinationConfiguration ? 'extendedS3' : 's3',
        s3: describeNewS3(input.ExtendedS3DestinationConfiguration ?? input.S3DestinationConfiguration!),
      };
  const now = rt.now();
  const delay = rt.settings.createMs;
  const state: DeliveryStreamState = {
    id: newIncarnationId(),
    name,
    accountId: ctx.accountId,
    region: ctx.region,
    arn: `arn:aws:firehose:${ctx.region}:${ctx.accountId}:deliverystream/${name}`,
    status: delay > 0 ? 'CREATING' : 'ACTIVE',
    type,
    versionId: 1,
    createdAt: now,
    ...(delay > 0 ? { transitionAt: now + delay } : {}),
    ...(kinesisSource ? { kinesisSource } : {}),
    ...(type === 'DirectPut'
      ? {
          directPut:
            input.DirectPutSourceConfiguration?.ThroughputHintInMBs !== undefined
              ? { throughputHintInMBs: input.DirectPutSourceConfiguration.ThroughputHintInMBs }
              : {},
        }
      : {}),
    destination,
    encryption: sse
      ? {
          status: 'ENABLED',
          keyType: sse.KeyType,
          ...(sse.KeyARN !== undefined ? { keyArn: sse.KeyARN } : {}),
        }
      : { status: 'DISABLED' },
    tags: Object.fromEntries(tags.map((t) => [t.Key, t.Value ?? ''])),
  };
  const added = await rt.catalog.add(state);
  if (added.status === 'ACTIVE') rt.startWorker(added);
  else await rt.schedule(added);
  return { DeliveryStreamARN: added.arn };
}
