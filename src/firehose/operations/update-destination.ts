import type { RequestContext } from '../../protocol/index.js';
import { describeNewS3, mergeS3 } from '../destination.js';
import { firehoseError } from '../errors.js';
import { describeNewHttp, mergeHttp } from '../http-endpoint.js';
import type { FirehoseRuntime } from '../runtime.js';
import type {
  ExtendedS3DestinationUpdate,
  HttpEndpointDestinationConfiguration,
  HttpEndpointDestinationUpdate,
  S3DestinationConfiguration,
  S3DestinationUpdate,
  UpdateDestinationInput,
  UpdateDestinationOutput,
} from '../shapes/index.js';

const OTHER_UPDATES = [
  'RedshiftDestinationUpdate',
  'ElasticsearchDestinationUpdate',
  'AmazonopensearchserviceDestinationUpdate',
  'SplunkDestinationUpdate',
  'AmazonOpenSearchServerlessDestinationUpdate',
  'SnowflakeDestinationUpdate',
  'IcebergDestinationUpdate',
] as const;

// TODO(#firehose-texts): AWS's wording of a type change without the new type's required members.
function missingForNewType(type: string, members: string): never {
  throw firehoseError(
    'InvalidArgumentException',
    `Changing the destination to ${type} requires ${members} in the destination update.`,
  );
}

/** Rule 4: an HttpEndpointDestinationUpdate that replaces an S3 destination, as a full configuration. */
function httpConfigFrom(update: HttpEndpointDestinationUpdate): HttpEndpointDestinationConfiguration {
  const { S3Update, ...rest } = update;
  if (!rest.EndpointConfiguration || !S3Update?.RoleARN || !S3Update.BucketARN)
    missingForNewType('HttpEndpoint', 'EndpointConfiguration and S3Update with RoleARN and BucketARN');
  return {
    ...rest,
    EndpointConfiguration: rest.EndpointConfiguration,
    S3Configuration: { ...S3Update, RoleARN: S3Update.RoleARN, BucketARN: S3Update.BucketARN },
  };
}

/** Rule 4: an (Extended)S3 update that replaces an HTTP endpoint destination, as a full configuration. */
function s3ConfigFrom(update: ExtendedS3DestinationUpdate | S3DestinationUpdate): S3DestinationConfiguration {
  if (!update.RoleARN || !update.BucketARN) missingForNewType('Amazon S3', 'RoleARN and BucketARN');
  return { ...update, RoleARN: update.RoleARN, BucketARN: update.BucketARN };
}

/**
 * UpdateDestination (UpdateDestination API reference): rule 1, the stream must be ACTIVE; rule 2, a
 * compare-and-set on CurrentDeliveryStreamVersionId (ConcurrentModificationException when it is not the current
 * VersionId); rule 3, DestinationId must name the stream's destination; rule 4, "If the destination type is the
 * same, Firehose merges the configuration parameters specified with the destination configuration that already
 * exists"; if it differs, the old configuration is replaced, so the update must carry every member the new type
 * requires (HTTP endpoint: EndpointConfiguration and the S3 backup's RoleARN and BucketARN; S3: RoleARN and
 * BucketARN). S3 and Extended S3 are one destination (the legacy form is described as both), so between them the
 * update merges; rule 5, VersionId grows by one and the worker picks the new configuration up for its next
 * object (src/firehose/delivery.ts reads the destination per flush).
 */
export async function updateDestination(
  rt: FirehoseRuntime,
  input: UpdateDestinationInput,
  ctx: RequestContext,
): Promise<UpdateDestinationOutput> {
  const state = rt.catalog.require(ctx.accountId, ctx.region, input.DeliveryStreamName);
  // TODO(#firehose-texts): AWS's wording of the errors below is not known; they name the rule.
  const notActive = (status: string) =>
    firehoseError(
      'ResourceInUseException',
      `Firehose ${state.name} under account ${state.accountId} is not ACTIVE, instead in state ${status}.`,
    );
  if (state.status !== 'ACTIVE') throw notActive(state.status);
  const other = OTHER_UPDATES.find((k) => input[k] !== undefined);
  if (other) throw firehoseError('InvalidArgumentException', `${other} is not supported by this server yet.`);
  const httpUpdate = input.HttpEndpointDestinationUpdate;
  const update = input.ExtendedS3DestinationUpdate ?? input.S3DestinationUpdate;
  const given = [input.ExtendedS3DestinationUpdate, input.S3DestinationUpdate, httpUpdate].filter((u) => u);
  if (given.length !== 1)
    throw firehoseError('InvalidArgumentException', 'Exactly one destination update must be specified.');
  const wasHttp = state.destination.kind === 'httpEndpoint';
  // Rule 4: a replacement is built (and validated) before the compare-and-set.
  const replacement =
    httpUpdate && !wasHttp
      ? { kind: 'httpEndpoint' as const, ...describeNewHttp(httpConfigFrom(httpUpdate)) }
      : !httpUpdate && wasHttp
        ? {
            kind: input.ExtendedS3DestinationUpdate ? ('extendedS3' as const) : ('s3' as const),
            s3: describeNewS3(s3ConfigFrom(update!)),
          }
        : undefined;
  const next = await rt.catalog.update(state.id, (d) => {
    if (d.status !== 'ACTIVE') throw notActive(d.status);
    if (String(d.versionId) !== input.CurrentDeliveryStreamVersionId)
      throw firehoseError(
        'ConcurrentModificationException',
        `Cannot update firehose: ${d.name} since the current version id: ${d.versionId} and specified version id: ${input.CurrentDeliveryStreamVersionId} do not match`,
      );
    if (d.destination.id !== input.DestinationId)
      throw firehoseError(
        'InvalidArgumentException',
        `Destination Id ${input.DestinationId} not found for firehose ${d.name}.`,
      );
    if (replacement) {
      // The version check above pins the destination type the replacement was built against.
      d.destination.kind = replacement.kind;
      d.destination.s3 = replacement.s3 as never;
      if ('http' in replacement) d.destination.http = replacement.http as never;
      else delete d.destination.http;
    } else if (httpUpdate) {
      const merged = mergeHttp({ http: d.destination.http as never, s3: d.destination.s3 as never }, httpUpdate);
      d.destination.http = merged.http as never;
      d.destination.s3 = merged.s3 as never;
    } else {
      d.destination.s3 = mergeS3(d.destination.s3 as never, update!) as never;
      if (input.ExtendedS3DestinationUpdate) d.destination.kind = 'extendedS3';
    }
    d.versionId += 1;
    d.updatedAt = rt.now();
  });
  rt.wake(next.id);
  return {};
}
