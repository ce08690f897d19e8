/**
 * Analytics applications (Kinesis Data Analytics API version 2, `kinesisanalyticsv2`): the list, create a SQL
 * application (code, one Kinesis stream input with a JSON schema, an optional Kinesis stream output) and delete.
 */
import {
  type ApplicationSummary,
  CreateApplicationCommand,
  type CreateApplicationRequest,
  DeleteApplicationCommand,
  DescribeApplicationCommand,
  ListApplicationsCommand,
  type RecordColumn,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { useCallback, useState } from 'preact/hooks';
import { analytics, describeError } from './api.js';
import { DeleteButton, ErrorAlert, ResourceTable, runApiAction, useTransitionRefresh } from './parts.js';

/** Statuses an application leaves on its own (DescribeApplication API reference, ApplicationStatus). */
export function isTransitional(status: string | undefined): boolean {
  return status !== undefined && !['READY', 'RUNNING', 'ROLLED_BACK'].includes(status);
}

/** Every application, following ListApplications' pagination (NextToken). */
async function listAllApplications(): Promise<ApplicationSummary[]> {
  const out: ApplicationSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await analytics().send(new ListApplicationsCommand(nextToken ? { NextToken: nextToken } : {}));
    out.push(...(page.ApplicationSummaries ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
}

/** DeleteApplication needs the application's CreateTimestamp, which only DescribeApplication gives. */
export async function deleteApplication(name: string): Promise<void> {
  const detail = await analytics().send(new DescribeApplicationCommand({ ApplicationName: name }));
  await analytics().send(
    new DeleteApplicationCommand({
      ApplicationName: name,
      CreateTimestamp: detail.ApplicationDetail?.CreateTimestamp,
    }),
  );
}

export function AnalyticsPage() {
  const [rows, setRows] = useState<ApplicationSummary[] | undefined>();
  const [listError, setListError] = useState('');
  const refresh = useCallback(async () => {
    try {
      setRows(await listAllApplications());
      setListError('');
    } catch (e) {
      setListError(describeError(e));
    }
  }, []);
  useTransitionRefresh(refresh, rows?.some((r) => isTransitional(r.ApplicationStatus)) ?? false, rows);

  return (
    <section>
      <ResourceTable
        title="Analytics applications"
        columns={['Name', 'Status', 'Runtime', 'Version']}
        empty="No applications yet."
        isEmpty={rows?.length === 0}
        error={listError}
        onRefresh={() => void refresh()}
      >
        {rows?.map((row) => (
          <tr key={row.ApplicationName}>
            <td class="name">
              <a href={`#/analytics/${encodeURIComponent(row.ApplicationName ?? '')}`}>{row.ApplicationName}</a>
            </td>
            <td>
              <span class={`status status-${row.ApplicationStatus ?? ''}`}>{row.ApplicationStatus}</span>
            </td>
            <td>{row.RuntimeEnvironment}</td>
            <td>{row.ApplicationVersionId}</td>
            <td>
              <DeleteButton
                what="application"
                name={row.ApplicationName ?? ''}
                onDelete={async () => {
                  await deleteApplication(row.ApplicationName ?? '');
                  await refresh();
                }}
              />
            </td>
          </tr>
        ))}
      </ResourceTable>
      <CreateApplicationForm onCreated={refresh} />
    </section>
  );
}

const DEFAULT_SQL = `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (TICKER VARCHAR(8), PRICE DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM TICKER, PRICE FROM "SOURCE_SQL_STREAM_001";
`;

const DEFAULT_COLUMNS = 'TICKER VARCHAR(8) $.ticker\nPRICE DOUBLE $.price';

/**
 * Columns typed one per line as `NAME SQL-TYPE $.json.path` (the JSON path may be left out: `$.<name>`). Types may
 * hold spaces (`DOUBLE PRECISION`): the path is the last word when it starts with `$`.
 */
export function parseColumns(text: string): RecordColumn[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const words = line.split(/\s+/);
      const name = words.shift() ?? '';
      const path = words.length > 1 && words[words.length - 1]!.startsWith('$') ? words.pop()! : `$.${name}`;
      return { Name: name, SqlType: words.join(' '), Mapping: path };
    });
}

interface CreateForm {
  name: string;
  sql: string;
  inputStreamArn: string;
  namePrefix: string;
  columns: string;
  outputStreamArn: string;
  outputName: string;
  roleArn: string;
}

/** The request as typed (the API validates it; its messages are shown). */
function createInput(f: CreateForm): CreateApplicationRequest {
  return {
    ApplicationName: f.name,
    RuntimeEnvironment: 'SQL-1_0',
    ServiceExecutionRole: f.roleArn,
    ApplicationConfiguration: {
      ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: f.sql } },
      SqlApplicationConfiguration: {
        ...(f.inputStreamArn !== ''
          ? {
              Inputs: [
                {
                  NamePrefix: f.namePrefix,
                  KinesisStreamsInput: { ResourceARN: f.inputStreamArn },
                  InputSchema: {
                    RecordFormat: {
                      RecordFormatType: 'JSON',
                      MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } },
                    },
                    RecordEncoding: 'UTF-8',
                    RecordColumns: parseColumns(f.columns),
                  },
                },
              ],
            }
          : {}),
        ...(f.outputStreamArn !== ''
          ? {
              Outputs: [
                {
                  Name: f.outputName,
                  KinesisStreamsOutput: { ResourceARN: f.outputStreamArn },
                  DestinationSchema: { RecordFormatType: 'JSON' },
                },
              ],
            }
          : {}),
      },
    },
  };
}

function CreateApplicationForm({ onCreated }: { onCreated: () => Promise<void> }) {
  const [form, setForm] = useState<CreateForm>({
    name: '',
    sql: DEFAULT_SQL,
    inputStreamArn: '',
    namePrefix: 'SOURCE_SQL_STREAM',
    columns: DEFAULT_COLUMNS,
    outputStreamArn: '',
    outputName: 'DESTINATION_SQL_STREAM',
    roleArn: 'arn:aws:iam::000000000000:role/analytics',
  });
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const field = (key: keyof CreateForm, label: string, grow = false) => (
    <label class={grow ? 'grow' : undefined}>
      {label}
      <input
        name={key}
        value={form[key]}
        onInput={(e) => {
          const value = e.currentTarget.value;
          setForm((f) => ({ ...f, [key]: value }));
        }}
      />
    </label>
  );
  return (
    <form
      class="panel stack"
      aria-label="Create SQL application"
      onSubmit={(e) => {
        e.preventDefault();
        void runApiAction(() => analytics().send(new CreateApplicationCommand(createInput(form))), {
          setError,
          setBusy,
          done: () => {
            setForm((f) => ({ ...f, name: '' }));
            return onCreated();
          },
        });
      }}
    >
      <h2>Create SQL application</h2>
      <div class="row">
        {field('name', 'Application name')}
        {field('roleArn', 'Service execution role ARN', true)}
      </div>
      <label>
        SQL code
        <textarea
          name="sql"
          class="mono"
          rows={6}
          value={form.sql}
          onInput={(e) => {
            const value = e.currentTarget.value;
            setForm((f) => ({ ...f, sql: value }));
          }}
        />
      </label>
      <div class="row">
        {field('inputStreamArn', 'Input: Kinesis stream ARN (optional)', true)}
        {field('namePrefix', 'In-application stream name prefix')}
      </div>
      <label>
        Input columns (JSON records; one per line: NAME SQL-TYPE $.path)
        <textarea
          name="columns"
          class="mono"
          rows={3}
          value={form.columns}
          onInput={(e) => {
            const value = e.currentTarget.value;
            setForm((f) => ({ ...f, columns: value }));
          }}
        />
      </label>
      <div class="row">
        {field('outputStreamArn', 'Output: Kinesis stream ARN (optional)', true)}
        {field('outputName', 'Output in-application stream')}
        <button type="submit" disabled={busy}>
          Create
        </button>
      </div>
      <ErrorAlert error={error} />
    </form>
  );
}
