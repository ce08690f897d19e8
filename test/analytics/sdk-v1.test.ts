/**
 * Kinesis Data Analytics API version 1 through `@aws-sdk/client-kinesis-analytics` against a real server: every
 * operation of the model, success and error paths, with statuses that change at once (`--analytics-transition-ms 0`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import {
  AddApplicationCloudWatchLoggingOptionCommand,
  AddApplicationInputCommand,
  AddApplicationInputProcessingConfigurationCommand,
  AddApplicationOutputCommand,
  AddApplicationReferenceDataSourceCommand,
  CreateApplicationCommand,
  DeleteApplicationCloudWatchLoggingOptionCommand,
  DeleteApplicationCommand,
  DeleteApplicationInputProcessingConfigurationCommand,
  DeleteApplicationOutputCommand,
  DeleteApplicationReferenceDataSourceCommand,
  DescribeApplicationCommand,
  type KinesisAnalyticsClient,
  ListApplicationsCommand,
  ListTagsForResourceCommand,
  StartApplicationCommand,
  StopApplicationCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics';
import { rejects } from '../helpers/assert.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ROLE, TICKER_SCHEMA, analyticsV1Client, applicationArn, streamArn } from './api-helpers.js';

let t: TestServer;
let ka: KinesisAnalyticsClient;

before(async () => {
  t = await startTestServer({ analyticsTransitionMs: 0 });
  ka = analyticsV1Client(t.server.url);
  await t.kinesis.send(new CreateStreamCommand({ StreamName: 'in1', ShardCount: 1 }));
  await t.kinesis.send(new CreateStreamCommand({ StreamName: 'out1', ShardCount: 1 }));
});
after(async () => {
  ka.destroy();
  await t.close();
});

const input = (stream = 'in1') => ({
  NamePrefix: 'SOURCE_SQL_STREAM',
  KinesisStreamsInput: { ResourceARN: streamArn(stream), RoleARN: ROLE },
  InputParallelism: { Count: 2 },
  InputSchema: TICKER_SCHEMA,
});

async function describeApp(name: string) {
  return (await ka.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail!;
}

describe('kinesisanalytics v1: applications', () => {
  it('creates an application READY at version 1 and describes what it was given', async () => {
    const out = await ka.send(
      new CreateApplicationCommand({
        ApplicationName: 'app1',
        ApplicationDescription: 'first',
        Inputs: [input()],
        Outputs: [
          {
            Name: 'DESTINATION_SQL_STREAM',
            KinesisStreamsOutput: { ResourceARN: streamArn('out1'), RoleARN: ROLE },
            DestinationSchema: { RecordFormatType: 'JSON' },
          },
        ],
        CloudWatchLoggingOptions: [
          { LogStreamARN: 'arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:s', RoleARN: ROLE },
        ],
        Tags: [{ Key: 'team', Value: 'data' }],
      }),
    );
    assert.deepEqual(out.ApplicationSummary, {
      ApplicationName: 'app1',
      ApplicationARN: applicationArn('app1'),
      ApplicationStatus: 'READY',
    });
    const d = await describeApp('app1');
    assert.equal(d.ApplicationVersionId, 1);
    assert.equal(d.ApplicationDescription, 'first');
    assert.ok(d.CreateTimestamp instanceof Date);
    assert.deepEqual(d.InputDescriptions, [
      {
        InputId: '1.1',
        NamePrefix: 'SOURCE_SQL_STREAM',
        InAppStreamNames: ['SOURCE_SQL_STREAM_001', 'SOURCE_SQL_STREAM_002'],
        KinesisStreamsInputDescription: { ResourceARN: streamArn('in1'), RoleARN: ROLE },
        InputSchema: TICKER_SCHEMA,
        InputParallelism: { Count: 2 },
      },
    ]);
    assert.deepEqual(d.OutputDescriptions, [
      {
        OutputId: '1.1',
        Name: 'DESTINATION_SQL_STREAM',
        KinesisStreamsOutputDescription: { ResourceARN: streamArn('out1'), RoleARN: ROLE },
        DestinationSchema: { RecordFormatType: 'JSON' },
      },
    ]);
    assert.equal(d.CloudWatchLoggingOptionDescriptions?.[0]?.CloudWatchLoggingOptionId, '1.1');
  });

  it('refuses a second application of the same name, and an input with two sources', async () => {
    await rejects(ka.send(new CreateApplicationCommand({ ApplicationName: 'app1' })), 'ResourceInUseException');
    await rejects(
      ka.send(
        new CreateApplicationCommand({
          ApplicationName: 'bad-input',
          Inputs: [
            {
              ...input(),
              KinesisFirehoseInput: {
                ResourceARN: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/d',
                RoleARN: ROLE,
              },
            },
          ],
        }),
      ),
      'InvalidArgumentException',
    );
    await rejects(describeApp('bad-input'), 'ResourceNotFoundException');
  });

  it('refuses code that does not compile with CodeValidationException, and stores nothing', async () => {
    await rejects(
      ka.send(
        new CreateApplicationCommand({
          ApplicationName: 'badsql',
          ApplicationCode: 'CREATE OR REPLACE STREAM "S" (A INTEGER;',
        }),
      ),
      'CodeValidationException',
      /line 1, column \d+/,
    );
    await rejects(describeApp('badsql'), 'ResourceNotFoundException');
    // The code reads the input's in-application stream: it compiles only with that input.
    const sql =
      'CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (TICKER VARCHAR(8));\n' +
      'CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM" SELECT STREAM TICKER FROM "SOURCE_SQL_STREAM_001";\n';
    await rejects(
      ka.send(new CreateApplicationCommand({ ApplicationName: 'noinput', ApplicationCode: sql })),
      'CodeValidationException',
    );
    await ka.send(
      new CreateApplicationCommand({ ApplicationName: 'withinput', ApplicationCode: sql, Inputs: [input()] }),
    );
    await rejects(
      ka.send(
        new UpdateApplicationCommand({
          ApplicationName: 'withinput',
          CurrentApplicationVersionId: 1,
          ApplicationUpdate: { ApplicationCodeUpdate: `${sql}SELECT STREAM NOPE FROM "SOURCE_SQL_STREAM_001";` },
        }),
      ),
      'CodeValidationException',
    );
    const d = await describeApp('withinput');
    assert.equal(d.ApplicationVersionId, 1);
    assert.equal(d.ApplicationCode, sql);
    await ka.send(new DeleteApplicationCommand({ ApplicationName: 'withinput', CreateTimestamp: d.CreateTimestamp! }));
  });

  it('answers ResourceNotFoundException for an unknown application', async () => {
    await rejects(describeApp('nope'), 'ResourceNotFoundException');
    await rejects(ka.send(new StopApplicationCommand({ ApplicationName: 'nope' })), 'ResourceNotFoundException');
  });

  it('checks CurrentApplicationVersionId on every change and bumps the version', async () => {
    await rejects(
      ka.send(
        new AddApplicationOutputCommand({
          ApplicationName: 'app1',
          CurrentApplicationVersionId: 7,
          Output: {
            Name: 'X',
            LambdaOutput: { ResourceARN: 'arn:aws:lambda:us-east-1:000000000000:function:f', RoleARN: ROLE },
            DestinationSchema: { RecordFormatType: 'CSV' },
          },
        }),
      ),
      'ConcurrentModificationException',
    );
    assert.equal((await describeApp('app1')).ApplicationVersionId, 1);
    await ka.send(
      new AddApplicationOutputCommand({
        ApplicationName: 'app1',
        CurrentApplicationVersionId: 1,
        Output: {
          Name: 'ERRS',
          LambdaOutput: { ResourceARN: 'arn:aws:lambda:us-east-1:000000000000:function:f', RoleARN: ROLE },
          DestinationSchema: { RecordFormatType: 'CSV' },
        },
      }),
    );
    const d = await describeApp('app1');
    assert.equal(d.ApplicationVersionId, 2);
    assert.deepEqual(
      d.OutputDescriptions?.map((o) => [o.OutputId, o.Name]),
      [
        ['1.1', 'DESTINATION_SQL_STREAM'],
        ['2.1', 'ERRS'],
      ],
    );
    await ka.send(
      new DeleteApplicationOutputCommand({ ApplicationName: 'app1', CurrentApplicationVersionId: 2, OutputId: '2.1' }),
    );
    await rejects(
      ka.send(
        new DeleteApplicationOutputCommand({
          ApplicationName: 'app1',
          CurrentApplicationVersionId: 3,
          OutputId: '2.1',
        }),
      ),
      'ResourceNotFoundException',
    );
    assert.equal((await describeApp('app1')).ApplicationVersionId, 3);
  });

  it('adds and deletes input processing, reference data and logging options', async () => {
    await ka.send(
      new AddApplicationInputProcessingConfigurationCommand({
        ApplicationName: 'app1',
        CurrentApplicationVersionId: 3,
        InputId: '1.1',
        InputProcessingConfiguration: {
          InputLambdaProcessor: { ResourceARN: 'arn:aws:lambda:us-east-1:000000000000:function:pre', RoleARN: ROLE },
        },
      }),
    );
    let d = await describeApp('app1');
    assert.deepEqual(d.InputDescriptions?.[0]?.InputProcessingConfigurationDescription, {
      InputLambdaProcessorDescription: {
        ResourceARN: 'arn:aws:lambda:us-east-1:000000000000:function:pre',
        RoleARN: ROLE,
      },
    });
    await rejects(
      ka.send(
        new AddApplicationInputProcessingConfigurationCommand({
          ApplicationName: 'app1',
          CurrentApplicationVersionId: 4,
          InputId: '9.1',
          InputProcessingConfiguration: {
            InputLambdaProcessor: { ResourceARN: 'arn:aws:lambda:us-east-1:000000000000:function:pre', RoleARN: ROLE },
          },
        }),
      ),
      'ResourceNotFoundException',
    );
    await ka.send(
      new DeleteApplicationInputProcessingConfigurationCommand({
        ApplicationName: 'app1',
        CurrentApplicationVersionId: 4,
        InputId: '1.1',
      }),
    );
    await ka.send(
      new AddApplicationReferenceDataSourceCommand({
        ApplicationName: 'app1',
        CurrentApplicationVersionId: 5,
        ReferenceDataSource: {
          TableName: 'COMPANY',
          S3ReferenceDataSource: { BucketARN: 'arn:aws:s3:::ref', FileKey: 'company.csv', ReferenceRoleARN: ROLE },
          ReferenceSchema: {
            RecordFormat: {
              RecordFormatType: 'CSV',
              MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } },
            },
            RecordColumns: [
              { Name: 'TICKER', SqlType: 'VARCHAR(8)' },
              { Name: 'NAME', SqlType: 'VARCHAR(64)' },
            ],
          },
        },
      }),
    );
    d = await describeApp('app1');
    assert.equal(d.ReferenceDataSourceDescriptions?.[0]?.ReferenceId, '1.1');
    assert.equal(d.ReferenceDataSourceDescriptions?.[0]?.S3ReferenceDataSourceDescription?.FileKey, 'company.csv');
    await ka.send(
      new DeleteApplicationReferenceDataSourceCommand({
        ApplicationName: 'app1',
        CurrentApplicationVersionId: 6,
        ReferenceId: '1.1',
      }),
    );
    await ka.send(
      new AddApplicationCloudWatchLoggingOptionCommand({
        ApplicationName: 'app1',
        CurrentApplicationVersionId: 7,
        CloudWatchLoggingOption: {
          LogStreamARN: 'arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:t',
          RoleARN: ROLE,
        },
      }),
    );
    d = await describeApp('app1');
    assert.deepEqual(
      d.CloudWatchLoggingOptionDescriptions?.map((c) => c.CloudWatchLoggingOptionId),
      ['1.1', '2.1'],
    );
    await ka.send(
      new DeleteApplicationCloudWatchLoggingOptionCommand({
        ApplicationName: 'app1',
        CurrentApplicationVersionId: 8,
        CloudWatchLoggingOptionId: '1.1',
      }),
    );
    d = await describeApp('app1');
    assert.equal(d.ApplicationVersionId, 9);
    assert.deepEqual(d.ReferenceDataSourceDescriptions, []);
    assert.deepEqual(
      d.CloudWatchLoggingOptionDescriptions?.map((c) => c.CloudWatchLoggingOptionId),
      ['2.1'],
    );
  });

  it('allows one input only', async () => {
    await rejects(
      ka.send(
        new AddApplicationInputCommand({ ApplicationName: 'app1', CurrentApplicationVersionId: 9, Input: input() }),
      ),
      'InvalidArgumentException',
    );
    await ka.send(new CreateApplicationCommand({ ApplicationName: 'app2' }));
    await ka.send(
      new AddApplicationInputCommand({ ApplicationName: 'app2', CurrentApplicationVersionId: 1, Input: input() }),
    );
    assert.equal((await describeApp('app2')).InputDescriptions?.[0]?.InputId, '1.1');
  });

  it('updates inputs, outputs and code by id', async () => {
    await ka.send(
      new UpdateApplicationCommand({
        ApplicationName: 'app1',
        CurrentApplicationVersionId: 9,
        ApplicationUpdate: {
          InputUpdates: [{ InputId: '1.1', NamePrefixUpdate: 'IN', InputParallelismUpdate: { CountUpdate: 1 } }],
          OutputUpdates: [{ OutputId: '1.1', DestinationSchemaUpdate: { RecordFormatType: 'CSV' } }],
          ApplicationCodeUpdate: '-- nothing yet\n',
        },
      }),
    );
    const d = await describeApp('app1');
    assert.equal(d.ApplicationVersionId, 10);
    assert.deepEqual(d.InputDescriptions?.[0]?.InAppStreamNames, ['IN_001']);
    assert.equal(d.OutputDescriptions?.[0]?.DestinationSchema?.RecordFormatType, 'CSV');
    assert.equal(d.ApplicationCode, '-- nothing yet\n');
    await rejects(
      ka.send(
        new UpdateApplicationCommand({
          ApplicationName: 'app1',
          CurrentApplicationVersionId: 10,
          ApplicationUpdate: { OutputUpdates: [{ OutputId: '5.1', NameUpdate: 'X' }] },
        }),
      ),
      'ResourceNotFoundException',
    );
    assert.equal((await describeApp('app1')).ApplicationVersionId, 10);
  });

  it('starts with a starting position and stops; only from READY and RUNNING', async () => {
    await rejects(ka.send(new StopApplicationCommand({ ApplicationName: 'app1' })), 'ResourceInUseException');
    await rejects(
      ka.send(
        new StartApplicationCommand({
          ApplicationName: 'app1',
          InputConfigurations: [{ Id: '4.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
        }),
      ),
      'ResourceNotFoundException',
    );
    await ka.send(
      new StartApplicationCommand({
        ApplicationName: 'app1',
        InputConfigurations: [
          { Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } },
        ],
      }),
    );
    let d = await describeApp('app1');
    assert.equal(d.ApplicationStatus, 'RUNNING');
    assert.deepEqual(d.InputDescriptions?.[0]?.InputStartingPositionConfiguration, {
      InputStartingPosition: 'TRIM_HORIZON',
    });
    await rejects(
      ka.send(new StartApplicationCommand({ ApplicationName: 'app1', InputConfigurations: [] })),
      'ResourceInUseException',
    );
    await ka.send(new StopApplicationCommand({ ApplicationName: 'app1' }));
    d = await describeApp('app1');
    assert.equal(d.ApplicationStatus, 'READY');
  });

  it('refuses to start an application without input', async () => {
    await ka.send(new CreateApplicationCommand({ ApplicationName: 'empty' }));
    await rejects(
      ka.send(new StartApplicationCommand({ ApplicationName: 'empty', InputConfigurations: [] })),
      'InvalidApplicationConfigurationException',
    );
    // An input stream that does not exist, and an output this server does not deliver to yet, are named.
    await ka.send(new CreateApplicationCommand({ ApplicationName: 'gone-input', Inputs: [input('nope')] }));
    await rejects(
      ka.send(new StartApplicationCommand({ ApplicationName: 'gone-input', InputConfigurations: [] })),
      'InvalidApplicationConfigurationException',
      /does not exist/,
    );
    await ka.send(
      new CreateApplicationCommand({
        ApplicationName: 'to-lambda',
        Inputs: [input()],
        Outputs: [
          {
            Name: 'DESTINATION_SQL_STREAM',
            LambdaOutput: { ResourceARN: 'arn:aws:lambda:us-east-1:000000000000:function:f', RoleARN: ROLE },
            DestinationSchema: { RecordFormatType: 'JSON' },
          },
        ],
      }),
    );
    await rejects(
      ka.send(new StartApplicationCommand({ ApplicationName: 'to-lambda', InputConfigurations: [] })),
      'InvalidApplicationConfigurationException',
      /Lambda function/,
    );
    for (const name of ['gone-input', 'to-lambda']) {
      const d = await describeApp(name);
      assert.equal(d.ApplicationStatus, 'READY');
      await ka.send(new DeleteApplicationCommand({ ApplicationName: name, CreateTimestamp: d.CreateTimestamp! }));
    }
  });

  it('lists applications in name order, paged', async () => {
    const first = await ka.send(new ListApplicationsCommand({ Limit: 2 }));
    assert.deepEqual(
      first.ApplicationSummaries?.map((a) => a.ApplicationName),
      ['app1', 'app2'],
    );
    assert.equal(first.HasMoreApplications, true);
    const rest = await ka.send(new ListApplicationsCommand({ ExclusiveStartApplicationName: 'app2' }));
    assert.deepEqual(
      rest.ApplicationSummaries?.map((a) => a.ApplicationName),
      ['empty'],
    );
    assert.equal(rest.HasMoreApplications, false);
  });

  it('tags by ARN', async () => {
    const arn = applicationArn('app1');
    await ka.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'env', Value: 'test' }] }));
    await ka.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['team'] }));
    const tags = await ka.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    assert.deepEqual(tags.Tags, [{ Key: 'env', Value: 'test' }]);
    await rejects(
      ka.send(new ListTagsForResourceCommand({ ResourceARN: applicationArn('nope') })),
      'ResourceNotFoundException',
    );
    await rejects(
      ka.send(
        new TagResourceCommand({
          ResourceARN: arn,
          Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
        }),
      ),
      'TooManyTagsException',
    );
    assert.equal((await ka.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags?.length, 1);
  });

  it('deletes with the creation timestamp only', async () => {
    const d = await describeApp('app2');
    await rejects(
      ka.send(
        new DeleteApplicationCommand({
          ApplicationName: 'app2',
          CreateTimestamp: new Date(d.CreateTimestamp!.getTime() - 1000),
        }),
      ),
      'InvalidArgumentException',
    );
    await ka.send(new DeleteApplicationCommand({ ApplicationName: 'app2', CreateTimestamp: d.CreateTimestamp! }));
    await rejects(describeApp('app2'), 'ResourceNotFoundException');
  });
});
