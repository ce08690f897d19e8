/**
 * The operations endpoints on the server's port, outside the AWS APIs (docs/adr/0031-metrics-naming.md):
 * - `GET /metrics`: Prometheus text format (prom-client's registry): the services' CloudWatch metrics under
 *   {@link prometheusName}s, request counts, latency and errors per operation, the side channels' counters
 *   (./diagnostics.ts) and the process metrics prom-client collects (CPU, memory, event loop, GC);
 * - `GET /health`: the process answers (liveness);
 * - `GET /ready`: storage is open and the services are mounted, and the server is not closing (readiness).
 * They are REST routes of a module of their own, so they pass the pipeline like every call: signed and authorized
 * (IAM actions `tributary:GetMetrics`, `tributary:GetHealth`, `tributary:GetReadiness`) when security is enforced,
 * open to unsigned requests when it is not (the route trait `unsignedWhenOpen`).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricSample, RestRoute, ServiceModule } from '../protocol/index.js';
import type { HistogramSnapshot, StorageStats } from '../storage/index.js';
import type { ServerStats } from './diagnostics.js';

/** The service name of the operations routes: their IAM action prefix and audit label. */
export const OPS_SERVICE = 'tributary';
/** Paths of the operations routes. */
export const METRICS_PATH = '/metrics';
export const HEALTH_PATH = '/health';
export const READY_PATH = '/ready';

/** Prometheus text exposition format, version 0.0.4 (what prom-client writes). */
const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Request latency buckets, seconds: from a cached small read (≈100 µs) to a long poll or a slow disk (10 s).
 * SubscribeToShard and followed samples stay open for minutes and land in +Inf.
 */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** One operation's latency distribution: counts per bucket (not cumulative), sum and count. */
interface LatencyCell {
  readonly service: string;
  readonly operation: string;
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * The request histogram, counted here and handed to prom-client's registry as a metric object (its `get()` shape):
 * prom-client's own Histogram hashes the label object on every observation (≈2 µs a request on this machine), this
 * costs two map lookups and a bucket search.
 */
class RequestHistogram {
  readonly name = 'tributary_request_duration_seconds';
  readonly help =
    'Time from a request read in full to its response, per service and operation (also the request count).';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #cells = new Map<string, Map<string, LatencyCell>>();

  observe(service: string, operation: string, seconds: number): void {
    let byOperation = this.#cells.get(service);
    if (byOperation === undefined) this.#cells.set(service, (byOperation = new Map()));
    let cell = byOperation.get(operation);
    if (cell === undefined) {
      cell = { service, operation, buckets: new Float64Array(LATENCY_BUCKETS.length + 1), sum: 0, count: 0 };
      byOperation.set(operation, cell);
    }
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    cell.buckets[i]!++;
    cell.sum += seconds;
    cell.count++;
  }

  async get() {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const byOperation of this.#cells.values()) {
      for (const c of byOperation.values()) {
        const labels = { service: c.service, operation: c.operation };
        let cumulative = 0;
        for (let i = 0; i <= LATENCY_BUCKETS.length; i++) {
          cumulative += c.buckets[i]!;
          const le = i < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[i]! : '+Inf';
          values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
        }
        values.push({ labels, value: c.sum, metricName: `${this.name}_sum` });
        values.push({ labels, value: c.count, metricName: `${this.name}_count` });
      }
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#cells.clear();
  }
}

/**
 * A histogram another layer counted (the storage backend's {@link HistogramSnapshot}s), handed to prom-client's
 * registry as a metric object: the snapshot read at the scrape is written out as it is.
 */
class SnapshotHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  #labels: Record<string, string> = {};
  #snapshot: HistogramSnapshot | undefined;

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  set(labels: Record<string, string>, snapshot: HistogramSnapshot | undefined): void {
    this.#labels = labels;
    this.#snapshot = snapshot;
  }

  async get() {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    const s = this.#snapshot;
    if (s !== undefined) {
      let cumulative = 0;
      for (let i = 0; i <= s.bounds.length; i++) {
        cumulative += s.counts[i] ?? 0;
        const le = i < s.bounds.length ? s.bounds[i]! : '+Inf';
        values.push({ labels: { le, ...this.#labels }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: this.#labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: this.#labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#snapshot = undefined;
  }
}

/** The storage backend's figures (src/storage/stats.ts) as `tributary_storage_*` families, labelled by backend. */
class StorageFamilies {
  readonly #sync = new SnapshotHistogram(
    'tributary_storage_sync_seconds',
    'Seconds a committed group of appends waited to become durable: the fdatasync of its segment (local backend) or the JetStream acknowledgement of its publishes (nats backend).',
  );
  readonly #batch = new SnapshotHistogram(
    'tributary_storage_commit_batch_records',
    'Records per group commit: what one write (local) or one chained publish (nats) carried.',
  );
  readonly #logs: Gauge<'backend'>;
  readonly #segments: Gauge<'backend'>;
  readonly #bytes: Gauge<'backend'>;

  constructor(registry: Registry) {
    registry.registerMetric(this.#sync as never);
    registry.registerMetric(this.#batch as never);
    const gauge = (name: string, help: string) =>
      new Gauge({ name, help, labelNames: ['backend'], registers: [registry] });
    this.#logs = gauge('tributary_storage_logs', 'Shard logs stored.');
    this.#segments = gauge('tributary_storage_segments', 'Segment files of the shard logs (local backend).');
    this.#bytes = gauge(
      'tributary_storage_bytes',
      'Bytes the shard logs occupy on disk: segment and index files (local), stored bytes per replica (nats).',
    );
  }

  set(stats: StorageStats | undefined): void {
    this.#logs.reset();
    this.#segments.reset();
    this.#bytes.reset();
    if (stats === undefined) {
      this.#sync.reset();
      this.#batch.reset();
      return;
    }
    const labels = { backend: stats.backend };
    this.#sync.set(labels, stats.syncSeconds);
    this.#batch.set(labels, stats.commitRecords);
    this.#logs.set(labels, stats.logs);
    if (stats.segments !== undefined) this.#segments.set(labels, stats.segments);
    this.#bytes.set(labels, stats.bytes);
  }
}

/** CamelCase words → snake_case: `IteratorAgeMilliseconds` → `iterator_age_milliseconds`, `KMSKeyNotFound` → `kms_key_not_found`. */
function snake(text: string): string {
  return text
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}

/**
 * The Prometheus family of a CloudWatch metric (ADR 0031): the namespace (`AWS/Kinesis` → `aws_kinesis`), `shard`
 * for per-shard series (their own family, so a sum over a family never counts a record twice), the metric name with
 * its dots as underscores (`GetRecords.IteratorAgeMilliseconds` → `get_records_iterator_age_milliseconds`), and
 * `_total` for counters.
 */
export function prometheusName(sample: Pick<MetricSample, 'namespace' | 'metric' | 'kind' | 'dimensions'>): string {
  const scope = sample.dimensions['ShardId'] !== undefined ? 'shard_' : '';
  const base = `${snake(sample.namespace)}_${scope}${snake(sample.metric)}`;
  return sample.kind === 'counter' ? `${base}_total` : base;
}

/** Label names of a sample: `account_id`, `region`, then its dimensions in snake case (`StreamName` → `stream_name`). */
function labelNames(sample: MetricSample): string[] {
  return ['account_id', 'region', ...Object.keys(sample.dimensions).map(snake)];
}

/** What the operations endpoints read from the running server. */
export interface OpsSources {
  /** The mounted service modules whose {@link ServiceModule.metricSamples} are exposed. */
  readonly modules: () => readonly ServiceModule[];
  /** The side channels' counters. */
  readonly stats: () => ServerStats;
  /** False while the server is starting or closing. */
  readonly ready: () => boolean;
  /** The storage backend's figures, when the server opened the backend itself. */
  readonly storage?: () => Promise<StorageStats | undefined>;
}

/** The registry of one server, and the hook the pipeline calls after each request. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly #latency = new RequestHistogram();
  readonly #errors: Counter<'service' | 'operation' | 'error_type'>;
  readonly #families = new Map<string, Counter<string> | Gauge<string>>();
  readonly #sideLines: Counter<'channel'>;
  readonly #sideFailures: Counter<'channel'>;
  readonly #sideDropped: Counter<'channel'>;
  readonly #storage: StorageFamilies;

  constructor(options: { readonly processMetrics?: boolean } = {}) {
    // A metric object of prom-client's shape (name, help, type, get, reset); its typings only name its own classes.
    this.registry.registerMetric(this.#latency as never);
    this.#errors = new Counter({
      name: 'tributary_request_errors_total',
      help: 'Requests answered with an error, per service, operation and AWS error type.',
      labelNames: ['service', 'operation', 'error_type'],
      registers: [this.registry],
    });
    const side = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ['channel'], registers: [this.registry] });
    this.#sideLines = side('tributary_side_channel_lines_written_total', 'Log lines or audit records written.');
    this.#sideFailures = side('tributary_side_channel_write_failures_total', 'Failed writes of the log or audit log.');
    this.#sideDropped = side(
      'tributary_side_channel_lines_dropped_total',
      'Log lines or audit records lost (failed writes, full queues).',
    );
    this.#storage = new StorageFamilies(this.registry);
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** One answered request of a known operation (the pipeline's hook). */
  request(service: string, operation: string, errorType: string | undefined, seconds: number): void {
    this.#latency.observe(service, operation, seconds);
    if (errorType !== undefined) this.#errors.inc({ service, operation, error_type: errorType });
  }

  /** The exposition text: every series refreshed from its source first. */
  async scrape(sources: OpsSources): Promise<string> {
    const stats = sources.stats();
    this.#sideLines.reset();
    this.#sideFailures.reset();
    this.#sideDropped.reset();
    for (const [channel, sink] of [
      ['log', stats.log],
      ['audit', stats.audit],
    ] as const) {
      if (sink === undefined) continue;
      this.#sideLines.inc({ channel }, sink.written);
      this.#sideFailures.inc({ channel }, sink.failures);
      this.#sideDropped.inc({ channel }, sink.dropped);
    }
    // A backend that cannot answer now (a NATS cluster electing) leaves the storage families out of this scrape.
    this.#storage.set(await sources.storage?.().catch(() => undefined));
    for (const family of this.#families.values()) family.reset();
    for (const module of sources.modules()) {
      for (const sample of module.metricSamples?.() ?? []) this.#set(module.title, sample);
    }
    return this.registry.metrics();
  }

  #set(title: string, sample: MetricSample): void {
    const name = prometheusName(sample);
    let family = this.#families.get(name);
    if (family === undefined) {
      const help = `${sample.namespace} ${sample.metric} (${title}), per ${['account', 'region', ...Object.keys(sample.dimensions)].join(', ')}.`;
      const config = { name, help, labelNames: labelNames(sample), registers: [this.registry] };
      family = sample.kind === 'counter' ? new Counter(config) : new Gauge(config);
      this.#families.set(name, family);
    }
    const labels: Record<string, string> = { account_id: sample.accountId, region: sample.region };
    for (const [k, v] of Object.entries(sample.dimensions)) labels[snake(k)] = v;
    if (family instanceof Counter) family.inc(labels, sample.value);
    else family.set(labels, sample.value);
  }
}

/** The module of the operations routes (this file's header). */
export function opsModule(metrics: ServerMetrics | undefined, sources: OpsSources): ServiceModule {
  const traits = { resource: { kind: 'account' as const }, unsignedWhenOpen: true };
  const json = (status: number, body: object) => ({
    status,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(`${JSON.stringify(body)}\n`),
  });
  const routes: RestRoute[] = [
    {
      method: 'GET',
      path: HEALTH_PATH,
      service: OPS_SERVICE,
      operation: 'GetHealth',
      traits,
      async handle() {
        return json(200, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
      },
    },
    {
      method: 'GET',
      path: READY_PATH,
      service: OPS_SERVICE,
      operation: 'GetReadiness',
      traits,
      async handle() {
        const ready = sources.ready();
        return json(ready ? 200 : 503, {
          status: ready ? 'ready' : 'not ready',
          services: sources.modules().map((m) => m.name),
        });
      },
    },
  ];
  if (metrics !== undefined) {
    routes.push({
      method: 'GET',
      path: METRICS_PATH,
      service: OPS_SERVICE,
      operation: 'GetMetrics',
      traits,
      async handle() {
        return {
          status: 200,
          headers: { 'content-type': PROMETHEUS_CONTENT_TYPE },
          body: Buffer.from(await metrics.scrape(sources)),
        };
      },
    });
  }
  return { name: OPS_SERVICE, title: 'Tributary operations endpoints', routes, async close() {} };
}
