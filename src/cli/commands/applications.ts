/**
 * `tributary analytics ls|describe|start|stop`: Kinesis Data Analytics applications through the v2 API
 * (`@aws-sdk/client-kinesis-analytics-v2`, docs/adr/0030-cli.md). `start` gives every input of a SQL application the
 * starting position of `--from` (StartApplication's SqlRunConfigurations); `--wait` polls until RUNNING / READY.
 */
import {
  type ApplicationDetail,
  DescribeApplicationCommand,
  type InputStartingPosition,
  type KinesisAnalyticsV2Client,
  ListApplicationsCommand,
  type ApplicationSummary,
  StartApplicationCommand,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { type Io, keyValues, table, toJson } from '../output.js';
import { pollUntil } from '../poll.js';

/** `--from` of `analytics start` → InputStartingPosition. */
export const START_POSITIONS: Readonly<Record<string, InputStartingPosition>> = {
  now: 'NOW',
  'trim-horizon': 'TRIM_HORIZON',
  'last-stopped-point': 'LAST_STOPPED_POINT',
};

async function listApplications(ka: KinesisAnalyticsV2Client): Promise<ApplicationSummary[]> {
  const out: ApplicationSummary[] = [];
  let token: string | undefined;
  do {
    const page = await ka.send(new ListApplicationsCommand({ Limit: 50, ...(token ? { NextToken: token } : {}) }));
    out.push(...(page.ApplicationSummaries ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

async function describe(ka: KinesisAnalyticsV2Client, name: string): Promise<ApplicationDetail> {
  return (await ka.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail!;
}

export async function applicationsLs(ka: KinesisAnalyticsV2Client, io: Io, json: boolean): Promise<void> {
  const apps = await listApplications(ka);
  if (json) {
    io.stdout.write(toJson(apps));
    return;
  }
  io.stdout.write(
    table(
      ['NAME', 'STATUS', 'RUNTIME', 'VERSION'],
      apps.map((a) => [
        a.ApplicationName ?? '',
        a.ApplicationStatus ?? '',
        a.RuntimeEnvironment ?? '',
        String(a.ApplicationVersionId ?? ''),
      ]),
    ),
  );
}

function printDetail(io: Io, json: boolean, d: ApplicationDetail, headline?: string): void {
  if (json) {
    io.stdout.write(toJson(d));
    return;
  }
  if (headline) io.stdout.write(`${headline}\n`);
  const sql = d.ApplicationConfigurationDescription?.SqlApplicationConfigurationDescription;
  const rows: Array<[string, string]> = [
    ['Name', d.ApplicationName ?? ''],
    ['ARN', d.ApplicationARN ?? ''],
    ['Status', d.ApplicationStatus ?? ''],
    ['Runtime', d.RuntimeEnvironment ?? ''],
    ['Version', String(d.ApplicationVersionId ?? '')],
    ['Created', d.CreateTimestamp?.toISOString() ?? ''],
  ];
  for (const input of sql?.InputDescriptions ?? []) {
    const source =
      input.KinesisStreamsInputDescription?.ResourceARN ?? input.KinesisFirehoseInputDescription?.ResourceARN ?? '';
    const position = input.InputStartingPositionConfiguration?.InputStartingPosition;
    rows.push([
      `Input ${input.InputId ?? ''}`,
      `${input.NamePrefix ?? ''} ← ${source}${position ? ` (from ${position})` : ''}`,
    ]);
  }
  for (const output of sql?.OutputDescriptions ?? []) {
    const target =
      output.KinesisStreamsOutputDescription?.ResourceARN ??
      output.KinesisFirehoseOutputDescription?.ResourceARN ??
      output.LambdaOutputDescription?.ResourceARN ??
      '';
    rows.push([`Output ${output.OutputId ?? ''}`, `${output.Name ?? ''} → ${target}`]);
  }
  io.stdout.write(keyValues(rows));
}

export async function applicationsDescribe(
  ka: KinesisAnalyticsV2Client,
  io: Io,
  json: boolean,
  name: string,
): Promise<void> {
  printDetail(io, json, await describe(ka, name));
}

export async function applicationsStart(
  ka: KinesisAnalyticsV2Client,
  io: Io,
  json: boolean,
  name: string,
  options: { readonly from: string; readonly wait?: boolean },
): Promise<void> {
  const detail = await describe(ka, name);
  const inputs =
    detail.ApplicationConfigurationDescription?.SqlApplicationConfigurationDescription?.InputDescriptions ?? [];
  const position = START_POSITIONS[options.from]!;
  await ka.send(
    new StartApplicationCommand({
      ApplicationName: name,
      ...(detail.RuntimeEnvironment?.startsWith('SQL') && inputs.length > 0
        ? {
            RunConfiguration: {
              SqlRunConfigurations: inputs.map((i) => ({
                InputId: i.InputId!,
                InputStartingPositionConfiguration: { InputStartingPosition: position },
              })),
            },
          }
        : {}),
    }),
  );
  if (options.wait)
    await pollUntil(
      async () => (await describe(ka, name)).ApplicationStatus === 'RUNNING',
      `application ${name} to be RUNNING`,
    );
  printDetail(io, json, await describe(ka, name), `started ${name}`);
}

export async function applicationsStop(
  ka: KinesisAnalyticsV2Client,
  io: Io,
  json: boolean,
  name: string,
  options: { readonly force?: boolean; readonly wait?: boolean },
): Promise<void> {
  await ka.send(new StopApplicationCommand({ ApplicationName: name, ...(options.force ? { Force: true } : {}) }));
  if (options.wait)
    await pollUntil(
      async () => (await describe(ka, name)).ApplicationStatus === 'READY',
      `application ${name} to be READY`,
    );
  printDetail(io, json, await describe(ka, name), `stopped ${name}`);
}
