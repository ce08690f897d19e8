import type { RequestContext } from '../../protocol/index.js';
import {
  type ApplicationDraft,
  type ApplicationState,
  type InputConfig,
  type OutputConfig,
  type ReferenceConfig,
  SQL_RUNTIME,
  checkCounts,
  isSql,
  mergeTags,
  newInput,
  newOutput,
  newReference,
  nextId,
} from '../application.js';
import { newIncarnationId } from '../catalog.js';
import { checkCode } from '../code.js';
import { describeV2, summaryV1 } from '../describe.js';
import { analyticsError } from '../errors.js';
import { describeOtherConfiguration } from '../other-runtime.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type { CreateApplicationRequest, CreateApplicationResponse, RuntimeEnvironment, V1 } from '../shapes/index.js';

interface NewApplication {
  readonly name: string;
  readonly description?: string | undefined;
  readonly runtime: RuntimeEnvironment;
  readonly serviceExecutionRole?: string;
  readonly mode?: CreateApplicationRequest['ApplicationMode'];
  readonly code?: string | undefined;
  readonly inputs: readonly InputConfig[];
  readonly outputs: readonly OutputConfig[];
  readonly references: readonly ReferenceConfig[];
  readonly logging: readonly { LogStreamARN: string; RoleARN?: string }[];
  readonly tags: readonly { Key: string; Value?: string }[];
  readonly other?: CreateApplicationRequest['ApplicationConfiguration'];
}

/**
 * CreateApplication, both versions (CreateApplication API references): rule 1, the name is free in the account
 * and region (ResourceInUseException); rule 2, at most `applicationLimit` applications (LimitExceededException);
 * rule 3, inputs, outputs and reference data sources follow application.ts rules 1–4, and the SQL code compiles
 * against them (CodeValidationException); rule 4, the new application is READY with version 1; rule 5, at most
 * 50 tags (TooManyTagsException). Nothing is stored when a rule fails.
 */
async function create(rt: AnalyticsRuntime, spec: NewApplication, ctx: RequestContext): Promise<ApplicationState> {
  if (rt.catalog.get(ctx.accountId, ctx.region, spec.name))
    throw analyticsError(
      'ResourceInUseException',
      // TODO(#10): AWS's wording.
      `Application ${spec.name} already exists in account ${ctx.accountId}.`,
    );
  if (rt.catalog.list(ctx.accountId, ctx.region).length >= rt.settings.applicationLimit)
    throw analyticsError(
      'LimitExceededException',
      // TODO(#10): AWS's wording.
      `You have reached the limit of ${rt.settings.applicationLimit} applications in this account and region.`,
    );
  const draft: ApplicationDraft = {
    id: newIncarnationId(),
    name: spec.name,
    accountId: ctx.accountId,
    region: ctx.region,
    arn: rt.arn(ctx, spec.name),
    runtime: spec.runtime,
    status: 'READY',
    versionId: 1,
    createdAt: rt.now(),
    inputs: [],
    outputs: [],
    references: [],
    logging: [],
    tags: {},
    counters: { input: 0, output: 0, reference: 0, logging: 0, vpc: 0 },
    snapshots: [],
    vpcs: [],
    operations: [],
  };
  if (spec.description !== undefined) draft.description = spec.description;
  if (spec.serviceExecutionRole !== undefined) draft.serviceExecutionRole = spec.serviceExecutionRole;
  if (spec.mode !== undefined) draft.mode = spec.mode;
  draft.tags = mergeTags({}, spec.tags);
  for (const l of spec.logging)
    draft.logging.push({
      id: nextId(draft, 'logging'),
      logStreamArn: l.LogStreamARN,
      ...(l.RoleARN !== undefined ? { roleArn: l.RoleARN } : {}),
    });
  if (isSql(draft as ApplicationState)) {
    for (const i of spec.inputs) draft.inputs.push(newInput(draft, i) as ApplicationDraft['inputs'][number]);
    for (const o of spec.outputs) draft.outputs.push(newOutput(draft, o));
    for (const r of spec.references)
      draft.references.push(newReference(draft, r) as ApplicationDraft['references'][number]);
    checkCounts(draft);
    if (spec.code !== undefined) draft.code = spec.code;
    checkCode(draft);
  } else {
    draft.other = describeOtherConfiguration(spec.other) as ApplicationDraft['other'];
  }
  return rt.catalog.add(draft as ApplicationState);
}

/** CreateApplication, version 1 (SQL applications). */
export async function createApplicationV1(
  rt: AnalyticsRuntime,
  input: V1.CreateApplicationRequest,
  ctx: RequestContext,
): Promise<V1.CreateApplicationResponse> {
  const app = await create(
    rt,
    {
      name: input.ApplicationName,
      description: input.ApplicationDescription,
      runtime: SQL_RUNTIME,
      code: input.ApplicationCode,
      inputs: input.Inputs ?? [],
      outputs: input.Outputs ?? [],
      references: [],
      logging: input.CloudWatchLoggingOptions ?? [],
      tags: input.Tags ?? [],
    },
    ctx,
  );
  return { ApplicationSummary: summaryV1(app) };
}

/** CreateApplication, version 2 (SQL code as PLAINTEXT ApplicationCodeConfiguration; other runtimes stored). */
export async function createApplicationV2(
  rt: AnalyticsRuntime,
  input: CreateApplicationRequest,
  ctx: RequestContext,
): Promise<CreateApplicationResponse> {
  const config = input.ApplicationConfiguration;
  const sql = input.RuntimeEnvironment === SQL_RUNTIME;
  let code: string | undefined;
  if (sql) {
    if (config?.FlinkApplicationConfiguration || config?.ZeppelinApplicationConfiguration)
      throw analyticsError(
        'InvalidArgumentException',
        // TODO(#10): AWS's wording.
        'FlinkApplicationConfiguration and ZeppelinApplicationConfiguration are not valid for a SQL-1_0 application.',
      );
    const c = config?.ApplicationCodeConfiguration;
    if (c) {
      if (c.CodeContentType !== 'PLAINTEXT' || c.CodeContent?.TextContent === undefined)
        throw analyticsError(
          'InvalidArgumentException',
          // TODO(#10): AWS's wording.
          'A SQL-1_0 application takes its code as PLAINTEXT TextContent.',
        );
      code = c.CodeContent.TextContent;
    }
  } else if (config?.SqlApplicationConfiguration) {
    throw analyticsError(
      'InvalidArgumentException',
      // TODO(#10): AWS's wording.
      `SqlApplicationConfiguration is valid only for the SQL-1_0 runtime, not ${input.RuntimeEnvironment}.`,
    );
  }
  const app = await create(
    rt,
    {
      name: input.ApplicationName,
      description: input.ApplicationDescription,
      runtime: input.RuntimeEnvironment,
      serviceExecutionRole: input.ServiceExecutionRole,
      ...(input.ApplicationMode !== undefined ? { mode: input.ApplicationMode } : {}),
      code,
      inputs: config?.SqlApplicationConfiguration?.Inputs ?? [],
      outputs: config?.SqlApplicationConfiguration?.Outputs ?? [],
      references: config?.SqlApplicationConfiguration?.ReferenceDataSources ?? [],
      logging: input.CloudWatchLoggingOptions ?? [],
      tags: input.Tags ?? [],
      ...(sql ? {} : { other: config }),
    },
    ctx,
  );
  return { ApplicationDetail: describeV2(app) };
}
