/**
 * One video stream: its details (DescribeStream) and a timeline of its archived fragments over a time range
 * (ListFragments of the archived-media API, by server or producer timestamp). The live player waits for HLS
 * (Video part 2): the page says so where the player will be.
 */
import {
  type Fragment,
  type FragmentSelectorType,
  ListFragmentsCommand,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { DescribeStreamCommand } from '@aws-sdk/client-kinesis-video';
import { useState } from 'preact/hooks';
import { archivedMedia, describeError, video } from './api.js';
import { DetailHeader, ErrorAlert, Facts, formatBytes, useDescribed } from './parts.js';

/** Time ranges offered, in minutes back from now. */
const RANGES = [
  { minutes: 5, label: 'Last 5 minutes' },
  { minutes: 60, label: 'Last hour' },
  { minutes: 24 * 60, label: 'Last 24 hours' },
] as const;
/** Fragments drawn at most: a day of 2-second fragments fits; beyond, the page says how many it left out. */
const MAX_FRAGMENTS = 50_000;
/** Fragments listed in the table under the timeline (the newest). */
const TABLE_ROWS = 20;

export function VideoStreamPage({ name }: { name: string }) {
  const {
    value: info,
    error,
    refresh,
  } = useDescribed(
    name,
    async (n) => (await video().send(new DescribeStreamCommand({ StreamName: n }))).StreamInfo,
    (i) => i.Status !== 'ACTIVE',
  );

  return (
    <section>
      <DetailHeader
        listHref="#/video"
        listTitle="Video streams"
        name={name}
        error={error}
        onRefresh={() => void refresh()}
      />
      {info && (
        <Facts
          label="Video stream"
          rows={[
            ['Status', info.Status],
            ['Media type', info.MediaType],
            ['Data retention', `${info.DataRetentionInHours ?? 0} h`],
            ['Device', info.DeviceName],
            ['KMS key', info.KmsKeyId],
            ['Version', info.Version],
            ['Created', info.CreationTime?.toLocaleString()],
            ['ARN', info.StreamARN],
          ]}
        />
      )}
      <div class="panel player-placeholder">
        <h2>Live playback</h2>
        <p>
          Live playback needs HLS streaming sessions (GetHLSStreamingSessionURL), which this server does not serve yet;
          the player will appear here when it does. The fragments below are what the stream has stored.
        </p>
      </div>
      <FragmentTimeline name={name} />
    </section>
  );
}

interface Loaded {
  readonly from: number;
  readonly to: number;
  readonly fragments: readonly Fragment[];
  readonly truncated: boolean;
}

/** The fragment's start on the chosen clock, epoch ms. */
function startOf(f: Fragment, type: FragmentSelectorType): number {
  return (type === 'SERVER_TIMESTAMP' ? f.ServerTimestamp : f.ProducerTimestamp)?.getTime() ?? 0;
}

function FragmentTimeline({ name }: { name: string }) {
  const [minutes, setMinutes] = useState<number>(60);
  const [type, setType] = useState<FragmentSelectorType>('SERVER_TIMESTAMP');
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [error, setError] = useState('');
  const load = async () => {
    const to = Date.now();
    const from = to - minutes * 60_000;
    try {
      const fragments: Fragment[] = [];
      let nextToken: string | undefined;
      do {
        const out = await archivedMedia().send(
          new ListFragmentsCommand({
            StreamName: name,
            MaxResults: 1000,
            ...(nextToken
              ? { NextToken: nextToken }
              : {
                  FragmentSelector: {
                    FragmentSelectorType: type,
                    TimestampRange: { StartTimestamp: new Date(from), EndTimestamp: new Date(to) },
                  },
                }),
          }),
        );
        fragments.push(...(out.Fragments ?? []));
        nextToken = out.NextToken;
      } while (nextToken && fragments.length < MAX_FRAGMENTS);
      // ListFragments returns fragments in no particular order (ListFragments API reference).
      fragments.sort((a, b) => startOf(a, type) - startOf(b, type));
      setLoaded({ from, to, fragments, truncated: nextToken !== undefined });
      setError('');
    } catch (e) {
      setError(describeError(e));
    }
  };
  return (
    <section class="panel stack" aria-label="Fragments">
      <h2>Fragments</h2>
      <form
        class="row"
        aria-label="Fragment range"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <label>
          Time range
          <select value={minutes} onChange={(e) => setMinutes(Number(e.currentTarget.value))}>
            {RANGES.map((r) => (
              <option key={r.minutes} value={r.minutes}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Timestamps
          <select value={type} onChange={(e) => setType(e.currentTarget.value as FragmentSelectorType)}>
            <option value="SERVER_TIMESTAMP">Server</option>
            <option value="PRODUCER_TIMESTAMP">Producer</option>
          </select>
        </label>
        <button type="submit">Show fragments</button>
      </form>
      <ErrorAlert error={error} />
      {loaded && <Timeline loaded={loaded} type={type} />}
    </section>
  );
}

const WIDTH = 1000;
const HEIGHT = 48;

/** The range as an axis, each fragment a bar from its start for its length; the newest fragments as a table. */
function Timeline({ loaded, type }: { loaded: Loaded; type: FragmentSelectorType }) {
  const { fragments } = loaded;
  // The axis spans the chosen range, or only the fragments in it (a few seconds of video in a day are a sliver).
  const [fit, setFit] = useState(false);
  const first = fragments[0];
  const last = fragments[fragments.length - 1];
  const fitted = fit && first !== undefined && last !== undefined;
  const from = fitted ? startOf(first, type) : loaded.from;
  const to = fitted
    ? Math.max(...fragments.map((f) => startOf(f, type) + (f.FragmentLengthInMilliseconds ?? 0)))
    : loaded.to;
  const span = Math.max(1, to - from);
  const x = (t: number) => ((t - from) / span) * WIDTH;
  const bytes = fragments.reduce((sum, f) => sum + (f.FragmentSizeInBytes ?? 0), 0);
  const summary = `${fragments.length} fragments${loaded.truncated ? ' (more not drawn)' : ''} between ${new Date(loaded.from).toLocaleString()} and ${new Date(loaded.to).toLocaleString()}`;
  const ticks = Array.from({ length: 5 }, (_, i) => from + (span * i) / 4);
  const newest = fragments.slice(-TABLE_ROWS).reverse();
  return (
    <>
      <div class="row spread">
        <p>
          {summary}, {formatBytes(bytes)}.
        </p>
        <label class="inline">
          <input type="checkbox" checked={fit} onChange={(e) => setFit(e.currentTarget.checked)} />
          Fit the axis to the fragments
        </label>
      </div>
      <svg
        class="timeline"
        viewBox={`0 0 ${WIDTH} ${HEIGHT + 18}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Fragment timeline: ${summary}`}
      >
        <rect class="timeline-track" x={0} y={4} width={WIDTH} height={HEIGHT - 8} />
        {fragments.map((f) => {
          const start = startOf(f, type);
          const width = Math.max(1, x(start + (f.FragmentLengthInMilliseconds ?? 0)) - x(start));
          return (
            <rect key={f.FragmentNumber} class="fragment" x={x(start)} y={8} width={width} height={HEIGHT - 16}>
              <title>
                {f.FragmentNumber} at {new Date(start).toISOString()}, {f.FragmentLengthInMilliseconds} ms
              </title>
            </rect>
          );
        })}
        {ticks.map((t, i) => (
          <text
            key={t}
            class="timeline-tick"
            x={x(t)}
            y={HEIGHT + 14}
            text-anchor={i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'}
          >
            {new Date(t).toLocaleTimeString()}
          </text>
        ))}
      </svg>
      <div class="table-wrap">
        <table aria-label="Newest fragments">
          <thead>
            <tr>
              <th scope="col">Fragment number</th>
              <th scope="col">Producer timestamp</th>
              <th scope="col">Server timestamp</th>
              <th scope="col">Length (ms)</th>
              <th scope="col">Size</th>
            </tr>
          </thead>
          <tbody>
            {newest.map((f) => (
              <tr key={f.FragmentNumber}>
                <td class="mono hash">{f.FragmentNumber}</td>
                <td>{f.ProducerTimestamp?.toISOString()}</td>
                <td>{f.ServerTimestamp?.toISOString()}</td>
                <td>{f.FragmentLengthInMilliseconds}</td>
                <td>{formatBytes(f.FragmentSizeInBytes ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
