/**
 * One Analytics application: its SQL code, inputs and outputs (DescribeApplication), start and stop
 * (StartApplication with a starting position per input, StopApplication), and a live sample of each
 * in-application stream from the sample endpoint (`GET /analytics/sample`, src/analytics/sample-route.ts; signed and
 * authorized as kinesisanalytics:DescribeApplication; docs/adr/0040-console-firehose-analytics-video.md).
 */
import {
  type ApplicationDetail,
  DescribeApplicationCommand,
  type InputStartingPosition,
  StartApplicationCommand,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { useState } from 'preact/hooks';
import { analytics, describeError, signedGet } from './api.js';
import { isTransitional } from './analytics.js';
import { DetailHeader, ErrorAlert, Facts, runApiAction, useDescribed, usePoll } from './parts.js';

/** How often a running application's samples are read. */
const SAMPLE_POLL_MS = 1000;
/** Rows shown per in-application stream. */
const SAMPLE_ROWS = 10;

/**
 * The in-application streams an application has: its inputs' (InAppStreamNames) and those its SQL creates
 * (`CREATE [OR REPLACE] STREAM name`; a quoted name keeps its case, an unquoted one is upper case, as SQL reads it).
 */
export function inApplicationStreams(detail: ApplicationDetail): string[] {
  const sql = detail.ApplicationConfigurationDescription?.SqlApplicationConfigurationDescription;
  const names = new Set<string>();
  for (const input of sql?.InputDescriptions ?? []) for (const n of input.InAppStreamNames ?? []) names.add(n);
  const code =
    detail.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription
      ?.TextContent ?? '';
  for (const m of code.matchAll(/CREATE\s+(?:OR\s+REPLACE\s+)?STREAM\s+(?:"([^"]+)"|([A-Za-z_][A-Za-z0-9_]*))/gi)) {
    names.add(m[1] ?? m[2]!.toUpperCase());
  }
  return [...names];
}

export function ApplicationPage({ name }: { name: string }) {
  const {
    value: detail,
    error,
    refresh,
  } = useDescribed(
    name,
    async (n) => (await analytics().send(new DescribeApplicationCommand({ ApplicationName: n }))).ApplicationDetail,
    (d) => isTransitional(d.ApplicationStatus),
  );
  const sql = detail?.ApplicationConfigurationDescription?.SqlApplicationConfigurationDescription;
  const code =
    detail?.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription
      ?.TextContent;

  return (
    <section>
      <DetailHeader
        listHref="#/analytics"
        listTitle="Analytics applications"
        name={name}
        error={error}
        onRefresh={() => void refresh()}
      />
      {detail && (
        <>
          <Facts
            label="Application"
            rows={[
              ['Status', detail.ApplicationStatus],
              ['Runtime', detail.RuntimeEnvironment],
              ['Version', detail.ApplicationVersionId],
              ['Description', detail.ApplicationDescription],
              ['Service execution role', detail.ServiceExecutionRole],
              ['Created', detail.CreateTimestamp?.toLocaleString()],
              ['ARN', detail.ApplicationARN],
            ]}
          />
          <RunPanel detail={detail} onChanged={refresh} />
          <div class="panel">
            <h2>SQL code</h2>
            <pre class="sql-code">{code ?? '(none)'}</pre>
          </div>
          <div class="panel">
            <h2>Inputs</h2>
            {(sql?.InputDescriptions ?? []).length === 0 && <p>No inputs.</p>}
            {sql?.InputDescriptions?.map((input) => (
              <div key={input.InputId}>
                <Facts
                  label={`Input ${input.InputId}`}
                  rows={[
                    ['Input ID', input.InputId],
                    ['In-application streams', input.InAppStreamNames?.join(', ')],
                    [
                      'Source',
                      input.KinesisStreamsInputDescription?.ResourceARN ??
                        input.KinesisFirehoseInputDescription?.ResourceARN,
                    ],
                    ['Record format', input.InputSchema?.RecordFormat?.RecordFormatType],
                    [
                      'Columns',
                      input.InputSchema?.RecordColumns?.map((c) => `${c.Name} ${c.SqlType} ← ${c.Mapping ?? ''}`).join(
                        '; ',
                      ),
                    ],
                    ['Starting position', input.InputStartingPositionConfiguration?.InputStartingPosition],
                  ]}
                />
              </div>
            ))}
          </div>
          <div class="panel">
            <h2>Outputs</h2>
            {(sql?.OutputDescriptions ?? []).length === 0 && <p>No outputs.</p>}
            {sql?.OutputDescriptions?.map((output) => (
              <Facts
                key={output.OutputId}
                label={`Output ${output.OutputId}`}
                rows={[
                  ['Output ID', output.OutputId],
                  ['In-application stream', output.Name],
                  [
                    'Destination',
                    output.KinesisStreamsOutputDescription?.ResourceARN ??
                      output.KinesisFirehoseOutputDescription?.ResourceARN ??
                      output.LambdaOutputDescription?.ResourceARN,
                  ],
                  ['Record format', output.DestinationSchema?.RecordFormatType],
                ]}
              />
            ))}
          </div>
          <SamplesPanel
            name={name}
            streams={inApplicationStreams(detail)}
            running={detail.ApplicationStatus === 'RUNNING'}
          />
        </>
      )}
    </section>
  );
}

function RunPanel({ detail, onChanged }: { detail: ApplicationDetail; onChanged: () => Promise<void> }) {
  const [position, setPosition] = useState<InputStartingPosition>('NOW');
  const [error, setError] = useState('');
  const inputs = detail.ApplicationConfigurationDescription?.SqlApplicationConfigurationDescription?.InputDescriptions;
  const run = (action: () => Promise<unknown>) => runApiAction(action, { setError, done: onChanged });
  return (
    <form class="panel stack" aria-label="Run" onSubmit={(e) => e.preventDefault()}>
      <h2>Run</h2>
      <div class="row">
        <label>
          Start reading inputs from
          <select value={position} onChange={(e) => setPosition(e.currentTarget.value as InputStartingPosition)}>
            <option value="NOW">Now</option>
            <option value="TRIM_HORIZON">The oldest record (TRIM_HORIZON)</option>
            <option value="LAST_STOPPED_POINT">Where it last stopped</option>
          </select>
        </label>
        <button
          type="button"
          onClick={() =>
            void run(() =>
              analytics().send(
                new StartApplicationCommand({
                  ApplicationName: detail.ApplicationName,
                  RunConfiguration: {
                    SqlRunConfigurations: (inputs ?? []).map((input) => ({
                      InputId: input.InputId,
                      InputStartingPositionConfiguration: { InputStartingPosition: position },
                    })),
                  },
                }),
              ),
            )
          }
        >
          Start
        </button>
        <button
          type="button"
          onClick={() =>
            void run(() => analytics().send(new StopApplicationCommand({ ApplicationName: detail.ApplicationName })))
          }
        >
          Stop
        </button>
      </div>
      <ErrorAlert error={error} />
    </form>
  );
}

type SampleRow = Record<string, unknown>;

/** The latest rows of each in-application stream, read every second while the application runs. */
function SamplesPanel({ name, streams, running }: { name: string; streams: string[]; running: boolean }) {
  const [rows, setRows] = useState<Record<string, SampleRow[]>>({});
  const [error, setError] = useState('');
  usePoll(
    async () => {
      try {
        const next: Record<string, SampleRow[]> = {};
        for (const stream of streams) {
          const query = new URLSearchParams({ ApplicationName: name, Stream: stream, Limit: String(SAMPLE_ROWS) });
          const text = await (await signedGet(`/analytics/sample?${query.toString()}`, 'kinesisanalytics')).text();
          next[stream] = text
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as SampleRow);
        }
        setRows(next);
        setError('');
      } catch (e) {
        setError(describeError(e));
      }
    },
    SAMPLE_POLL_MS,
    running,
  );
  return (
    <section class="panel" aria-label="Samples">
      <h2>In-application streams</h2>
      {!running && <p>Start the application to see its rows.</p>}
      <ErrorAlert error={error} />
      {streams.map((stream) => {
        const sample = rows[stream] ?? [];
        const columns = [...new Set(sample.flatMap((r) => Object.keys(r)))];
        return (
          <div key={stream} class="stack">
            <h3 class="name">{stream}</h3>
            <div class="table-wrap">
              <table aria-label={`Sample of ${stream}`}>
                <thead>
                  <tr>
                    {columns.map((c) => (
                      <th key={c} scope="col">
                        {c}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {sample.length === 0 && (
                    <tr>
                      <td>No rows yet.</td>
                    </tr>
                  )}
                  {sample.map((r, i) => (
                    // Rows have no identity of their own: the newest rows replace the table each second.
                    <tr key={i}>
                      {columns.map((c) => (
                        <td key={c} class="mono">
                          {r[c] === null || r[c] === undefined ? '' : String(r[c])}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        );
      })}
    </section>
  );
}
