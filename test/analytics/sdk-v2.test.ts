/**
 * Kinesis Data Analytics API version 2 through `@aws-sdk/client-kinesis-analytics-v2` against a real server:
 * SQL-1_0 applications (configuration under SqlApplicationConfiguration, code as PLAINTEXT), the operations log,
 * the Flink-only operations, and Flink applications stored but not run. Statuses change at once
 * (`--analytics-transition-ms 0`); test/analytics/status.test.ts covers the transitional statuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand as CreateV1,
  DescribeApplicationCommand as DescribeV1,
  ListApplicationsCommand as ListV1,
  UpdateApplicationCommand as UpdateV1,
} from '@aws-sdk/client-kinesis-analytics';
import {
  AddApplicationCloudWatchLoggingOptionCommand,
  AddApplicationInputCommand,
  AddApplicationOutputCommand,
  AddApplicationVpcConfigurationCommand,
  CreateApplicationCommand,
  CreateApplicationPresignedUrlCommand,
  CreateApplicationSnapshotCommand,
  DeleteApplicationCommand,
  DeleteApplicationSnapshotCommand,
  DeleteApplicationVpcConfigurationCommand,
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  DescribeApplicationSnapshotCommand,
  DescribeApplicationVersionCommand,
  type KinesisAnalyticsV2Client,
  ListApplicationOperationsCommand,
  ListApplicationSnapshotsCommand,
  ListApplicationVersionsCommand,
  ListApplicationsCommand,
  RollbackApplicationCommand,
  StartApplicationCommand,
  StopApplicationCommand,
  UpdateApplicationCommand,
  UpdateApplicationMaintenanceConfigurationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { rejects } from '../helpers/assert.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ROLE, TICKER_SCHEMA, analyticsV1Client, analyticsV2Client, streamArn } from './api-helpers.js';

let t: TestServer;
let ka: KinesisAnalyticsV2Client;

before(async () => {
  t = await startTestServer({ analyticsTransitionMs: 0 });
  ka = analyticsV2Client(t.server.url);
  await t.kinesis.send(new CreateStreamCommand({ StreamName: 'in2', ShardCount: 1 }));
});
after(async () => {
  ka.destroy();
  await t.close();
});

async function detail(name: string) {
  return (await ka.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail!;
}

const SQL = 'CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (TICKER VARCHAR(8));\n';

describe('kinesisanalyticsv2: SQL-1_0 applications', () => {
  it('creates with the SQL configuration and code, and describes them in v2 form', async () => {
    const out = await ka.send(
      new CreateApplicationCommand({
        ApplicationName: 'sql1',
        RuntimeEnvironment: 'SQL-1_0',
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: {
          SqlApplicationConfiguration: {
            Inputs: [
              {
                NamePrefix: 'SOURCE_SQL_STREAM',
                KinesisStreamsInput: { ResourceARN: streamArn('in2') },
                InputSchema: TICKER_SCHEMA,
              },
            ],
          },
          ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: SQL } },
        },
      }),
    );
    const d = out.ApplicationDetail!;
    assert.equal(d.ApplicationStatus, 'READY');
    assert.equal(d.ApplicationVersionId, 1);
    assert.equal(d.RuntimeEnvironment, 'SQL-1_0');
    assert.equal(d.ServiceExecutionRole, ROLE);
    const sql = d.ApplicationConfigurationDescription?.SqlApplicationConfigurationDescription;
    assert.deepEqual(sql?.InputDescriptions?.[0]?.KinesisStreamsInputDescription, {
      ResourceARN: streamArn('in2'),
      RoleARN: ROLE,
    });
    assert.deepEqual(sql?.InputDescriptions?.[0]?.InAppStreamNames, ['SOURCE_SQL_STREAM_001']);
    const code = d.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription;
    assert.equal(code?.CodeContentType, 'PLAINTEXT');
    assert.equal(code?.CodeContentDescription?.TextContent, SQL);
    assert.equal(code?.CodeContentDescription?.CodeSize, Buffer.byteLength(SQL));
  });

  it('shares applications with v1: a v1 application is a SQL-1_0 application in v2 and back', async () => {
    const v1 = analyticsV1Client(t.server.url);
    try {
      await v1.send(new CreateV1({ ApplicationName: 'fromv1', ApplicationCode: SQL }));
      const d = await detail('fromv1');
      assert.equal(d.RuntimeEnvironment, 'SQL-1_0');
      assert.equal(
        d.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription
          ?.TextContent,
        SQL,
      );
      const back = await v1.send(new DescribeV1({ ApplicationName: 'sql1' }));
      assert.equal(back.ApplicationDetail?.ApplicationCode, SQL);
      assert.equal(back.ApplicationDetail?.InputDescriptions?.[0]?.InputId, '1.1');
    } finally {
      v1.destroy();
    }
  });

  it('updates with version ids or the ConditionalToken and returns the operation', async () => {
    const before = await detail('sql1');
    await rejects(
      ka.send(new UpdateApplicationCommand({ ApplicationName: 'sql1', ApplicationConfigurationUpdate: {} })),
      'InvalidArgumentException',
    );
    await rejects(
      ka.send(
        new UpdateApplicationCommand({
          ApplicationName: 'sql1',
          CurrentApplicationVersionId: 5,
          ApplicationConfigurationUpdate: {},
        }),
      ),
      'ConcurrentModificationException',
    );
    await rejects(
      ka.send(
        new UpdateApplicationCommand({
          ApplicationName: 'sql1',
          ConditionalToken: 'stale',
          ApplicationConfigurationUpdate: {},
        }),
      ),
      'ConcurrentModificationException',
    );
    const out = await ka.send(
      new UpdateApplicationCommand({
        ApplicationName: 'sql1',
        ConditionalToken: before.ConditionalToken,
        ApplicationConfigurationUpdate: {
          SqlApplicationConfigurationUpdate: {
            InputUpdates: [{ InputId: '1.1', InputParallelismUpdate: { CountUpdate: 3 } }],
          },
          ApplicationCodeConfigurationUpdate: { CodeContentUpdate: { TextContentUpdate: `${SQL}-- v2\n` } },
        },
      }),
    );
    assert.equal(out.ApplicationDetail?.ApplicationVersionId, 2);
    assert.notEqual(out.ApplicationDetail?.ConditionalToken, before.ConditionalToken);
    assert.deepEqual(
      out.ApplicationDetail?.ApplicationConfigurationDescription?.SqlApplicationConfigurationDescription
        ?.InputDescriptions?.[0]?.InAppStreamNames,
      ['SOURCE_SQL_STREAM_001', 'SOURCE_SQL_STREAM_002', 'SOURCE_SQL_STREAM_003'],
    );
    const op = await ka.send(
      new DescribeApplicationOperationCommand({ ApplicationName: 'sql1', OperationId: out.OperationId! }),
    );
    assert.equal(op.ApplicationOperationInfoDetails?.Operation, 'UpdateApplication');
    assert.equal(op.ApplicationOperationInfoDetails?.OperationStatus, 'SUCCESSFUL');
    assert.deepEqual(op.ApplicationOperationInfoDetails?.ApplicationVersionChangeDetails, {
      ApplicationVersionUpdatedFrom: 1,
      ApplicationVersionUpdatedTo: 2,
    });
    await rejects(
      ka.send(new DescribeApplicationOperationCommand({ ApplicationName: 'sql1', OperationId: 'nope' })),
      'ResourceNotFoundException',
    );
  });

  it('add operations return the new descriptions and version', async () => {
    const out = await ka.send(
      new AddApplicationOutputCommand({
        ApplicationName: 'sql1',
        CurrentApplicationVersionId: 2,
        Output: {
          Name: 'DESTINATION_SQL_STREAM',
          KinesisStreamsOutput: { ResourceARN: streamArn('in2') },
          DestinationSchema: { RecordFormatType: 'JSON' },
        },
      }),
    );
    assert.equal(out.ApplicationVersionId, 3);
    assert.deepEqual(
      out.OutputDescriptions?.map((o) => o.OutputId),
      ['1.1'],
    );
    const log = await ka.send(
      new AddApplicationCloudWatchLoggingOptionCommand({
        ApplicationName: 'sql1',
        CurrentApplicationVersionId: 3,
        CloudWatchLoggingOption: { LogStreamARN: 'arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:s' },
      }),
    );
    assert.equal(log.ApplicationVersionId, 4);
    assert.ok(log.OperationId);
    await rejects(
      ka.send(
        new AddApplicationInputCommand({
          ApplicationName: 'sql1',
          CurrentApplicationVersionId: 4,
          Input: {
            NamePrefix: 'X',
            KinesisStreamsInput: { ResourceARN: streamArn('in2') },
            InputSchema: TICKER_SCHEMA,
          },
        }),
      ),
      'InvalidArgumentException',
    );
  });

  it('starts with SqlRunConfigurations and stops; Force is refused for SQL', async () => {
    const started = await ka.send(
      new StartApplicationCommand({
        ApplicationName: 'sql1',
        RunConfiguration: {
          SqlRunConfigurations: [
            { InputId: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'LAST_STOPPED_POINT' } },
          ],
        },
      }),
    );
    assert.ok(started.OperationId);
    assert.equal((await detail('sql1')).ApplicationStatus, 'RUNNING');
    await rejects(
      ka.send(new StopApplicationCommand({ ApplicationName: 'sql1', Force: true })),
      'InvalidArgumentException',
    );
    await ka.send(new StopApplicationCommand({ ApplicationName: 'sql1' }));
    assert.equal((await detail('sql1')).ApplicationStatus, 'READY');
    const ops = await ka.send(
      new ListApplicationOperationsCommand({ ApplicationName: 'sql1', Operation: 'StartApplication' }),
    );
    assert.deepEqual(
      ops.ApplicationOperationInfoList?.map((o) => [o.Operation, o.OperationId]),
      [['StartApplication', started.OperationId]],
    );
  });

  it('has no snapshots, versions, VPC configurations or maintenance window for SQL applications', async () => {
    await rejects(
      ka.send(new CreateApplicationSnapshotCommand({ ApplicationName: 'sql1', SnapshotName: 's' })),
      'UnsupportedOperationException',
    );
    await rejects(
      ka.send(new ListApplicationSnapshotsCommand({ ApplicationName: 'sql1' })),
      'UnsupportedOperationException',
    );
    await rejects(
      ka.send(new ListApplicationVersionsCommand({ ApplicationName: 'sql1' })),
      'UnsupportedOperationException',
    );
    await rejects(
      ka.send(new RollbackApplicationCommand({ ApplicationName: 'sql1', CurrentApplicationVersionId: 4 })),
      'UnsupportedOperationException',
    );
    await rejects(
      ka.send(
        new AddApplicationVpcConfigurationCommand({
          ApplicationName: 'sql1',
          CurrentApplicationVersionId: 4,
          VpcConfiguration: { SubnetIds: ['s'], SecurityGroupIds: ['g'] },
        }),
      ),
      'UnsupportedOperationException',
    );
    await rejects(
      ka.send(
        new UpdateApplicationMaintenanceConfigurationCommand({
          ApplicationName: 'sql1',
          ApplicationMaintenanceConfigurationUpdate: { ApplicationMaintenanceWindowStartTimeUpdate: '03:00' },
        }),
      ),
      'UnsupportedOperationException',
    );
    await rejects(
      ka.send(new CreateApplicationPresignedUrlCommand({ ApplicationName: 'sql1', UrlType: 'FLINK_DASHBOARD_URL' })),
      'InvalidArgumentException',
    );
  });
});

describe('kinesisanalyticsv2: Flink applications are stored, not run', () => {
  it('creates, describes with defaults, lists, and refuses to start naming SQL-1_0', async () => {
    const out = await ka.send(
      new CreateApplicationCommand({
        ApplicationName: 'flink1',
        RuntimeEnvironment: 'FLINK-1_20',
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: {
          ApplicationCodeConfiguration: {
            CodeContentType: 'ZIPFILE',
            CodeContent: { S3ContentLocation: { BucketARN: 'arn:aws:s3:::code', FileKey: 'app.jar' } },
          },
          EnvironmentProperties: { PropertyGroups: [{ PropertyGroupId: 'g', PropertyMap: { k: 'v' } }] },
          ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
        },
      }),
    );
    const c = out.ApplicationDetail?.ApplicationConfigurationDescription;
    assert.equal(
      c?.FlinkApplicationConfigurationDescription?.CheckpointConfigurationDescription?.ConfigurationType,
      'DEFAULT',
    );
    assert.deepEqual(c?.EnvironmentPropertyDescriptions?.PropertyGroupDescriptions, [
      { PropertyGroupId: 'g', PropertyMap: { k: 'v' } },
    ]);
    assert.deepEqual(
      c?.ApplicationCodeConfigurationDescription?.CodeContentDescription?.S3ApplicationCodeLocationDescription,
      {
        BucketARN: 'arn:aws:s3:::code',
        FileKey: 'app.jar',
      },
    );
    const list = await ka.send(new ListApplicationsCommand({}));
    assert.deepEqual(
      list.ApplicationSummaries?.map((a) => [a.ApplicationName, a.RuntimeEnvironment]),
      [
        ['flink1', 'FLINK-1_20'],
        ['fromv1', 'SQL-1_0'],
        ['sql1', 'SQL-1_0'],
      ],
    );
    await rejects(
      ka.send(new StartApplicationCommand({ ApplicationName: 'flink1' })),
      'InvalidApplicationConfigurationException',
      /SQL-1_0/,
    );
  });

  it('is listed by v1, whose calls on it answer that v2 manages it', async () => {
    const v1 = analyticsV1Client(t.server.url);
    try {
      await rejects(
        v1.send(new DescribeV1({ ApplicationName: 'flink1' })),
        'UnsupportedOperationException',
        /^flink1 was created\/updated by kinesisanalyticsv2 SDK\. Please use kinesisanalyticsv2 SDK to make changes to flink1\.$/,
      );
      await rejects(
        v1.send(
          new UpdateV1({
            ApplicationName: 'flink1',
            CurrentApplicationVersionId: 1,
            ApplicationUpdate: { ApplicationCodeUpdate: '-- sql' },
          }),
        ),
        'UnsupportedOperationException',
        /created\/updated by kinesisanalyticsv2 SDK/,
      );
      const listed = await v1.send(new ListV1({}));
      assert.ok(listed.ApplicationSummaries?.some((a) => a.ApplicationName === 'flink1'));
    } finally {
      v1.destroy();
    }
  });

  it('keeps versions, rolls back, and keeps snapshots and VPC configurations', async () => {
    await ka.send(
      new UpdateApplicationCommand({
        ApplicationName: 'flink1',
        CurrentApplicationVersionId: 1,
        ApplicationConfigurationUpdate: {
          EnvironmentPropertyUpdates: { PropertyGroups: [{ PropertyGroupId: 'g', PropertyMap: { k: 'v2' } }] },
        },
      }),
    );
    const versions = await ka.send(new ListApplicationVersionsCommand({ ApplicationName: 'flink1' }));
    assert.deepEqual(
      versions.ApplicationVersionSummaries?.map((v) => v.ApplicationVersionId),
      [2, 1],
    );
    const v1 = await ka.send(
      new DescribeApplicationVersionCommand({ ApplicationName: 'flink1', ApplicationVersionId: 1 }),
    );
    assert.deepEqual(
      v1.ApplicationVersionDetail?.ApplicationConfigurationDescription?.EnvironmentPropertyDescriptions
        ?.PropertyGroupDescriptions?.[0]?.PropertyMap,
      { k: 'v' },
    );
    const rolled = await ka.send(
      new RollbackApplicationCommand({ ApplicationName: 'flink1', CurrentApplicationVersionId: 2 }),
    );
    assert.equal(rolled.ApplicationDetail?.ApplicationVersionId, 3);
    assert.equal(rolled.ApplicationDetail?.ApplicationVersionRolledBackFrom, 2);
    assert.equal(rolled.ApplicationDetail?.ApplicationVersionRolledBackTo, 1);
    assert.deepEqual(
      rolled.ApplicationDetail?.ApplicationConfigurationDescription?.EnvironmentPropertyDescriptions
        ?.PropertyGroupDescriptions?.[0]?.PropertyMap,
      { k: 'v' },
    );

    await ka.send(new CreateApplicationSnapshotCommand({ ApplicationName: 'flink1', SnapshotName: 'snap1' }));
    await rejects(
      ka.send(new CreateApplicationSnapshotCommand({ ApplicationName: 'flink1', SnapshotName: 'snap1' })),
      'InvalidArgumentException',
    );
    const snap = await ka.send(
      new DescribeApplicationSnapshotCommand({ ApplicationName: 'flink1', SnapshotName: 'snap1' }),
    );
    assert.equal(snap.SnapshotDetails?.ApplicationVersionId, 3);
    assert.equal(
      (await ka.send(new ListApplicationSnapshotsCommand({ ApplicationName: 'flink1' }))).SnapshotSummaries?.length,
      1,
    );
    await ka.send(
      new DeleteApplicationSnapshotCommand({
        ApplicationName: 'flink1',
        SnapshotName: 'snap1',
        SnapshotCreationTimestamp: snap.SnapshotDetails!.SnapshotCreationTimestamp!,
      }),
    );
    await rejects(
      ka.send(new DescribeApplicationSnapshotCommand({ ApplicationName: 'flink1', SnapshotName: 'snap1' })),
      'ResourceNotFoundException',
    );

    const vpc = await ka.send(
      new AddApplicationVpcConfigurationCommand({
        ApplicationName: 'flink1',
        CurrentApplicationVersionId: 3,
        VpcConfiguration: { SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-1'] },
      }),
    );
    assert.equal(vpc.VpcConfigurationDescription?.VpcConfigurationId, '1.1');
    assert.deepEqual(
      (await detail('flink1')).ApplicationConfigurationDescription?.VpcConfigurationDescriptions?.[0]?.SubnetIds,
      ['subnet-1'],
    );
    await ka.send(
      new DeleteApplicationVpcConfigurationCommand({
        ApplicationName: 'flink1',
        CurrentApplicationVersionId: 4,
        VpcConfigurationId: '1.1',
      }),
    );

    const m = await ka.send(
      new UpdateApplicationMaintenanceConfigurationCommand({
        ApplicationName: 'flink1',
        ApplicationMaintenanceConfigurationUpdate: { ApplicationMaintenanceWindowStartTimeUpdate: '22:00' },
      }),
    );
    assert.deepEqual(m.ApplicationMaintenanceConfigurationDescription, {
      ApplicationMaintenanceWindowStartTime: '22:00',
      ApplicationMaintenanceWindowEndTime: '06:00',
    });
    await rejects(
      ka.send(new CreateApplicationPresignedUrlCommand({ ApplicationName: 'flink1', UrlType: 'FLINK_DASHBOARD_URL' })),
      'ResourceInUseException',
    );
  });

  it('deletes', async () => {
    const d = await detail('flink1');
    await ka.send(new DeleteApplicationCommand({ ApplicationName: 'flink1', CreateTimestamp: d.CreateTimestamp! }));
    await rejects(detail('flink1'), 'ResourceNotFoundException');
  });
});
