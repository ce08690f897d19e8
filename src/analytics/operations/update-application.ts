import type { RequestContext } from '../../protocol/index.js';
import { type ApplicationDraft, checkSchema, copySchema, isSql } from '../application.js';
import { checkCode } from '../code.js';
import { describeV2 } from '../describe.js';
import { analyticsError, unknownId } from '../errors.js';
import { updateOtherConfiguration } from '../other-runtime.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type {
  CloudWatchLoggingOptionUpdate,
  InputUpdate,
  OutputUpdate,
  ReferenceDataSourceUpdate,
  UpdateApplicationRequest,
  UpdateApplicationResponse,
  V1,
} from '../shapes/index.js';

type AnyInputUpdate = InputUpdate | V1.InputUpdate;
type AnyOutputUpdate = OutputUpdate | V1.OutputUpdate;
type AnyReferenceUpdate = ReferenceDataSourceUpdate | V1.ReferenceDataSourceUpdate;
type AnyLoggingUpdate = CloudWatchLoggingOptionUpdate | V1.CloudWatchLoggingOptionUpdate;

interface SqlUpdates {
  readonly inputs?: readonly AnyInputUpdate[] | undefined;
  readonly outputs?: readonly AnyOutputUpdate[] | undefined;
  readonly references?: readonly AnyReferenceUpdate[] | undefined;
  readonly logging?: readonly AnyLoggingUpdate[] | undefined;
  readonly code?: string | undefined;
}

function roleOf(u: object, member: string): string | undefined {
  const v = (u as Record<string, unknown>)[member];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The updates of UpdateApplication (UpdateApplication API references; InputUpdate, OutputUpdate,
 * ReferenceDataSourceUpdate, CloudWatchLoggingOptionUpdate data types): each names an existing item by id
 * (ResourceNotFoundException otherwise) and replaces the fields it gives; a source or destination update
 * replaces the source or destination (only one may be given); the code must compile against the result.
 */
function applySqlUpdates(d: ApplicationDraft, u: SqlUpdates, name: string): void {
  for (const iu of u.inputs ?? []) {
    const input = d.inputs.find((i) => i.id === iu.InputId);
    if (!input) throw unknownId('Input', iu.InputId, name);
    if (iu.KinesisStreamsInputUpdate && iu.KinesisFirehoseInputUpdate)
      throw analyticsError(
        'InvalidArgumentException',
        // TODO(#10): AWS's wording.
        'Only one of KinesisStreamsInputUpdate and KinesisFirehoseInputUpdate may be specified.',
      );
    if (iu.NamePrefixUpdate !== undefined) input.namePrefix = iu.NamePrefixUpdate;
    const sourceUpdate = iu.KinesisStreamsInputUpdate ?? iu.KinesisFirehoseInputUpdate;
    if (sourceUpdate) {
      const kind = iu.KinesisStreamsInputUpdate ? 'kinesis' : 'firehose';
      const role = roleOf(sourceUpdate, 'RoleARNUpdate') ?? input.source.roleArn;
      input.source = {
        kind,
        arn: sourceUpdate.ResourceARNUpdate ?? input.source.arn,
        ...(role !== undefined ? { roleArn: role } : {}),
      };
    }
    const lambda = iu.InputProcessingConfigurationUpdate?.InputLambdaProcessorUpdate;
    if (lambda) {
      if (!input.processing)
        throw analyticsError(
          'InvalidArgumentException',
          // TODO(#10): AWS's wording.
          `Input ${iu.InputId} has no input processing configuration to update.`,
        );
      if (lambda.ResourceARNUpdate !== undefined) input.processing.lambdaArn = lambda.ResourceARNUpdate;
      const role = roleOf(lambda, 'RoleARNUpdate');
      if (role !== undefined) input.processing.roleArn = role;
    }
    const su = iu.InputSchemaUpdate;
    if (su) {
      const schema = copySchema(input.schema) as ApplicationDraft['inputs'][number]['schema'];
      if (su.RecordFormatUpdate) schema.RecordFormat = structuredClone(su.RecordFormatUpdate);
      if (su.RecordEncodingUpdate !== undefined) schema.RecordEncoding = su.RecordEncodingUpdate;
      if (su.RecordColumnUpdates) schema.RecordColumns = structuredClone([...su.RecordColumnUpdates]);
      checkSchema(schema, 'InputSchemaUpdate');
      input.schema = schema;
    }
    if (iu.InputParallelismUpdate?.CountUpdate !== undefined) input.parallelism = iu.InputParallelismUpdate.CountUpdate;
  }
  for (const ou of u.outputs ?? []) {
    const output = d.outputs.find((o) => o.id === ou.OutputId);
    if (!output) throw unknownId('Output', ou.OutputId, name);
    const given = [
      ['kinesis', ou.KinesisStreamsOutputUpdate],
      ['firehose', ou.KinesisFirehoseOutputUpdate],
      ['lambda', ou.LambdaOutputUpdate],
    ] as const;
    const set = given.filter(([, x]) => x !== undefined);
    if (set.length > 1)
      throw analyticsError(
        'InvalidArgumentException',
        // TODO(#10): AWS's wording.
        'Only one destination update may be specified for an output.',
      );
    if (ou.NameUpdate !== undefined) output.name = ou.NameUpdate;
    if (set.length === 1) {
      const [kind, x] = set[0]!;
      const role = roleOf(x!, 'RoleARNUpdate') ?? output.destination.roleArn;
      output.destination = {
        kind,
        arn: x!.ResourceARNUpdate ?? output.destination.arn,
        ...(role !== undefined ? { roleArn: role } : {}),
      };
    }
    if (ou.DestinationSchemaUpdate) output.format = ou.DestinationSchemaUpdate.RecordFormatType;
  }
  for (const ru of u.references ?? []) {
    const ref = d.references.find((r) => r.id === ru.ReferenceId);
    if (!ref) throw unknownId('Reference data source', ru.ReferenceId, name);
    if (ru.TableNameUpdate !== undefined) ref.tableName = ru.TableNameUpdate;
    const s3 = ru.S3ReferenceDataSourceUpdate;
    if (s3?.BucketARNUpdate !== undefined) ref.bucketArn = s3.BucketARNUpdate;
    if (s3?.FileKeyUpdate !== undefined) ref.fileKey = s3.FileKeyUpdate;
    const role = s3 ? roleOf(s3, 'ReferenceRoleARNUpdate') : undefined;
    if (role !== undefined) ref.roleArn = role;
    if (ru.ReferenceSchemaUpdate) {
      checkSchema(ru.ReferenceSchemaUpdate, 'ReferenceSchemaUpdate');
      ref.schema = copySchema(ru.ReferenceSchemaUpdate) as ApplicationDraft['references'][number]['schema'];
    }
  }
  for (const lu of u.logging ?? []) {
    const option = d.logging.find((l) => l.id === lu.CloudWatchLoggingOptionId);
    if (!option) throw unknownId('CloudWatch logging option', lu.CloudWatchLoggingOptionId, name);
    if (lu.LogStreamARNUpdate !== undefined) option.logStreamArn = lu.LogStreamARNUpdate;
    const role = roleOf(lu, 'RoleARNUpdate');
    if (role !== undefined) option.roleArn = role;
  }
  if (u.code !== undefined) d.code = u.code;
  checkCode(d);
}

/** UpdateApplication, version 1 (SQL applications): rule 5 of runtime.ts, then {@link applySqlUpdates}. */
export async function updateApplicationV1(
  rt: AnalyticsRuntime,
  input: V1.UpdateApplicationRequest,
  ctx: RequestContext,
): Promise<V1.UpdateApplicationResponse> {
  // An application of another runtime answers that v2 manages it (errors.ts managedByV2).
  rt.requireSql(ctx, input.ApplicationName);
  const u = input.ApplicationUpdate;
  await rt.change(
    ctx,
    input.ApplicationName,
    { version: input.CurrentApplicationVersionId, sqlOnly: true, operation: 'UpdateApplication' },
    (d) =>
      applySqlUpdates(
        d,
        {
          inputs: u.InputUpdates,
          outputs: u.OutputUpdates,
          references: u.ReferenceDataSourceUpdates,
          logging: u.CloudWatchLoggingOptionUpdates,
          code: u.ApplicationCodeUpdate,
        },
        input.ApplicationName,
      ),
  );
  return {};
}

/**
 * UpdateApplication, version 2: SQL applications take SqlApplicationConfigurationUpdate and a PLAINTEXT code
 * update; other runtimes update their stored configuration. RuntimeEnvironmentUpdate applies to Flink
 * applications only (a SQL application cannot change runtime: InvalidArgumentException).
 */
export async function updateApplicationV2(
  rt: AnalyticsRuntime,
  input: UpdateApplicationRequest,
  ctx: RequestContext,
): Promise<UpdateApplicationResponse> {
  const current = rt.require(ctx, input.ApplicationName);
  const cu = input.ApplicationConfigurationUpdate;
  const sql = isSql(current);
  let code: string | undefined;
  if (sql) {
    if (input.RuntimeEnvironmentUpdate !== undefined && input.RuntimeEnvironmentUpdate !== current.runtime)
      throw analyticsError(
        'InvalidArgumentException',
        // TODO(#10): AWS's wording.
        'The runtime environment of a SQL-1_0 application cannot be changed.',
      );
    const codeUpdate = cu?.ApplicationCodeConfigurationUpdate;
    if (codeUpdate) {
      if (
        (codeUpdate.CodeContentTypeUpdate !== undefined && codeUpdate.CodeContentTypeUpdate !== 'PLAINTEXT') ||
        codeUpdate.CodeContentUpdate?.ZipFileContentUpdate !== undefined ||
        codeUpdate.CodeContentUpdate?.S3ContentLocationUpdate !== undefined
      )
        throw analyticsError(
          'InvalidArgumentException',
          // TODO(#10): AWS's wording.
          'A SQL-1_0 application takes its code as PLAINTEXT TextContentUpdate.',
        );
      code = codeUpdate.CodeContentUpdate?.TextContentUpdate;
    }
    if (cu?.FlinkApplicationConfigurationUpdate || cu?.ZeppelinApplicationConfigurationUpdate)
      throw analyticsError(
        'InvalidArgumentException',
        // TODO(#10): AWS's wording.
        'Flink and Zeppelin configuration updates are not valid for a SQL-1_0 application.',
      );
  } else if (cu?.SqlApplicationConfigurationUpdate) {
    throw analyticsError(
      'InvalidArgumentException',
      // TODO(#10): AWS's wording.
      `SqlApplicationConfigurationUpdate is valid only for the SQL-1_0 runtime, not ${current.runtime}.`,
    );
  }
  const { app, operationId } = await rt.change(
    ctx,
    input.ApplicationName,
    {
      version: input.CurrentApplicationVersionId,
      token: input.ConditionalToken,
      operation: 'UpdateApplication',
      needsGuard: true,
    },
    (d) => {
      if (input.ServiceExecutionRoleUpdate !== undefined) d.serviceExecutionRole = input.ServiceExecutionRoleUpdate;
      if (sql) {
        const s = cu?.SqlApplicationConfigurationUpdate;
        applySqlUpdates(
          d,
          {
            inputs: s?.InputUpdates,
            outputs: s?.OutputUpdates,
            references: s?.ReferenceDataSourceUpdates,
            logging: input.CloudWatchLoggingOptionUpdates,
            code,
          },
          input.ApplicationName,
        );
      } else {
        if (cu) d.other = updateOtherConfiguration(d.other, cu) as ApplicationDraft['other'];
        if (input.RuntimeEnvironmentUpdate !== undefined) d.runtime = input.RuntimeEnvironmentUpdate;
        for (const lu of input.CloudWatchLoggingOptionUpdates ?? []) {
          const option = d.logging.find((l) => l.id === lu.CloudWatchLoggingOptionId);
          if (!option)
            throw unknownId('CloudWatch logging option', lu.CloudWatchLoggingOptionId, input.ApplicationName);
          if (lu.LogStreamARNUpdate !== undefined) option.logStreamArn = lu.LogStreamARNUpdate;
        }
      }
    },
  );
  return { ApplicationDetail: describeV2(app), OperationId: operationId };
}
