/**
 * Amazon Kinesis Data Analytics: `createAnalyticsService` builds the two modules the server mounts on one port,
 * v1 (`KinesisAnalytics_20150814`, SQL applications) and v2 (`KinesisAnalytics_20180523`, every runtime), over
 * one catalogue of applications (IAM actions `kinesisanalytics:<Operation>` on
 * `arn:aws:kinesisanalytics:<region>:<account>:application/<name>` for both, as the Service Authorization
 * Reference lists one `kinesisanalytics` service for both API versions).
 *
 * Shape of the service (docs/adr/0021-analytics-applications.md):
 * - the catalogue (catalog.ts) is the sole writer of application state, kept in the service's metadata scope;
 *   both APIs' handlers of an operation share the rules in application.ts and runtime.ts and differ only in
 *   how they read their input and render the application (describe.ts);
 * - STARTING / STOPPING / UPDATING / DELETING end on the scheduler's persisted timers;
 * - SQL applications run as workers on the worker host; Flink and Zeppelin applications are stored, described
 *   and listed, and StartApplication names the supported runtime.
 */
import { Scheduler, WorkerHost, realClock, type Clock } from '../jobs/index.js';
import {
  type Logger,
  type OperationDefinition,
  type ResourceRule,
  type ServiceModule,
  opWith,
  statusCountSamples,
} from '../protocol/index.js';
import type { MetaStore, StorageBackend } from '../storage/index.js';
import type { StreamsApi } from '../streams/index.js';
import type { FirehoseService } from '../firehose/index.js';
import { ApplicationCatalog } from './catalog.js';
import { AnalyticsErrors, AnalyticsV1Errors } from './errors.js';
import { AnalyticsMetrics } from './metrics.js';
import { type ObjectReader, type S3Endpoint, directoryObjectReader, s3ObjectReader } from './objects.js';
import {
  addApplicationCloudWatchLoggingOptionV1,
  addApplicationCloudWatchLoggingOptionV2,
} from './operations/add-application-cloud-watch-logging-option.js';
import { addApplicationInputV1, addApplicationInputV2 } from './operations/add-application-input.js';
import {
  addApplicationInputProcessingConfigurationV1,
  addApplicationInputProcessingConfigurationV2,
} from './operations/add-application-input-processing-configuration.js';
import { addApplicationOutputV1, addApplicationOutputV2 } from './operations/add-application-output.js';
import {
  addApplicationReferenceDataSourceV1,
  addApplicationReferenceDataSourceV2,
} from './operations/add-application-reference-data-source.js';
import { addApplicationVpcConfiguration } from './operations/add-application-vpc-configuration.js';
import { createApplicationV1, createApplicationV2 } from './operations/create-application.js';
import { createApplicationPresignedUrl } from './operations/create-application-presigned-url.js';
import { createApplicationSnapshot } from './operations/create-application-snapshot.js';
import { deleteApplicationV1, deleteApplicationV2 } from './operations/delete-application.js';
import {
  deleteApplicationCloudWatchLoggingOptionV1,
  deleteApplicationCloudWatchLoggingOptionV2,
} from './operations/delete-application-cloud-watch-logging-option.js';
import {
  deleteApplicationInputProcessingConfigurationV1,
  deleteApplicationInputProcessingConfigurationV2,
} from './operations/delete-application-input-processing-configuration.js';
import { deleteApplicationOutputV1, deleteApplicationOutputV2 } from './operations/delete-application-output.js';
import {
  deleteApplicationReferenceDataSourceV1,
  deleteApplicationReferenceDataSourceV2,
} from './operations/delete-application-reference-data-source.js';
import { deleteApplicationSnapshot } from './operations/delete-application-snapshot.js';
import { deleteApplicationVpcConfiguration } from './operations/delete-application-vpc-configuration.js';
import { describeApplicationV1, describeApplicationV2 } from './operations/describe-application.js';
import { discoverInputSchemaV1, discoverInputSchemaV2 } from './operations/discover-input-schema.js';
import { describeApplicationOperation } from './operations/describe-application-operation.js';
import { describeApplicationSnapshot } from './operations/describe-application-snapshot.js';
import { describeApplicationVersion } from './operations/describe-application-version.js';
import { listApplicationOperations } from './operations/list-application-operations.js';
import { listApplicationSnapshots } from './operations/list-application-snapshots.js';
import { listApplicationVersions } from './operations/list-application-versions.js';
import { listApplicationsV1, listApplicationsV2 } from './operations/list-applications.js';
import { rollbackApplication } from './operations/rollback-application.js';
import { startApplicationV1, startApplicationV2 } from './operations/start-application.js';
import { stopApplicationV1, stopApplicationV2 } from './operations/stop-application.js';
import { listTagsForResource, tagResource, untagResource } from './operations/tags.js';
import { updateApplicationV1, updateApplicationV2 } from './operations/update-application.js';
import { updateApplicationMaintenanceConfiguration } from './operations/update-application-maintenance-configuration.js';
import { dropCheckpoints, WorkerRunner } from './runner.js';
import { AnalyticsRuntime, STATUS_TIMER } from './runtime.js';
import { SampleBuffer } from './sample.js';
import { sampleRoute } from './sample-route.js';
import { kinesisAnalyticsModel, kinesisAnalyticsV2Model } from './shapes/index.js';

export { AnalyticsErrors } from './errors.js';
export { kinesisAnalyticsModel, kinesisAnalyticsV2Model } from './shapes/index.js';
export type { KinesisAnalyticsV2Operations, V1 } from './shapes/index.js';

/** Options of {@link createAnalyticsService}. */
export interface AnalyticsServiceOptions {
  readonly region: string;
  readonly accountId: string;
  readonly logger: Logger;
  /** The service's metadata scope (the server passes `scopeMeta(backend.meta, 'analytics/')`). Default `backend.meta`. */
  readonly meta?: MetaStore;
  /** Data Streams' in-process API: inputs, outputs and DiscoverInputSchema. */
  readonly streams?: StreamsApi;
  /**
   * The Firehose module: Firehose outputs go through its PutRecordBatch operation, Firehose inputs and
   * DiscoverInputSchema read through its incoming-records seam (src/firehose/incoming.ts).
   */
  readonly firehose?: FirehoseService;
  /** Shared scheduler (started by the caller). Default: the service's own, on `clock`. */
  readonly scheduler?: Scheduler;
  /** Shared worker host (started by the caller). Default: the service's own, started here. */
  readonly workers?: WorkerHost;
  /** Time source of statuses and the applications' ROWTIME. Default: the system clock. */
  readonly clock?: Clock;
  /** How long STARTING, STOPPING, UPDATING and DELETING last, ms. Default 500. */
  readonly transitionMs?: number;
  /** Applications per account and region. Default 50 (AWS's default quota). */
  readonly applicationLimit?: number;
  /** How long DiscoverInputSchema waits for stream records, ms. Default 2,000. */
  readonly discoverWaitMs?: number;
  /** Lambda-compatible HTTP endpoint that Lambda outputs are invoked on (outputs.ts). Default: none. */
  readonly lambdaEndpoint?: string;
  /** Where S3 objects are read without `s3`: `<dir>/<bucket>/<key>` (Firehose's embedded directory). */
  readonly objectDir: string;
  /** An S3-compatible endpoint to read objects from instead of `objectDir`. */
  readonly s3?: S3Endpoint;
  /** Or any object reader (tests). */
  readonly objects?: ObjectReader;
}

/** The two API modules over one set of applications. */
export interface AnalyticsService {
  /** v1 then v2; the composition root mounts both. */
  readonly modules: readonly [ServiceModule, ServiceModule];
  /** Resolves once the running applications match every state change made so far (tests). */
  settled(): Promise<void>;
  /** The latest rows of an in-application stream of a running application (the sample endpoint). */
  readonly samples: SampleBuffer;
  close(): Promise<void>;
}

const APPLICATION: ResourceRule = { kind: 'named', type: 'application', member: 'ApplicationName' };
const RESOURCE_ARN: ResourceRule = { kind: 'arn', member: 'ResourceARN' };
const ACCOUNT: ResourceRule = { kind: 'account' };

export async function createAnalyticsService(
  backend: StorageBackend,
  options: AnalyticsServiceOptions,
): Promise<AnalyticsService> {
  const logger = options.logger.child({ service: 'kinesisanalytics' });
  const meta = options.meta ?? backend.meta;
  const clock = options.clock ?? realClock();
  const ownScheduler = options.scheduler === undefined;
  const scheduler =
    options.scheduler ?? new Scheduler({ meta: backend.meta, clock, logger: logger.child({ area: 'jobs' }) });
  const objects =
    options.objects ??
    (options.s3 ? s3ObjectReader({ ...options.s3, region: options.region }) : directoryObjectReader(options.objectDir));
  const ownHost = options.workers === undefined;
  const host = options.workers ?? new WorkerHost({ leases: backend.leases, clock, logger });
  const catalog = await ApplicationCatalog.open(meta, logger);
  const samples = new SampleBuffer();
  const rt = new AnalyticsRuntime({
    catalog,
    settings: {
      transitionMs: options.transitionMs ?? 500,
      applicationLimit: options.applicationLimit ?? 50,
      discoverWaitMs: options.discoverWaitMs ?? 2_000,
      lambdaEndpoint: options.lambdaEndpoint ?? '',
      firehoseOutputs: options.firehose !== undefined,
    },
    clock,
    logger,
    scheduler,
    streams: options.streams,
    firehose: options.firehose,
    objects,
  });

  const metrics = new AnalyticsMetrics();
  const runner = new WorkerRunner({
    metrics,
    catalog,
    host,
    meta,
    clock,
    logger,
    streams: options.streams,
    objects,
    samples,
    lambdaEndpoint: options.lambdaEndpoint ?? '',
    firehose: options.firehose,
  });
  catalog.onChange((next, id) => {
    runner.sync(id, next);
    if (next === undefined) {
      // Deleted: its input positions and samples go too.
      samples.drop(id);
      metrics.drop(id);
      void dropCheckpoints(meta, id, options.firehose).catch((err: unknown) =>
        logger.warn({ err }, 'checkpoints not deleted'),
      );
    }
  });
  for (const app of catalog.all()) runner.sync(app.id, app);
  rt.settle = () => runner.settled();
  const unhandle = scheduler.handle(STATUS_TIMER, (timer) => rt.completeTransition(timer.key));
  for (const app of catalog.all()) if (app.transition) await rt.schedule(app);

  const v1: Record<string, OperationDefinition> = {
    AddApplicationCloudWatchLoggingOption: opWith(rt, addApplicationCloudWatchLoggingOptionV1, {
      resource: APPLICATION,
    }),
    AddApplicationInput: opWith(rt, addApplicationInputV1, { resource: APPLICATION }),
    AddApplicationInputProcessingConfiguration: opWith(rt, addApplicationInputProcessingConfigurationV1, {
      resource: APPLICATION,
    }),
    AddApplicationOutput: opWith(rt, addApplicationOutputV1, { resource: APPLICATION }),
    AddApplicationReferenceDataSource: opWith(rt, addApplicationReferenceDataSourceV1, { resource: APPLICATION }),
    CreateApplication: opWith(rt, createApplicationV1, { resource: APPLICATION, requestTags: 'Tags' }),
    DeleteApplication: opWith(rt, deleteApplicationV1, { resource: APPLICATION }),
    DeleteApplicationCloudWatchLoggingOption: opWith(rt, deleteApplicationCloudWatchLoggingOptionV1, {
      resource: APPLICATION,
    }),
    DeleteApplicationInputProcessingConfiguration: opWith(rt, deleteApplicationInputProcessingConfigurationV1, {
      resource: APPLICATION,
    }),
    DeleteApplicationOutput: opWith(rt, deleteApplicationOutputV1, { resource: APPLICATION }),
    DeleteApplicationReferenceDataSource: opWith(rt, deleteApplicationReferenceDataSourceV1, { resource: APPLICATION }),
    DescribeApplication: opWith(rt, describeApplicationV1, { resource: APPLICATION }),
    DiscoverInputSchema: opWith(rt, discoverInputSchemaV1, { resource: ACCOUNT }),
    ListApplications: opWith(rt, listApplicationsV1, { resource: ACCOUNT }),
    ListTagsForResource: opWith(rt, listTagsForResource, { resource: RESOURCE_ARN }),
    StartApplication: opWith(rt, startApplicationV1, { resource: APPLICATION }),
    StopApplication: opWith(rt, stopApplicationV1, { resource: APPLICATION }),
    TagResource: opWith(rt, tagResource, { resource: RESOURCE_ARN, requestTags: 'Tags' }),
    UntagResource: opWith(rt, untagResource, { resource: RESOURCE_ARN, requestTags: 'TagKeys' }),
    UpdateApplication: opWith(rt, updateApplicationV1, { resource: APPLICATION }),
  };
  const v2: Record<string, OperationDefinition> = {
    AddApplicationCloudWatchLoggingOption: opWith(rt, addApplicationCloudWatchLoggingOptionV2, {
      resource: APPLICATION,
    }),
    AddApplicationInput: opWith(rt, addApplicationInputV2, { resource: APPLICATION }),
    AddApplicationInputProcessingConfiguration: opWith(rt, addApplicationInputProcessingConfigurationV2, {
      resource: APPLICATION,
    }),
    AddApplicationOutput: opWith(rt, addApplicationOutputV2, { resource: APPLICATION }),
    AddApplicationReferenceDataSource: opWith(rt, addApplicationReferenceDataSourceV2, { resource: APPLICATION }),
    AddApplicationVpcConfiguration: opWith(rt, addApplicationVpcConfiguration, { resource: APPLICATION }),
    CreateApplication: opWith(rt, createApplicationV2, { resource: APPLICATION, requestTags: 'Tags' }),
    CreateApplicationPresignedUrl: opWith(rt, createApplicationPresignedUrl, { resource: APPLICATION }),
    CreateApplicationSnapshot: opWith(rt, createApplicationSnapshot, { resource: APPLICATION }),
    DeleteApplication: opWith(rt, deleteApplicationV2, { resource: APPLICATION }),
    DeleteApplicationCloudWatchLoggingOption: opWith(rt, deleteApplicationCloudWatchLoggingOptionV2, {
      resource: APPLICATION,
    }),
    DeleteApplicationInputProcessingConfiguration: opWith(rt, deleteApplicationInputProcessingConfigurationV2, {
      resource: APPLICATION,
    }),
    DeleteApplicationOutput: opWith(rt, deleteApplicationOutputV2, { resource: APPLICATION }),
    DeleteApplicationReferenceDataSource: opWith(rt, deleteApplicationReferenceDataSourceV2, { resource: APPLICATION }),
    DeleteApplicationSnapshot: opWith(rt, deleteApplicationSnapshot, { resource: APPLICATION }),
    DeleteApplicationVpcConfiguration: opWith(rt, deleteApplicationVpcConfiguration, { resource: APPLICATION }),
    DescribeApplication: opWith(rt, describeApplicationV2, { resource: APPLICATION }),
    DescribeApplicationOperation: opWith(rt, describeApplicationOperation, { resource: APPLICATION }),
    DescribeApplicationSnapshot: opWith(rt, describeApplicationSnapshot, { resource: APPLICATION }),
    DescribeApplicationVersion: opWith(rt, describeApplicationVersion, { resource: APPLICATION }),
    DiscoverInputSchema: opWith(rt, discoverInputSchemaV2, { resource: ACCOUNT }),
    ListApplicationOperations: opWith(rt, listApplicationOperations, { resource: APPLICATION }),
    ListApplicationSnapshots: opWith(rt, listApplicationSnapshots, { resource: APPLICATION }),
    ListApplicationVersions: opWith(rt, listApplicationVersions, { resource: APPLICATION }),
    ListApplications: opWith(rt, listApplicationsV2, { resource: ACCOUNT }),
    ListTagsForResource: opWith(rt, listTagsForResource, { resource: RESOURCE_ARN }),
    RollbackApplication: opWith(rt, rollbackApplication, { resource: APPLICATION }),
    StartApplication: opWith(rt, startApplicationV2, { resource: APPLICATION }),
    StopApplication: opWith(rt, stopApplicationV2, { resource: APPLICATION }),
    TagResource: opWith(rt, tagResource, { resource: RESOURCE_ARN, requestTags: 'Tags' }),
    UntagResource: opWith(rt, untagResource, { resource: RESOURCE_ARN, requestTags: 'TagKeys' }),
    UpdateApplication: opWith(rt, updateApplicationV2, { resource: APPLICATION }),
    UpdateApplicationMaintenanceConfiguration: opWith(rt, updateApplicationMaintenanceConfiguration, {
      resource: APPLICATION,
    }),
  };

  const resourceFacts = (arn: string) => {
    const app = catalog.getByArn(arn);
    return app ? { tags: app.tags } : undefined;
  };

  if (ownScheduler) await scheduler.start();
  if (ownHost) host.start();

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      catalog.stopWatching();
      await runner.close();
      if (ownHost) await host.close();
      await unhandle();
      if (ownScheduler) await scheduler.close();
      objects.close();
    })();
    return closed;
  };

  const v1Module: ServiceModule = {
    name: 'kinesisanalytics',
    title: 'Amazon Kinesis Data Analytics (API version 1, 2015-08-14)',
    definition: {
      name: 'kinesisanalytics',
      targetPrefix: 'KinesisAnalytics_20150814',
      model: kinesisAnalyticsModel,
      errors: AnalyticsV1Errors,
      operations: v1,
      resourceFacts,
    },
    // Both API versions share the applications: only this module reports them (docs/adr/0031).
    metricSamples: () => [
      ...statusCountSamples('Tributary/KinesisAnalytics', 'Applications', catalog.all()),
      ...metrics.samples((id) => catalog.getById(id)),
    ],
    close,
  };
  const routes = [sampleRoute(rt, samples)];
  const v2Module: ServiceModule = {
    routes,
    name: 'kinesisanalyticsv2',
    title: 'Amazon Kinesis Data Analytics (API version 2, 2018-05-23)',
    definition: {
      name: 'kinesisanalytics',
      targetPrefix: 'KinesisAnalytics_20180523',
      model: kinesisAnalyticsV2Model,
      errors: AnalyticsErrors,
      operations: v2,
      resourceFacts,
    },
    close,
  };
  return { modules: [v1Module, v2Module], samples, settled: () => runner.settled(), close };
}
