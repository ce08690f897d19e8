/**
 * Renders an application (application.ts) as each API describes it: v1's ApplicationDetail (DescribeApplication
 * API reference, version 1) and v2's (DescribeApplication API reference, version 2: SQL inputs, outputs and
 * reference data sources under ApplicationConfigurationDescription.SqlApplicationConfigurationDescription, the
 * code under ApplicationCodeConfigurationDescription). v2 reports role ARNs from the service execution role.
 */
import { createHash } from 'node:crypto';
import {
  type ApplicationState,
  type InputState,
  type OutputState,
  type ReferenceState,
  inAppStreamNames,
  isSql,
} from './application.js';
import type {
  ApplicationConfigurationDescription,
  ApplicationDetail,
  ApplicationSummary,
  CloudWatchLoggingOptionDescription,
  InputDescription,
  OutputDescription,
  ReferenceDataSourceDescription,
  V1,
} from './shapes/index.js';

function role(own: string | undefined, app: ApplicationState): string | undefined {
  return own ?? app.serviceExecutionRole;
}

function withRoleArn<T extends object>(value: T, arn: string | undefined): T & { RoleARN?: string } {
  return arn === undefined ? value : { ...value, RoleARN: arn };
}

export function describeInput(input: InputState, app: ApplicationState): InputDescription & V1.InputDescription {
  const roleArn = role(input.source.roleArn, app);
  const source = withRoleArn({ ResourceARN: input.source.arn }, roleArn);
  return {
    InputId: input.id,
    NamePrefix: input.namePrefix,
    InAppStreamNames: inAppStreamNames(input),
    ...(input.processing
      ? {
          InputProcessingConfigurationDescription: {
            InputLambdaProcessorDescription: withRoleArn(
              { ResourceARN: input.processing.lambdaArn },
              role(input.processing.roleArn, app),
            ),
          },
        }
      : {}),
    ...(input.source.kind === 'kinesis'
      ? { KinesisStreamsInputDescription: source }
      : { KinesisFirehoseInputDescription: source }),
    InputSchema: structuredClone(input.schema),
    InputParallelism: { Count: input.parallelism },
    ...(input.startingPosition
      ? { InputStartingPositionConfiguration: { InputStartingPosition: input.startingPosition } }
      : {}),
  };
}

export function describeOutput(output: OutputState, app: ApplicationState): OutputDescription {
  const d = withRoleArn({ ResourceARN: output.destination.arn }, role(output.destination.roleArn, app));
  return {
    OutputId: output.id,
    Name: output.name,
    ...(output.destination.kind === 'kinesis'
      ? { KinesisStreamsOutputDescription: d }
      : output.destination.kind === 'firehose'
        ? { KinesisFirehoseOutputDescription: d }
        : { LambdaOutputDescription: d }),
    DestinationSchema: { RecordFormatType: output.format },
  };
}

export function describeReference(ref: ReferenceState, app: ApplicationState): ReferenceDataSourceDescription {
  const roleArn = role(ref.roleArn, app);
  return {
    ReferenceId: ref.id,
    TableName: ref.tableName,
    S3ReferenceDataSourceDescription: {
      BucketARN: ref.bucketArn,
      FileKey: ref.fileKey,
      ...(roleArn !== undefined ? { ReferenceRoleARN: roleArn } : {}),
    },
    ReferenceSchema: structuredClone(ref.schema),
  };
}

export function describeLogging(app: ApplicationState): CloudWatchLoggingOptionDescription[] {
  return app.logging.map((l) =>
    withRoleArn({ CloudWatchLoggingOptionId: l.id, LogStreamARN: l.logStreamArn }, role(l.roleArn, app)),
  );
}

/** v1 statuses are a subset of v2's; the v2-only ones are shown as the v1 status they resemble. */
function v1Status(app: ApplicationState): V1.ApplicationStatus {
  switch (app.status) {
    case 'AUTOSCALING':
    case 'MAINTENANCE':
      return 'RUNNING';
    case 'FORCE_STOPPING':
      return 'STOPPING';
    case 'ROLLING_BACK':
      return 'UPDATING';
    case 'ROLLED_BACK':
      return 'READY';
    default:
      return app.status;
  }
}

/** DescribeApplication, version 1. */
export function describeV1(app: ApplicationState): V1.ApplicationDetail {
  return {
    ApplicationName: app.name,
    ...(app.description !== undefined ? { ApplicationDescription: app.description } : {}),
    ApplicationARN: app.arn,
    ApplicationStatus: v1Status(app),
    CreateTimestamp: new Date(app.createdAt),
    ...(app.updatedAt !== undefined ? { LastUpdateTimestamp: new Date(app.updatedAt) } : {}),
    InputDescriptions: app.inputs.map((i) => describeInput(i, app)),
    OutputDescriptions: app.outputs.map((o) => describeOutput(o, app)),
    // v1 always has role ARNs (its inputs require them); an application made with v2 may lack one.
    ReferenceDataSourceDescriptions: app.references.map((r) => {
      const d = describeReference(r, app);
      return {
        ...d,
        S3ReferenceDataSourceDescription: {
          ...d.S3ReferenceDataSourceDescription,
          ReferenceRoleARN: d.S3ReferenceDataSourceDescription.ReferenceRoleARN ?? '',
        },
      };
    }),
    CloudWatchLoggingOptionDescriptions: describeLogging(app).map((l) => ({ ...l, RoleARN: l.RoleARN ?? '' })),
    ...(app.code !== undefined ? { ApplicationCode: app.code } : {}),
    ApplicationVersionId: app.versionId,
  };
}

export function summaryV1(app: ApplicationState): V1.ApplicationSummary {
  return { ApplicationName: app.name, ApplicationARN: app.arn, ApplicationStatus: v1Status(app) };
}

export function summaryV2(app: ApplicationState): ApplicationSummary {
  return {
    ApplicationName: app.name,
    ApplicationARN: app.arn,
    ApplicationStatus: app.status,
    ApplicationVersionId: app.versionId,
    RuntimeEnvironment: app.runtime,
    ...(app.mode !== undefined ? { ApplicationMode: app.mode } : {}),
  };
}

/** The code's description (ApplicationCodeConfigurationDescription): text, MD5 and size in bytes. */
function codeDescription(code: string): ApplicationConfigurationDescription['ApplicationCodeConfigurationDescription'] {
  return {
    CodeContentType: 'PLAINTEXT',
    CodeContentDescription: {
      TextContent: code,
      CodeMD5: createHash('md5').update(code).digest('hex'),
      CodeSize: Buffer.byteLength(code),
    },
  };
}

/** An opaque token that changes with every version (v2 ConditionalToken). */
export function conditionalToken(app: ApplicationState): string {
  return createHash('sha256').update(`${app.id}:${app.versionId}`).digest('hex').slice(0, 32);
}

/** DescribeApplication, version 2. */
export function describeV2(app: ApplicationState): ApplicationDetail {
  let configuration: ApplicationConfigurationDescription;
  if (isSql(app)) {
    configuration = {
      SqlApplicationConfigurationDescription: {
        InputDescriptions: app.inputs.map((i) => describeInput(i, app)),
        OutputDescriptions: app.outputs.map((o) => describeOutput(o, app)),
        ReferenceDataSourceDescriptions: app.references.map((r) => describeReference(r, app)),
      },
      ...(app.code !== undefined ? { ApplicationCodeConfigurationDescription: codeDescription(app.code) } : {}),
    };
  } else {
    configuration = structuredClone(app.other ?? {}) as ApplicationConfigurationDescription;
    if (app.vpcs.length > 0)
      configuration.VpcConfigurationDescriptions = app.vpcs.map((v) => ({
        VpcConfigurationId: v.id,
        VpcId: 'vpc-00000000',
        SubnetIds: [...v.subnetIds],
        SecurityGroupIds: [...v.securityGroupIds],
      }));
  }
  return {
    ApplicationARN: app.arn,
    ...(app.description !== undefined ? { ApplicationDescription: app.description } : {}),
    ApplicationName: app.name,
    RuntimeEnvironment: app.runtime,
    ...(app.serviceExecutionRole !== undefined ? { ServiceExecutionRole: app.serviceExecutionRole } : {}),
    ApplicationStatus: app.status,
    ApplicationVersionId: app.versionId,
    CreateTimestamp: new Date(app.createdAt),
    ...(app.updatedAt !== undefined ? { LastUpdateTimestamp: new Date(app.updatedAt) } : {}),
    ApplicationConfigurationDescription: configuration,
    CloudWatchLoggingOptionDescriptions: describeLogging(app),
    ...(app.maintenanceWindowStart !== undefined
      ? {
          ApplicationMaintenanceConfigurationDescription: {
            ApplicationMaintenanceWindowStartTime: app.maintenanceWindowStart,
            ApplicationMaintenanceWindowEndTime: windowEnd(app.maintenanceWindowStart),
          },
        }
      : {}),
    ConditionalToken: conditionalToken(app),
    ...(app.mode !== undefined ? { ApplicationMode: app.mode } : {}),
  };
}

/** A maintenance window lasts 8 hours (UpdateApplicationMaintenanceConfiguration API reference). */
function windowEnd(start: string): string {
  const [h = 0, m = 0] = start.split(':').map(Number);
  const end = (h * 60 + m + 8 * 60) % (24 * 60);
  return `${String(Math.floor(end / 60)).padStart(2, '0')}:${String(end % 60).padStart(2, '0')}`;
}
