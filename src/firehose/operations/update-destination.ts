import type { RequestContext } from '../../protocol/index.js';
import { mergeS3 } from '../destination.js';
import { firehoseError } from '../errors.js';
import { mergeHttp } from '../http-endpoint.js';
import type { FirehoseRuntime } from '../runtime.js';
import type { UpdateDestinationInput, UpdateDestinationOutput } from '../shapes/index.js';

const OTHER_UPDATES = [
  'RedshiftDestinationUpdate',
  'ElasticsearchDestinationUpdate',
  'AmazonopensearchserviceDestinationUpdate',
  'SplunkDestinationUpdate',
  'AmazonOpenSearchServerlessDestinationUpdate',
  'SnowflakeDestinationUpdate',
  'IcebergDestinationUpdate',
] as const;

/**
 * UpdateDestination (UpdateDestination API reference): rule 1, the stream must be ACTIVE; rule 2, a
 * compare-and-set on CurrentDeliveryStreamVersionId (ConcurrentModificationException when it is not the current
 * VersionId); rule 3, DestinationId must name the stream's destination; rule 4, an update of the same destination
 * type merges (src/firehose/destination.ts); rule 5, VersionId grows by one and the worker picks the new
 * configuration up for its next object.
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
  if ((httpUpdate !== undefined) !== (state.destination.kind === 'httpEndpoint'))
    throw firehoseError(
      'InvalidArgumentException',
      'Changing the destination type of a delivery stream is not supported by this server yet.',
    );
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
    if (httpUpdate) {
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
