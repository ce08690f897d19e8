/**
 * Live charts of a stream (issue #14): incoming and outgoing records/s and bytes/s and the iterator age, from the
 * server's `/metrics` polled every {@link METRICS_POLL_MS} (docs/adr/0039-console-streams-pages.md). Rates are
 * computed in the page between two scrapes (./metrics.ts); uPlot draws them on canvas. Colours come from the
 * page's CSS custom properties, so the charts follow the light or dark theme, and are redrawn when it changes.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { describeError, signedGet } from './api.js';
import { formatBytes, formatNumber, formatRate } from './format.js';
import {
  counterRates,
  RateHistory,
  type StreamFigures,
  type StreamLabels,
  type StreamRates,
  streamFigures,
} from './metrics.js';

/** How often the page reads /metrics: a few seconds, so a user sees a put arrive without loading the server. */
export const METRICS_POLL_MS = 5000;
/** The shortest time span a chart shows, in seconds. */
const MIN_WINDOW_S = 60;
/** Points kept per chart: ten minutes at the poll interval. */
const HISTORY_POINTS = 120;

type RateKey = keyof StreamRates;

interface ChartSpec {
  readonly title: string;
  readonly series: readonly { readonly key: RateKey; readonly label: string; readonly color: string }[];
  readonly value: (n: number) => string;
}

const CHARTS: readonly ChartSpec[] = [
  {
    title: 'Records per second',
    series: [
      { key: 'incomingRecords', label: 'Incoming', color: '--series-in' },
      { key: 'outgoingRecords', label: 'Outgoing (GetRecords)', color: '--series-out' },
      { key: 'fanOutRecords', label: 'Outgoing (enhanced fan-out)', color: '--series-fan-out' },
    ],
    value: (n) => formatRate(n, ''),
  },
  {
    title: 'Bytes per second',
    series: [
      { key: 'incomingBytes', label: 'Incoming', color: '--series-in' },
      { key: 'outgoingBytes', label: 'Outgoing (GetRecords)', color: '--series-out' },
      { key: 'fanOutBytes', label: 'Outgoing (enhanced fan-out)', color: '--series-fan-out' },
    ],
    value: (n) => `${formatBytes(n)}/s`,
  },
  {
    title: 'Iterator age',
    series: [{ key: 'iteratorAgeMs', label: 'GetRecords iterator age (max)', color: '--series-age' }],
    value: (n) => `${formatNumber(n)} ms`,
  },
];

/** The stream's ARN names its account and region: `arn:aws:kinesis:<region>:<account>:stream/<name>`. */
export function streamLabelsFromArn(arn: string | undefined, streamName: string): StreamLabels | undefined {
  const parts = arn?.split(':');
  if (parts === undefined || parts.length < 6) return undefined;
  return { region: parts[3] ?? '', accountId: parts[4] ?? '', streamName };
}

/** Follows the system theme: a counter that changes when prefers-color-scheme flips. */
function useThemeVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => setVersion((v) => v + 1);
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);
  return version;
}

export function StreamCharts({ stream }: { stream: StreamLabels }) {
  const history = useRef(new RateHistory(HISTORY_POINTS));
  const [points, setPoints] = useState(0);
  const [error, setError] = useState('');
  const { accountId, region, streamName } = stream;
  useEffect(() => {
    history.current = new RateHistory(HISTORY_POINTS);
    setPoints(0);
    let previous: { figures: StreamFigures; at: number } | undefined;
    let stopped = false;
    const poll = async () => {
      try {
        const text = await (await signedGet('/metrics', 'tributary')).text();
        if (stopped) return;
        const at = Date.now();
        const figures = streamFigures(text, { accountId, region, streamName });
        if (previous !== undefined) {
          history.current.push(at / 1000, counterRates(previous.figures, figures, (at - previous.at) / 1000));
          setPoints(history.current.length);
        }
        previous = { figures, at };
        setError('');
      } catch (e) {
        if (!stopped) setError(describeError(e));
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), METRICS_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [accountId, region, streamName]);
  const theme = useThemeVersion();
  const h = history.current;
  const latest = (key: RateKey) => h.columns[key][h.length - 1];
  return (
    <div class="panel">
      <h2>Monitoring</h2>
      <p class="muted">
        From the server's /metrics every {METRICS_POLL_MS / 1000} s{points === 0 ? ': waiting for two readings…' : '.'}
      </p>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="charts" data-points={points}>
        {CHARTS.map((chart) => (
          <figure key={chart.title} class="chart">
            <figcaption>{chart.title}</figcaption>
            <LiveChart spec={chart} history={h} points={points} theme={theme} />
            {/* The latest values as text: what the canvas shows, for screen readers and tests. */}
            <dl class="chart-latest" aria-label={`${chart.title}, latest`}>
              {chart.series.map((s) => {
                const v = latest(s.key);
                return (
                  <div key={s.key}>
                    <dt>
                      <span class={`swatch swatch${s.color.slice('--series'.length)}`} aria-hidden="true" />
                      {s.label}
                    </dt>
                    <dd>{v === undefined ? '—' : chart.value(v)}</dd>
                  </div>
                );
              })}
            </dl>
          </figure>
        ))}
      </div>
    </div>
  );
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** One uPlot chart over the shared history; created again when the theme changes, resized with its box. */
function LiveChart({
  spec,
  history,
  points,
  theme,
}: {
  spec: ChartSpec;
  history: RateHistory;
  points: number;
  theme: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  // A line needs two points; uPlot also stretches a one-point time axis over years. Until then the axes show the
  // last minute, empty, and the latest value is printed below.
  const data = (): uPlot.AlignedData =>
    history.length < 2
      ? [[], ...spec.series.map(() => [])]
      : [history.times, ...spec.series.map((s) => history.columns[s.key])];

  // Created again only when the theme changes (its colours are read once).
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const fg = cssVar('--muted');
    const grid = cssVar('--border');
    const axis: uPlot.Axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const chart = new uPlot(
      {
        width: Math.max(el.clientWidth, 200),
        height: 160,
        legend: { show: false },
        cursor: { show: true, drag: { x: false, y: false } },
        // At least a minute of time axis, so the first points do not stretch it over years.
        scales: {
          x: {
            time: true,
            range: (_u, min, max) => {
              // No points yet: the last minute up to now.
              const end = Number.isFinite(max) && max !== null ? max : Date.now() / 1000;
              return [Math.min(Number.isFinite(min) && min !== null ? min : end, end - MIN_WINDOW_S), end];
            },
          },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [axis, { ...axis, size: 70, values: (_u, ticks) => ticks.map((t) => spec.value(t)) }],
        series: [{}, ...spec.series.map((s) => ({ label: s.label, stroke: cssVar(s.color), width: 2 }))],
      },
      data(),
      el,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(el.clientWidth, 200), height: 160 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
  }, [theme]);

  // The history is mutated in place; `points` says it grew.
  useEffect(() => {
    plot.current?.setData(data());
  }, [points]);

  return <div class="chart-canvas" ref={box} role="img" aria-label={spec.title} />;
}
