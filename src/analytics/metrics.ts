/**
 * Running SQL applications' CloudWatch metrics (namespace `AWS/KinesisAnalytics`; "Kinesis Data Analytics Metrics
 * and Dimensions" of the SQL Developer Guide), counted in the process for the server's `/metrics` (docs/adr/0031,
 * docs/adr/0038). Dimensions: `Application`, `Flow` (`Input` or `Output`) and `Id` (the input's or output's id).
 *
 * - Records, Bytes (Flow Input): records read from the streaming source and their data bytes; (Flow Output):
 *   records delivered to the destination.
 * - MillisBehindLatest (Flow Input): how far the read is behind the source's tip (gauge, the largest since the
 *   previous scrape; Kinesis sources only, Firehose inputs report 0).
 * - Success (Flow Output): successful delivery calls.
 * - InputProcessing.{OkRecords, OkBytes, DroppedRecords, ProcessingFailedRecords, Success} (Flow Input): the
 *   preprocessing function's results and successful invocations; InputProcessing.Duration: the longest invocation
 *   since the previous scrape (ms, gauge).
 * Counting is a few additions per batch; a stopped application keeps its counters until it is deleted.
 */
import type { MetricSample } from '../protocol/index.js';

/** Counters of one input or output of one application. */
export class FlowCounters {
  records = 0;
  bytes = 0;
  millisBehindLatest = 0;
  success = 0;
  okRecords = 0;
  okBytes = 0;
  droppedRecords = 0;
  failedRecords = 0;
  processingSuccess = 0;
  processingDurationMs = 0;
  constructor(
    readonly flow: 'Input' | 'Output',
    readonly id: string,
    /** Whether the input has a preprocessing function (its InputProcessing.* series exist). */
    readonly processing: boolean,
  ) {}
}

const NAMESPACE = 'AWS/KinesisAnalytics';

/** The registry of the service: counters per application id, then per flow and id. */
export class AnalyticsMetrics {
  readonly #apps = new Map<string, Map<string, FlowCounters>>();

  /** The counters of one input (`flow` Input) or output of an application, made on first use. */
  flow(appId: string, flow: 'Input' | 'Output', id: string, processing = false): FlowCounters {
    let flows = this.#apps.get(appId);
    if (flows === undefined) this.#apps.set(appId, (flows = new Map()));
    const key = `${flow}/${id}`;
    let c = flows.get(key);
    if (c === undefined) {
      c = new FlowCounters(flow, id, processing);
      flows.set(key, c);
    }
    return c;
  }

  /** Forgets a deleted application. */
  drop(appId: string): void {
    this.#apps.delete(appId);
  }

  /** Samples of the applications `lookup` still knows; period maxima restart at zero. */
  samples(
    lookup: (
      appId: string,
    ) => { readonly name: string; readonly accountId: string; readonly region: string } | undefined,
  ): MetricSample[] {
    const out: MetricSample[] = [];
    for (const [appId, flows] of this.#apps) {
      const app = lookup(appId);
      if (app === undefined) {
        this.#apps.delete(appId);
        continue;
      }
      const base = { namespace: NAMESPACE, accountId: app.accountId, region: app.region };
      for (const c of flows.values()) {
        const dimensions = { Application: app.name, Flow: c.flow, Id: c.id };
        const add = (metric: string, kind: 'counter' | 'gauge', value: number): void => {
          out.push({ ...base, metric, kind, dimensions, value });
        };
        add('Records', 'counter', c.records);
        add('Bytes', 'counter', c.bytes);
        if (c.flow === 'Input') {
          add('MillisBehindLatest', 'gauge', c.millisBehindLatest);
          c.millisBehindLatest = 0;
          if (c.processing) {
            add('InputProcessing.OkRecords', 'counter', c.okRecords);
            add('InputProcessing.OkBytes', 'counter', c.okBytes);
            add('InputProcessing.DroppedRecords', 'counter', c.droppedRecords);
            add('InputProcessing.ProcessingFailedRecords', 'counter', c.failedRecords);
            add('InputProcessing.Success', 'counter', c.processingSuccess);
            add('InputProcessing.Duration', 'gauge', c.processingDurationMs);
            c.processingDurationMs = 0;
          }
        } else add('Success', 'counter', c.success);
      }
    }
    return out;
  }
}
