/**
 * The shared state of the Analytics service that both APIs' operations use: the catalogue, the settings, the
 * status machine and the hook to the running applications.
 *
 * Status machine (DescribeApplication API reference, ApplicationStatus; Kinesis Data Analytics for SQL
 * Developer Guide, "Starting an Application"):
 * 1. a new application is READY;
 * 2. StartApplication: READY → STARTING → RUNNING; StopApplication: RUNNING → STOPPING → READY (Force, Flink
 *    only: also from STARTING / UPDATING / STOPPING / AUTOSCALING, through FORCE_STOPPING);
 * 3. a configuration change of a RUNNING application: RUNNING → UPDATING → RUNNING (the running application is
 *    reloaded); of a READY one: stays READY;
 * 4. DeleteApplication: → DELETING → gone;
 * 5. configuration changes need READY or RUNNING, and CurrentApplicationVersionId (or v2's ConditionalToken)
 *    equal to the application's version: otherwise ConcurrentModificationException, and nothing changes.
 * Each transitional status lasts `transitionMs` (0: the final status at once), kept as `transition` in the state
 * and ended by the scheduler's persisted timer, so a restart resumes it.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, Scheduler } from '../jobs/index.js';
import type { Logger, RequestContext, ServiceError } from '../protocol/index.js';
import type { ApplicationDraft, ApplicationState } from './application.js';
import { recordOperation } from './application.js';
import type { FirehoseService } from '../firehose/index.js';
import type { StreamsApi } from '../streams/index.js';
import type { ApplicationCatalog } from './catalog.js';
import type { ObjectReader } from './objects.js';
import { conditionalToken } from './describe.js';
import { analyticsError, applicationNotFound, managedByV2, versionMismatch, wrongStatus } from './errors.js';
import type { ApplicationStatus } from './shapes/index.js';

/** Settings of the service (server flags). */
export interface AnalyticsSettings {
  /** How long STARTING, STOPPING, UPDATING and DELETING last, ms. */
  readonly transitionMs: number;
  /** Applications per account and region (LimitExceededException above; AWS's default quota is 50). */
  readonly applicationLimit: number;
  /** How long DiscoverInputSchema waits for records of a stream, ms. */
  readonly discoverWaitMs: number;
  /** The Lambda-compatible HTTP endpoint of Lambda outputs ('' = Lambda outputs are refused at start). */
  readonly lambdaEndpoint: string;
  /** Whether Firehose delivery streams can be written (the Firehose module is mounted). */
  readonly firehoseOutputs: boolean;
}

/** Scheduler timer kind of the status transitions (keyed by incarnation id). */
export const STATUS_TIMER = 'analytics.status';

/** What runs applications (runner.ts); told about every state change. */
export interface ApplicationRunner {
  /** The application's state changed (or it is gone: `undefined`). Must not throw. */
  sync(id: string, state: ApplicationState | undefined): void;
}

/** What a configuration change checks and records. */
export interface ChangeOptions {
  /** CurrentApplicationVersionId, when given. */
  readonly version?: number | undefined;
  /** v2's ConditionalToken, when given. */
  readonly token?: string | undefined;
  /** Statuses the change is allowed in (default READY and RUNNING). */
  readonly allowed?: readonly ApplicationStatus[];
  /** The v2 operation name recorded for ListApplicationOperations. */
  readonly operation?: string;
  /** Only SQL applications (v1 API, SQL-only parts of v2). */
  readonly sqlOnly?: boolean;
  /** Only Flink/Zeppelin applications (snapshots, VPC configurations, maintenance). */
  readonly otherOnly?: boolean;
  /** v2 calls whose version id is optional need it or a ConditionalToken (InvalidArgumentException). */
  readonly needsGuard?: boolean;
}

const CONFIGURABLE: readonly ApplicationStatus[] = ['READY', 'RUNNING'];
const MAX_VERSIONS = 50;

/**
 * A v2 operation that exists for Apache Flink applications only (snapshots, versions, VPC configurations,
 * maintenance: each API reference says "supported only for Managed Service for Apache Flink").
 */
export function sqlUnsupported(name: string): ServiceError {
  return analyticsError(
    'UnsupportedOperationException',
    // TODO(#10): AWS's wording.
    `The operation is supported only for Apache Flink applications; ${name} is a SQL-1_0 application.`,
  );
}

/** A v2 OperationId. */
export function newOperationId(): string {
  return randomBytes(12).toString('base64url');
}

/** The service's shared state (see this file's header). */
export class AnalyticsRuntime {
  readonly catalog: ApplicationCatalog;
  readonly settings: AnalyticsSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly streams: StreamsApi | undefined;
  /** Firehose's module: its incoming-records seam (Firehose inputs, DiscoverInputSchema). */
  readonly firehose: FirehoseService | undefined;
  readonly objects: ObjectReader;
  readonly #scheduler: Scheduler;
  /**
   * Resolves once the running applications reflect every change so far (runner.ts): a change that returns has
   * stopped the worker of the old version, so records written afterwards meet the new configuration.
   */
  settle: () => Promise<void> = async () => {};

  constructor(parts: {
    catalog: ApplicationCatalog;
    settings: AnalyticsSettings;
    clock: Clock;
    logger: Logger;
    scheduler: Scheduler;
    streams: StreamsApi | undefined;
    firehose?: FirehoseService | undefined;
    objects: ObjectReader;
  }) {
    this.streams = parts.streams;
    this.firehose = parts.firehose;
    this.objects = parts.objects;
    this.catalog = parts.catalog;
    this.settings = parts.settings;
    this.clock = parts.clock;
    this.logger = parts.logger;
    this.#scheduler = parts.scheduler;
  }

  now(): number {
    return this.clock.now();
  }

  arn(ctx: Pick<RequestContext, 'region' | 'accountId'>, name: string): string {
    return `arn:aws:kinesisanalytics:${ctx.region}:${ctx.accountId}:application/${name}`;
  }

  /** The application, or ResourceNotFoundException. */
  require(ctx: Pick<RequestContext, 'region' | 'accountId'>, name: string): ApplicationState {
    const app = this.catalog.get(ctx.accountId, ctx.region, name);
    if (!app) throw applicationNotFound(name, ctx.accountId);
    return app;
  }

  /** The v1 API knows SQL applications only. */
  requireSql(ctx: Pick<RequestContext, 'region' | 'accountId'>, name: string): ApplicationState {
    const app = this.require(ctx, name);
    if (app.runtime !== 'SQL-1_0') throw managedByV2(name);
    return app;
  }

  /**
   * A configuration change (rules 3 and 5): checks status and version before and again inside the mutator (an
   * interleaved change is caught), applies `mutate`, bumps the version, records the operation, and moves a
   * RUNNING application through UPDATING.
   */
  async change(
    ctx: Pick<RequestContext, 'region' | 'accountId'>,
    name: string,
    options: ChangeOptions,
    mutate: (draft: ApplicationDraft) => void,
  ): Promise<{ app: ApplicationState; operationId: string }> {
    const current = this.require(ctx, name);
    const allowed = options.allowed ?? CONFIGURABLE;
    const operationId = newOperationId();
    if (options.needsGuard && options.version === undefined && options.token === undefined)
      throw analyticsError(
        'InvalidArgumentException',
        // TODO(#10): AWS's wording; the rule is from the v2 API references ("provide the CurrentApplicationVersionId or the ConditionalToken").
        'Either CurrentApplicationVersionId or ConditionalToken must be specified.',
      );
    const check = (app: ApplicationState | ApplicationDraft): void => {
      if (options.otherOnly && app.runtime === 'SQL-1_0') throw sqlUnsupported(name);
      if (options.sqlOnly && app.runtime !== 'SQL-1_0')
        throw analyticsError(
          'UnsupportedOperationException',
          // TODO(#10): AWS's wording.
          `The operation is supported only for SQL applications (RuntimeEnvironment SQL-1_0); ${name} runs ${app.runtime}.`,
        );
      if (options.version !== undefined && options.version !== app.versionId)
        throw versionMismatch(name, options.version, app.versionId);
      if (options.token !== undefined && options.token !== conditionalToken(app as ApplicationState))
        // TODO(#10): AWS's wording.
        throw analyticsError('ConcurrentModificationException', `The ConditionalToken of ${name} is not current.`);
      if (!allowed.includes(app.status)) throw wrongStatus(name, app.status, allowed);
    };
    check(current);
    const now = this.now();
    const delay = this.settings.transitionMs;
    const app = await this.catalog.update(current.id, (d) => {
      check(d);
      const from = d.versionId;
      if (d.runtime !== 'SQL-1_0') {
        // Flink/Zeppelin versions are kept for ListApplicationVersions and RollbackApplication.
        d.history ??= [];
        d.history.push({
          versionId: from,
          status: d.status,
          runtime: d.runtime,
          ...(d.other ? { other: d.other } : {}),
          createdAt: d.updatedAt ?? d.createdAt,
        });
        if (d.history.length > MAX_VERSIONS) d.history.splice(0, d.history.length - MAX_VERSIONS);
        delete d.rolledBack;
      }
      mutate(d);
      d.versionId = from + 1;
      d.updatedAt = now;
      const running = d.status === 'RUNNING';
      if (running && delay > 0) {
        d.status = 'UPDATING';
        d.transition = { at: now + delay, to: 'RUNNING', operationId };
      }
      recordOperation(d, {
        id: operationId,
        operation: options.operation ?? 'UpdateApplication',
        startedAt: now,
        ...(running && delay > 0 ? {} : { endedAt: now }),
        status: running && delay > 0 ? 'IN_PROGRESS' : 'SUCCESSFUL',
        fromVersion: from,
        toVersion: from + 1,
      });
    });
    if (app.transition) await this.schedule(app);
    await this.settle();
    return { app, operationId };
  }

  /**
   * Moves an application to a transitional status that ends in `to` after the configured delay (or to `to` at
   * once when the delay is 0), recording the operation.
   */
  async transition(
    app: ApplicationState,
    check: (d: ApplicationDraft) => void,
    via: ApplicationStatus,
    to: ApplicationStatus | 'GONE',
    operation: string,
    edit?: (d: ApplicationDraft) => void,
  ): Promise<{ app: ApplicationState; operationId: string }> {
    const now = this.now();
    const delay = this.settings.transitionMs;
    const operationId = newOperationId();
    if (delay <= 0 && to === 'GONE') {
      await this.catalog.update(app.id, (d) => {
        check(d);
        return false;
      });
      await this.catalog.remove(app.id);
      await this.settle();
      return { app, operationId };
    }
    const next = await this.catalog.update(app.id, (d) => {
      check(d);
      edit?.(d);
      const immediate = delay <= 0;
      d.status = immediate ? (to as ApplicationStatus) : via;
      if (immediate) delete d.transition;
      else d.transition = { at: now + Math.max(0, delay), to, operationId };
      recordOperation(d, {
        id: operationId,
        operation,
        startedAt: now,
        ...(immediate ? { endedAt: now } : {}),
        status: immediate ? 'SUCCESSFUL' : 'IN_PROGRESS',
      });
    });
    if (next.transition) await this.schedule(next);
    await this.settle();
    return { app: next, operationId };
  }

  /** Arms the end of a transitional status. */
  schedule(app: ApplicationState): Promise<void> {
    return this.#scheduler.at(STATUS_TIMER, app.id, app.transition?.at ?? this.now());
  }

  /** The timer handler: ends the transitional status (GONE removes the application). */
  async completeTransition(id: string): Promise<void> {
    const app = this.catalog.getById(id);
    if (!app?.transition) return;
    if (app.transition.to === 'GONE') {
      await this.catalog.remove(id);
      return;
    }
    const now = this.now();
    await this.catalog.update(id, (d) => {
      if (!d.transition || d.transition.to === 'GONE') return false;
      const opId = d.transition.operationId;
      d.status = d.transition.to;
      delete d.transition;
      const op = d.operations.find((o) => o.id === opId);
      if (op) {
        op.status = 'SUCCESSFUL';
        op.endedAt = now;
      }
    });
    await this.settle();
  }
}
