/**
 * The scheduler: the one place that arms timers for the server's timed work.
 *
 * Two kinds of work:
 * - **Persisted one-off timers** (`at`): a `{kind, key, dueAt, payload}` entry is written to the
 *   {@link MetaStore} under `jobs/timers/<kind>/<key>` before `at` resolves, and the handler registered for
 *   the kind runs at `dueAt`. One entry per kind + key: a new `at` replaces the old one. The entry is deleted
 *   only after its handler succeeded; a failing handler is logged and retried with backoff. `start()` loads the
 *   persisted entries, so a timer due while the server was down runs at once. Handlers must therefore be
 *   idempotent (a crash between the handler's own writes and the entry's deletion runs it again).
 * - **Repeating jobs** (`every`): run every `intervalMs` after the previous run ended, so runs of one job never
 *   overlap; failures are logged and the job keeps its rhythm. Given a {@link WorkerHost} (on a cluster, ADR 0042),
 *   each job runs on one node only: it is a worker named `jobs/<name>` whose lease the host takes, renews and hands
 *   over, so the node holding the lease runs the job and a survivor takes it over when that node dies (within the
 *   host's lease ttl plus one standby interval). A run gets the lease's fencing token ({@link JobRun}), which the
 *   job's metadata writes carry (`fencedPut`) so that a holder paused past its lease cannot overwrite its
 *   successor's. Without a host (one node) every job runs here.
 *
 * Handlers of one kind + key never overlap either: a timer replaced while its handler runs fires after that run.
 * A timer fires when its clock timer does; the handler is not asked to re-check the time.
 *
 * On a cluster (ADR 0036) the node that sets a timer runs it. The other nodes hear of it through the metadata
 * change feed and arm it `takeoverMs` after it is due: normally its node has run it and deleted the entry by then
 * (the deletion reaches them through the feed too and disarms it), so the work runs once; if that node died, a
 * surviving node runs it. A node that starts arms every stored timer (it cannot tell whose it is), which is why
 * handlers must be idempotent.
 */
import { TribError, TribErrorCode } from '../errors/index.js';
import type { Logger } from '../protocol/index.js';
import type { MetaStore } from '../storage/index.js';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff.js';
import { MAX_TIMER_MS, systemClock, type Clock, type TimerHandle } from './clock.js';
import type { WorkerHost } from './workers.js';

/** A persisted one-off timer. `payload` is JSON-serialisable (after a restart the handler gets the stored copy). */
export interface TimerEntry<P = unknown> {
  readonly kind: string;
  readonly key: string;
  /** Epoch ms of the scheduler's clock. */
  readonly dueAt: number;
  readonly payload: P;
}

/** Runs a due timer of one kind. Resolving deletes the entry; rejecting retries it later. */
export type TimerHandler<P = unknown> = (timer: TimerEntry<P>) => Promise<void> | void;

/**
 * One run of a repeating job. `fencingToken` is the token of the job's lease when the job runs under one (a
 * scheduler with a {@link WorkerHost}); undefined on one node, where nobody else runs the job.
 */
export interface JobRun {
  readonly fencingToken?: number;
}

/** The body of a repeating job. */
export type JobFunction = (run: JobRun) => Promise<void> | void;

/** Options of {@link Scheduler.every}. */
export interface RepeatingJobOptions {
  /**
   * Runs the job on every node, on this node's timer, even under a worker host: for work about this node itself
   * (publishing the writes it served, ADR 0047), which no other node can do for it. Its runs get no fencing token.
   */
  readonly everyNode?: boolean;
}

/** A repeating job registered with {@link Scheduler.every}. */
export interface RepeatingJob {
  readonly name: string;
  /**
   * Whether this node runs the job now: always without a worker host; with one, while this node holds the job's
   * lease. Work the job also starts outside its timer (an evaluation on an append) checks it first.
   */
  readonly runsHere: boolean;
  /** The lease's fencing token while this node holds it (undefined without a worker host or when not held). */
  readonly fencingToken: number | undefined;
  /** Stops the job and waits for a run under way. Idempotent. */
  cancel(): Promise<void>;
}

/** Where a timer stands. */
export type TimerState =
  /** Registered before `start()`; armed when the scheduler starts. */
  | 'pending'
  /** Waiting for its due time (or for the next retry after a failure, then `attempts > 0`). */
  | 'armed'
  /** Its handler runs now. */
  | 'running'
  /** Due, but no handler is registered for its kind; runs once one is. */
  | 'unhandled';

/** One timer in a {@link SchedulerSnapshot}. */
export interface ScheduledTimer {
  readonly kind: string;
  readonly key: string;
  readonly dueAt: number;
  readonly state: TimerState;
  /** Failed runs so far. */
  readonly attempts: number;
}

/** One repeating job in a {@link SchedulerSnapshot}. */
export interface ScheduledJob {
  readonly name: string;
  readonly intervalMs: number;
  readonly running: boolean;
}

/** What the scheduler holds now: empty after `close()`. */
export interface SchedulerSnapshot {
  readonly timers: ScheduledTimer[];
  readonly jobs: ScheduledJob[];
}

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** Where timers are persisted. */
  readonly meta: MetaStore;
  /** Default: {@link systemClock}. */
  readonly clock: Clock;
  /** Default: drops everything. */
  readonly logger: Logger;
  /** Delays between retries of a failing timer handler. Default {@link DEFAULT_BACKOFF}. */
  readonly retry: Partial<BackoffOptions>;
  /** Key prefix of the persisted timers. Default `jobs/timers/`. */
  readonly prefix: string;
  /** How long after its due time another node's timer runs here if its node has not run it. Default 10 s. */
  readonly takeoverMs: number;
  /**
   * Runs each repeating job as a leased worker of this host (`jobs/<name>`), so that on a cluster one node runs it
   * (ADR 0042). Default: none, every job runs on this node.
   */
  readonly workers: WorkerHost;
}

/** Worker (and lease) name prefix of the repeating jobs run through a worker host. */
export const JOB_WORKER_PREFIX = 'jobs/';

/** Default key prefix of persisted timers. */
export const TIMER_KEY_PREFIX = 'jobs/timers/';
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

interface TimerSlot {
  readonly id: string;
  readonly entry: TimerEntry;
  state: TimerState;
  attempts: number;
  /** Replaced by a newer `at` or cancelled: its run must not delete the stored entry. */
  superseded?: boolean;
  /** Set by another node (heard through the change feed): armed `takeoverMs` after it is due. */
  remote?: boolean;
  handle?: TimerHandle;
}

interface JobSlot {
  readonly name: string;
  readonly intervalMs: number;
  readonly fn: JobFunction;
  cancelled: boolean;
  /** Runs on this node's timer even under a worker host ({@link RepeatingJobOptions.everyNode}). */
  readonly local: boolean;
  handle?: TimerHandle;
  running?: Promise<void>;
  /** Under a worker host: the run of the job's worker holds the lease (its token), else undefined. */
  holding?: JobRun;
  /** Under a worker host: ends the wait between runs early (the worker stops). */
  wake?: () => void;
}

const noop = (): void => {};
const silent: Logger = { debug: noop, info: noop, warn: noop, error: noop, child: () => silent, isDebugEnabled: false };

function invalid(message: string): TribError {
  return new TribError(TribErrorCode.JOBS_INVALID_ARGUMENT, message);
}

function isEntry(value: unknown): value is TimerEntry {
  const v = value as Partial<TimerEntry> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.kind === 'string' &&
    typeof v.key === 'string' &&
    typeof v.dueAt === 'number'
  );
}

/** Persisted timers and repeating jobs on an injected clock (see this file's header). */
export class Scheduler {
  readonly #meta: MetaStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #retry: BackoffOptions;
  readonly #prefix: string;
  readonly #takeoverMs: number;
  readonly #workers: WorkerHost | undefined;
  #unwatch: (() => void) | undefined;
  readonly #handlers = new Map<string, TimerHandler>();
  readonly #timers = new Map<string, TimerSlot>();
  readonly #jobs = new Map<string, JobSlot>();
  /** Handler runs by timer id (one at a time per id). */
  readonly #active = new Map<string, Promise<void>>();
  /** Ids given to `at`/`cancel` while `start()` loads: the load must not bring back an older entry. */
  readonly #touched = new Set<string>();
  /** Serialises this scheduler's metadata writes so the store sees them in call order. */
  #writes: Promise<void> = Promise.resolve();
  #starting: Promise<void> | undefined;
  #started = false;
  #closing: Promise<void> | undefined;

  constructor(options: Partial<SchedulerOptions> & Pick<SchedulerOptions, 'meta'>) {
    this.#meta = options.meta;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silent;
    this.#retry = { ...DEFAULT_BACKOFF, ...options.retry };
    this.#prefix = options.prefix ?? TIMER_KEY_PREFIX;
    this.#takeoverMs = options.takeoverMs ?? 10_000;
    this.#workers = options.workers;
  }

  /** The scheduler's clock (epoch ms). */
  now(): number {
    return this.#clock.now();
  }

  /**
   * Registers the handler of a timer kind (one per kind). Due timers of that kind waiting for a handler run now.
   * Resolves to a function that unregisters it and waits for its runs under way.
   */
  handle<P = unknown>(kind: string, handler: TimerHandler<P>): () => Promise<void> {
    this.#assertOpen();
    if (!NAME.test(kind)) throw invalid(`timer kind must match ${NAME}: ${kind}`);
    if (this.#handlers.has(kind)) throw invalid(`timer kind ${kind} already has a handler`);
    const h = handler as TimerHandler;
    this.#handlers.set(kind, h);
    if (this.#started) {
      for (const slot of this.#timers.values())
        if (slot.entry.kind === kind && slot.state === 'unhandled') this.#arm(slot, this.#clock.now());
    }
    return async () => {
      if (this.#handlers.get(kind) === h) this.#handlers.delete(kind);
      const prefix = this.#id(kind, '');
      await Promise.allSettled([...this.#active].filter(([id]) => id.startsWith(prefix)).map(([, run]) => run));
    };
  }

  /**
   * Persists a timer and runs its kind's handler at `dueAt` (at once if past), replacing the timer of the same
   * kind and key. Resolves once the entry is durable.
   */
  async at<P = unknown>(kind: string, key: string, dueAt: number, payload?: P): Promise<void> {
    this.#assertOpen();
    if (!NAME.test(kind)) throw invalid(`timer kind must match ${NAME}: ${kind}`);
    if (!Number.isFinite(dueAt)) throw invalid(`timer ${kind}/${key}: dueAt must be a finite number`);
    const id = this.#id(kind, key);
    const entry: TimerEntry = { kind, key, dueAt, payload: payload ?? null };
    const slot: TimerSlot = { id, entry, state: 'pending', attempts: 0 };
    const old = this.#timers.get(id);
    if (old) {
      this.#disarm(old);
      old.superseded = true;
    }
    this.#timers.set(id, slot);
    if (!this.#started) this.#touched.add(id);
    else this.#arm(slot, dueAt);
    try {
      await this.#write(id, entry);
    } catch (err) {
      if (this.#timers.get(id) === slot) {
        this.#disarm(slot);
        this.#timers.delete(id);
      }
      throw err;
    }
  }

  /** Drops a timer (in memory and persisted). Resolves with whether one was scheduled. */
  async cancel(kind: string, key: string): Promise<boolean> {
    this.#assertOpen();
    const id = this.#id(kind, key);
    const slot = this.#timers.get(id);
    if (slot) {
      this.#disarm(slot);
      slot.superseded = true;
      this.#timers.delete(id);
    }
    // Once started, every stored timer is in memory: nothing to delete when none was found.
    if (!slot && this.#started) return false;
    if (!this.#started) this.#touched.add(id);
    await this.#write(id, undefined);
    return slot !== undefined;
  }

  /**
   * Runs `fn` every `intervalMs`, counted from the end of the previous run (runs never overlap). Errors are
   * logged. Names are unique per scheduler.
   */
  every(name: string, intervalMs: number, fn: JobFunction, options: RepeatingJobOptions = {}): RepeatingJob {
    this.#assertOpen();
    if (!NAME.test(name)) throw invalid(`job name must match ${NAME}: ${name}`);
    if (this.#jobs.has(name)) throw invalid(`job ${name} is already scheduled`);
    if (!(intervalMs > 0)) throw invalid(`job ${name}: interval must be positive, got ${intervalMs}`);
    const job: JobSlot = { name, intervalMs, fn, cancelled: false, local: options.everyNode === true };
    this.#jobs.set(name, job);
    const workers = job.local ? undefined : this.#workers;
    if (workers)
      workers.add({ name: JOB_WORKER_PREFIX + name, run: (signal, tenure) => this.#leasedJob(job, signal, tenure) });
    else if (this.#started) this.#armJob(job);
    return {
      name,
      get runsHere() {
        return workers === undefined || job.holding !== undefined;
      },
      get fencingToken() {
        return job.holding?.fencingToken;
      },
      cancel: async () => {
        job.cancelled = true;
        this.#disarmJob(job);
        job.wake?.();
        if (this.#jobs.get(name) === job) this.#jobs.delete(name);
        await workers?.remove(JOB_WORKER_PREFIX + name);
        await job.running;
      },
    };
  }

  /**
   * Loads the persisted timers and arms everything registered. Timers registered by `at` meanwhile take
   * precedence over stored ones. Idempotent.
   */
  start(): Promise<void> {
    this.#assertOpen();
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /** What is scheduled now. */
  pending(): SchedulerSnapshot {
    return {
      timers: [...this.#timers.values()].map((s) => ({
        kind: s.entry.kind,
        key: s.entry.key,
        dueAt: s.entry.dueAt,
        state: s.state,
        attempts: s.attempts,
      })),
      jobs: [...this.#jobs.values()].map((j) => ({
        name: j.name,
        intervalMs: j.intervalMs,
        running: j.running !== undefined,
      })),
    };
  }

  /** Resolves when no handler or job runs and every write issued so far is done (tests use it after moving time). */
  async idle(): Promise<void> {
    for (;;) {
      const runs = [...this.#active.values(), ...[...this.#jobs.values()].flatMap((j) => j.running ?? [])];
      if (runs.length === 0) break;
      await Promise.allSettled(runs);
    }
    await this.#writes;
  }

  /**
   * Disarms every timer and job, waits for runs under way and pending writes. Persisted timers stay stored
   * (they resume at the next start); afterwards {@link pending} is empty and every call but `close` rejects.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#unwatch?.();
      await this.#starting?.catch(() => {});
      for (const slot of this.#timers.values()) this.#disarm(slot);
      this.#timers.clear();
      for (const job of this.#jobs.values()) {
        job.cancelled = true;
        this.#disarmJob(job);
        job.wake?.();
      }
      const runs = [...this.#active.values(), ...[...this.#jobs.values()].flatMap((j) => j.running ?? [])];
      const leased = this.#workers ? [...this.#jobs.values()].filter((j) => !j.local).map((j) => j.name) : [];
      this.#jobs.clear();
      await Promise.allSettled([...runs, ...leased.map((name) => this.#workers?.remove(JOB_WORKER_PREFIX + name))]);
      await this.#writes;
    })();
    return this.#closing;
  }

  async #start(): Promise<void> {
    // Subscribed before loading: no timer another node sets falls between the load and the feed.
    this.#unwatch = this.#meta.watchRemote(this.#prefix, (change) => this.#remote(change.key, change.value));
    for (const [id, value] of await this.#meta.list(this.#prefix)) {
      if (this.#touched.has(id) || this.#timers.has(id)) continue;
      if (!isEntry(value) || this.#id(value.kind, value.key) !== id) {
        this.#logger.warn({ key: id }, 'ignoring a malformed persisted timer');
        continue;
      }
      this.#timers.set(id, { id, entry: value, state: 'pending', attempts: 0 });
    }
    this.#touched.clear();
    if (this.#closing) return;
    this.#started = true;
    for (const slot of this.#timers.values()) if (slot.state === 'pending') this.#arm(slot, this.#dueHere(slot));
    for (const job of this.#jobs.values())
      if ((!this.#workers || job.local) && !job.handle && !job.running) this.#armJob(job);
  }

  /** When a timer runs on this node: at its due time, or `takeoverMs` later when another node set it. */
  #dueHere(slot: TimerSlot): number {
    return slot.remote ? slot.entry.dueAt + this.#takeoverMs : slot.entry.dueAt;
  }

  /** A timer another node set (`value`) or finished or cancelled (undefined): see the file header. */
  #remote(id: string, value: unknown): void {
    if (this.#closing) return;
    const existing = this.#timers.get(id);
    if (existing) {
      this.#disarm(existing);
      existing.superseded = true;
      this.#timers.delete(id);
    }
    if (value === undefined) return;
    if (!isEntry(value) || this.#id(value.kind, value.key) !== id) return;
    const slot: TimerSlot = { id, entry: value, state: 'pending', attempts: 0, remote: true };
    this.#timers.set(id, slot);
    if (this.#started) this.#arm(slot, this.#dueHere(slot));
  }

  #assertOpen(): void {
    if (this.#closing) throw new TribError(TribErrorCode.JOBS_CLOSED, 'the scheduler is closed');
  }

  #id(kind: string, key: string): string {
    return `${this.#prefix}${kind}/${encodeURIComponent(key)}`;
  }

  #write(id: string, value: TimerEntry | undefined): Promise<void> {
    const write = this.#writes.then(() =>
      value === undefined ? this.#meta.delete(id) : this.#meta.put(id, value).then(() => {}),
    );
    this.#writes = write.catch(() => {});
    return write;
  }

  /** Arms a timer for `at`; waits beyond Node's timer range are armed in steps. */
  #arm(slot: TimerSlot, at: number): void {
    this.#disarm(slot);
    slot.state = 'armed';
    const wait = Math.max(0, at - this.#clock.now());
    slot.handle =
      wait > MAX_TIMER_MS
        ? this.#clock.setTimeout(() => this.#arm(slot, at), MAX_TIMER_MS)
        : this.#clock.setTimeout(() => this.#fire(slot), wait);
  }

  #disarm(slot: TimerSlot): void {
    if (slot.handle !== undefined) this.#clock.clearTimeout(slot.handle);
    slot.handle = undefined;
  }

  #fire(slot: TimerSlot): void {
    slot.handle = undefined;
    if (this.#closing || this.#timers.get(slot.id) !== slot) return;
    const previous = this.#active.get(slot.id);
    const run = (async () => {
      if (previous) await previous;
      if (this.#closing || this.#timers.get(slot.id) !== slot) return;
      const handler = this.#handlers.get(slot.entry.kind);
      if (!handler) {
        slot.state = 'unhandled';
        return;
      }
      slot.state = 'running';
      try {
        await handler(slot.entry);
      } catch (err) {
        slot.attempts++;
        const delay = backoffDelay(slot.attempts, this.#retry);
        this.#logger.error(
          { err, kind: slot.entry.kind, key: slot.entry.key, attempts: slot.attempts, retryInMs: delay },
          'timer handler failed',
        );
        if (!this.#closing && this.#timers.get(slot.id) === slot) this.#arm(slot, this.#clock.now() + delay);
        return;
      }
      // Replaced or cancelled meanwhile: the stored entry is the newer one (or gone). Closing keeps the deletion.
      if (slot.superseded) return;
      if (this.#timers.get(slot.id) === slot) this.#timers.delete(slot.id);
      await this.#write(slot.id, undefined).catch((err: unknown) =>
        this.#logger.error({ err, kind: slot.entry.kind, key: slot.entry.key }, 'could not delete a finished timer'),
      );
    })();
    this.#active.set(slot.id, run);
    void run.finally(() => {
      if (this.#active.get(slot.id) === run) this.#active.delete(slot.id);
    });
  }

  #armJob(job: JobSlot): void {
    this.#disarmJob(job);
    job.handle = this.#clock.setTimeout(() => this.#runJob(job), job.intervalMs);
  }

  #disarmJob(job: JobSlot): void {
    if (job.handle !== undefined) this.#clock.clearTimeout(job.handle);
    job.handle = undefined;
  }

  #runJob(job: JobSlot): void {
    job.handle = undefined;
    if (job.cancelled || this.#closing) return;
    job.running = this.#runJobOnce(job, {}).finally(() => {
      job.running = undefined;
      if (!job.cancelled && !this.#closing) this.#armJob(job);
    });
  }

  async #runJobOnce(job: JobSlot, run: JobRun): Promise<void> {
    try {
      await job.fn(run);
    } catch (err) {
      this.#logger.error({ err, job: job.name }, 'repeating job failed');
    }
  }

  /**
   * The worker of a job under a worker host: while its run holds the lease, runs the job every `intervalMs` (from
   * the end of the previous run) with the lease's token, until the host stops it (lease lost, removed, closing).
   */
  async #leasedJob(job: JobSlot, signal: AbortSignal, tenure: { readonly fencingToken: number }): Promise<void> {
    const holding: JobRun = { fencingToken: tenure.fencingToken };
    job.holding = holding;
    const stop = (): void => job.wake?.();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for (;;) {
        if (signal.aborted || job.cancelled || this.#closing) break;
        await new Promise<void>((resolve) => {
          job.handle = this.#clock.setTimeout(() => {
            job.handle = undefined;
            job.wake = undefined;
            resolve();
          }, job.intervalMs);
          job.wake = () => {
            this.#disarmJob(job);
            job.wake = undefined;
            resolve();
          };
        });
        if (signal.aborted || job.cancelled || this.#closing) break;
        job.running = this.#runJobOnce(job, holding);
        await job.running;
        job.running = undefined;
      }
    } finally {
      signal.removeEventListener('abort', stop);
      if (job.holding === holding) job.holding = undefined;
    }
    // Cancelled or closing while the host still runs it: wait for the host's stop (remove) so that the run does
    // not count as a failure.
    if (!signal.aborted)
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
}
