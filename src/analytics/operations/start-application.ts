/**
 * StartApplication, both versions (StartApplication API references; developer guide "Configuring Application
 * Input", InputStartingPositionConfiguration): rule 1, only SQL applications run here — another runtime answers
 * InvalidApplicationConfigurationException naming SQL-1_0; rule 2, the application is READY
 * (ResourceInUseException); rule 3, it has an input, every given id names one of its inputs, and its code
 * compiles; rule 4, each input's starting position is NOW unless given: NOW reads records that arrived from
 * the moment the call was accepted, TRIM_HORIZON the oldest record the source keeps, LAST_STOPPED_POINT resumes
 * after the last record the application read before it stopped (NOW when it never read any); rule 5, READY → STARTING → RUNNING, and the
 * application runs once RUNNING (src/analytics/runner.ts); rule 6, see {@link checkRunnable}.
 */
import type { RequestContext } from '../../protocol/index.js';
import { type ApplicationState, isSql } from '../application.js';
import { checkCode } from '../code.js';
import { analyticsError, unknownId, wrongStatus } from '../errors.js';
import { type AnalyticsRuntime, newOperationId } from '../runtime.js';
import type { InputStartingPosition, StartApplicationRequest, StartApplicationResponse, V1 } from '../shapes/index.js';

/**
 * Rule 6: the input's stream exists, and every source and destination is one this server reads and writes
 * (Kinesis data streams; Firehose delivery streams, as inputs not read from TRIM_HORIZON, and as outputs; Lambda
 * outputs and Lambda preprocessing when a Lambda endpoint is configured, refused by name otherwise).
 */
async function checkRunnable(
  rt: AnalyticsRuntime,
  app: ApplicationState,
  positions: readonly { id: string; position: InputStartingPosition | undefined }[],
): Promise<void> {
  // TODO(#10): AWS's wording of these InvalidApplicationConfigurationExceptions.
  const refuse = (message: string) => analyticsError('InvalidApplicationConfigurationException', message);
  for (const input of app.inputs) {
    if (input.processing && !rt.settings.lambdaEndpoint)
      throw refuse(
        `Input ${input.id} has Lambda preprocessing; start the server with --analytics-lambda-endpoint to run it.`,
      );
    if (input.source.kind === 'firehose') {
      // InputStartingPositionConfiguration: TRIM_HORIZON "is not available for an Amazon Kinesis Data Firehose
      // delivery stream".
      if (positions.some((p) => p.id === input.id && p.position === 'TRIM_HORIZON'))
        // TODO(#10): AWS's wording.
        throw analyticsError(
          'InvalidArgumentException',
          `Input ${input.id} reads a Firehose delivery stream, which cannot be read from TRIM_HORIZON.`,
        );
      if (!rt.firehose?.hasDeliveryStream(input.source.arn))
        throw refuse(`The input delivery stream ${input.source.arn} of ${app.name} does not exist.`);
      continue;
    }
    try {
      if (!rt.streams) throw new Error('no streams');
      await rt.streams.describe({ arn: input.source.arn });
    } catch {
      throw refuse(`The input stream ${input.source.arn} of ${app.name} does not exist.`);
    }
  }
  for (const output of app.outputs) {
    if (output.destination.kind === 'lambda' && !rt.settings.lambdaEndpoint)
      throw refuse(
        `Output ${output.id} writes to a Lambda function; start the server with --analytics-lambda-endpoint to deliver to it.`,
      );
    if (output.destination.kind === 'firehose' && !rt.settings.firehoseOutputs)
      throw refuse(`Output ${output.id} writes to a Firehose delivery stream, and Firehose is not mounted.`);
  }
}

async function start(
  rt: AnalyticsRuntime,
  app: ApplicationState,
  positions: readonly { id: string; position: InputStartingPosition | undefined }[],
): Promise<string> {
  if (!isSql(app))
    throw analyticsError(
      'InvalidApplicationConfigurationException',
      `Tributary runs applications of the SQL-1_0 runtime only; ${app.name} uses ${app.runtime}.`,
    );
  if (app.status !== 'READY') throw wrongStatus(app.name, app.status, ['READY']);
  if (app.inputs.length === 0)
    throw analyticsError(
      'InvalidApplicationConfigurationException',
      // TODO(#10): AWS's wording.
      `Application ${app.name} has no input to start from.`,
    );
  for (const p of positions) if (!app.inputs.some((i) => i.id === p.id)) throw unknownId('Input', p.id, app.name);
  checkCode(app);
  await checkRunnable(rt, app, positions);
  const runId = newOperationId();
  const { operationId } = await rt.transition(
    app,
    (d) => {
      if (d.status !== 'READY') throw wrongStatus(app.name, d.status, ['READY']);
    },
    'STARTING',
    'RUNNING',
    'StartApplication',
    (d) => {
      d.runId = runId;
      d.runStartedAt = rt.now();
      for (const input of d.inputs)
        input.startingPosition = positions.find((p) => p.id === input.id)?.position ?? 'NOW';
    },
  );
  return operationId;
}

export async function startApplicationV1(
  rt: AnalyticsRuntime,
  input: V1.StartApplicationRequest,
  ctx: RequestContext,
): Promise<V1.StartApplicationResponse> {
  const app = rt.requireSql(ctx, input.ApplicationName);
  await start(
    rt,
    app,
    input.InputConfigurations.map((c) => ({
      id: c.Id,
      position: c.InputStartingPositionConfiguration.InputStartingPosition,
    })),
  );
  return {};
}

export async function startApplicationV2(
  rt: AnalyticsRuntime,
  input: StartApplicationRequest,
  ctx: RequestContext,
): Promise<StartApplicationResponse> {
  const app = rt.require(ctx, input.ApplicationName);
  const operationId = await start(
    rt,
    app,
    (input.RunConfiguration?.SqlRunConfigurations ?? []).map((c) => ({
      id: c.InputId,
      position: c.InputStartingPositionConfiguration.InputStartingPosition,
    })),
  );
  return { OperationId: operationId };
}
