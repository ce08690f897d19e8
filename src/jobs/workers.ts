/**
 * The worker host: long-running loops (a delivery stream, an application) supervised in one place.
 *
 * For each worker, until it is removed or the host closes:
 * 1. Acquire the lease named after the worker (`Leases.acquire(name, holder, ttl)`). When another holder has it,
 *    wait in `standby` and try again later: on a cluster, each worker runs on exactly one node.
 * 2. Run it with an `AbortSignal`, renewing the lease every `renewEveryMs`. A renewal that fails with
 *    `TRIB_ERR_LEASE_LOST` (or any failure once the lease has run out) aborts the signal; the worker goes back
 *    to step 1.
 * 3. A run that rejects, or resolves while nobody asked it to stop, is a failure: the lease is released and the
 *    worker restarts after an exponential backoff with jitter (`backoff` state). A run that lasted longer than the
 *    largest backoff resets the backoff.
 * 4. `remove(name)` and `close()` abort the signal and wait for the run to end, then release the lease.
 *
 * A worker must end its run soon after its signal aborts; the host cannot stop it otherwise.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { TribError, TribErrorCode, hasTribCode } from '../errors/index.js';
import type { Logger, Worker } from '../protocol/index.js';
import type { Lease, Leases } from '../storage/index.js';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';

/** Where a worker stands. */
export type WorkerState =
  /** Acquiring its lease. */
  | 'starting'
  /** Another holder has the lease; retried later. */
  | 'standby'
  /** Its run is under way. */
  | 'running'
  /** Waiting to restart after a failure. */
  | 'backoff'
  /** Not started yet, removed, or the host closed. */
  | 'stopped';

/** One worker in {@link WorkerHost.status}. */
export interface WorkerStatus {
  readonly name: string;
  readonly state: WorkerState;
  /** Restarts after failures so far. */
  readonly restarts: number;
  /** Message of the last failure, if any. */
  readonly lastError?: string;
}

/** Options of {@link WorkerHost}. */
export interface WorkerHostOptions {
  /** Where the workers' leases are taken. */
  readonly leases: Leases;
  /** This host's lease holder id. Default `<hostname>/<pid>/<random>`. */
  readonly holder: string;
  /** Default: {@link systemClock}. */
  readonly clock: Clock;
  /** Default: drops everything. */
  readonly logger: Logger;
  /** Lease time to live, ms. Default 30,000. */
  readonly leaseTtlMs: number;
  /** How often a held lease is renewed, ms. Default a third of `leaseTtlMs`. */
  readonly renewEveryMs: number;
  /** How long a worker waits before asking again for a lease another holder has, ms. Default `leaseTtlMs`. */
  readonly standbyMs: number;
  /** Restart delays after failures. Default {@link DEFAULT_BACKOFF}. */
  readonly backoff: Partial<BackoffOptions>;
}

interface WorkerSlot {
  readonly worker: Worker;
  state: WorkerState;
  restarts: number;
  lastError?: string;
  stopping: boolean;
  controller?: AbortController;
  /** Ends the current wait (lease retry or backoff) early. */
  wake?: () => void;
  loop?: Promise<void>;
}

const noop = (): void => {};
const silent: Logger = { debug: noop, info: noop, warn: noop, error: noop, child: () => silent, isDebugEnabled: false };
const NAME = /^[A-Za-z0-9._/-]{1,200}$/;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Supervises workers: leases, restarts with backoff, abort on close (see this file's header). */
export class WorkerHost {
  readonly #leases: Leases;
  readonly #holder: string;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #ttlMs: number;
  readonly #renewMs: number;
  readonly #standbyMs: number;
  readonly #backoff: BackoffOptions;
  readonly #slots = new Map<string, WorkerSlot>();
  #started = false;
  #closing: Promise<void> | undefined;

  constructor(options: Partial<WorkerHostOptions> & Pick<WorkerHostOptions, 'leases'>) {
    this.#leases = options.leases;
    this.#holder = options.holder ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silent;
    this.#ttlMs = options.leaseTtlMs ?? 30_000;
    this.#renewMs = options.renewEveryMs ?? Math.max(1, Math.floor(this.#ttlMs / 3));
    this.#standbyMs = options.standbyMs ?? this.#ttlMs;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  /** This host's lease holder id. */
  get holder(): string {
    return this.#holder;
  }

  /** Adds a worker; it starts now if the host has started, else with {@link start}. */
  add(worker: Worker): void {
    if (this.#closing) throw new TribError(TribErrorCode.JOBS_CLOSED, 'the worker host is closed');
    if (!NAME.test(worker.name))
      throw new TribError(TribErrorCode.JOBS_INVALID_ARGUMENT, `bad worker name ${worker.name}`);
    if (this.#slots.has(worker.name))
      throw new TribError(TribErrorCode.JOBS_INVALID_ARGUMENT, `worker ${worker.name} is already hosted`);
    const slot: WorkerSlot = { worker, state: 'stopped', restarts: 0, stopping: false };
    this.#slots.set(worker.name, slot);
    if (this.#started) slot.loop = this.#supervise(slot);
  }

  /** Stops a worker (aborts its signal, waits for its run to end, releases its lease) and forgets it. */
  async remove(name: string): Promise<void> {
    const slot = this.#slots.get(name);
    if (!slot) return;
    this.#slots.delete(name);
    await this.#stop(slot);
  }

  /** Starts every worker added so far (and those added later). Called once the server listens. Idempotent. */
  start(): void {
    if (this.#closing) throw new TribError(TribErrorCode.JOBS_CLOSED, 'the worker host is closed');
    if (this.#started) return;
    this.#started = true;
    for (const slot of this.#slots.values()) slot.loop = this.#supervise(slot);
  }

  /** A snapshot of every worker, for diagnostics and metrics. */
  status(): WorkerStatus[] {
    return [...this.#slots.values()].map((s) => ({
      name: s.worker.name,
      state: s.state,
      restarts: s.restarts,
      ...(s.lastError === undefined ? {} : { lastError: s.lastError }),
    }));
  }

  /** Aborts every worker and waits for them; their leases are released. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([...this.#slots.values()].map((slot) => this.#stop(slot)));
    })();
    return this.#closing;
  }

  async #stop(slot: WorkerSlot): Promise<void> {
    slot.stopping = true;
    slot.controller?.abort(new TribError(TribErrorCode.JOBS_CLOSED, `worker ${slot.worker.name} is stopping`));
    slot.wake?.();
    await slot.loop;
    slot.state = 'stopped';
  }

  /** Steps 1–4 of this file's header, until the worker is stopped. */
  async #supervise(slot: WorkerSlot): Promise<void> {
    const { name } = slot.worker;
    let failures = 0;
    while (!slot.stopping) {
      slot.state = 'starting';
      let lease: Lease | undefined;
      try {
        lease = await this.#leases.acquire(name, this.#holder, this.#ttlMs);
      } catch (err) {
        this.#logger.warn({ err, worker: name }, 'worker lease could not be acquired');
      }
      if (slot.stopping) {
        await lease?.release().catch(noop);
        break;
      }
      if (!lease) {
        slot.state = 'standby';
        await this.#sleep(slot, this.#standbyMs);
        continue;
      }
      const outcome = await this.#runOnce(slot, lease);
      if (outcome.kind === 'stopped' || slot.stopping) break;
      if (outcome.kind === 'lease-lost') {
        this.#logger.warn({ worker: name }, 'worker lost its lease; stopped');
        slot.state = 'standby';
        await this.#sleep(slot, this.#standbyMs);
        continue;
      }
      // Step 3.
      failures = outcome.ranMs >= this.#backoff.maxMs ? 1 : failures + 1;
      slot.restarts++;
      slot.lastError = message(outcome.error);
      const delay = backoffDelay(failures, this.#backoff);
      this.#logger.error({ err: outcome.error, worker: name, restartInMs: delay }, 'worker failed; restarting');
      slot.state = 'backoff';
      await this.#sleep(slot, delay);
    }
    slot.state = 'stopped';
  }

  /** Step 2: one run under a held lease, with renewals; the lease is released unless it was lost. */
  async #runOnce(
    slot: WorkerSlot,
    lease: Lease,
  ): Promise<{ kind: 'stopped' } | { kind: 'lease-lost' } | { kind: 'failed'; error: unknown; ranMs: number }> {
    const { name } = slot.worker;
    const controller = new AbortController();
    slot.controller = controller;
    let lost = false;
    let validUntil = this.#clock.now() + this.#ttlMs;
    let renewal: TimerHandle | undefined;
    let renewing: Promise<void> | undefined;
    let done = false;
    const scheduleRenewal = (): void => {
      if (done) return;
      renewal = this.#clock.setTimeout(() => {
        renewal = undefined;
        renewing = lease.renew().then(
          () => {
            validUntil = this.#clock.now() + this.#ttlMs;
          },
          (err: unknown) => {
            if (hasTribCode(err, TribErrorCode.LEASE_LOST) || this.#clock.now() >= validUntil) {
              lost = true;
              controller.abort(
                hasTribCode(err, TribErrorCode.LEASE_LOST)
                  ? err
                  : new TribError(TribErrorCode.LEASE_LOST, `lease of worker ${name} ran out`, { cause: err }),
              );
            } else {
              this.#logger.warn({ err, worker: name }, 'worker lease renewal failed; retrying');
            }
          },
        );
        void renewing.then(() => {
          if (!lost && !controller.signal.aborted) scheduleRenewal();
        });
      }, this.#renewMs);
    };
    scheduleRenewal();
    slot.state = 'running';
    const startedAt = this.#clock.now();
    let error: unknown;
    try {
      await slot.worker.run(controller.signal, { fencingToken: lease.fencingToken });
      if (!slot.stopping && !lost) error = new Error(`worker ${name} returned while not stopping`);
    } catch (err) {
      error = err;
    }
    done = true;
    if (renewal !== undefined) this.#clock.clearTimeout(renewal);
    await renewing;
    slot.controller = undefined;
    if (!lost) {
      await lease.release().catch((err: unknown) => this.#logger.warn({ err, worker: name }, 'lease release failed'));
    }
    if (slot.stopping) return { kind: 'stopped' };
    if (lost) return { kind: 'lease-lost' };
    return { kind: 'failed', error, ranMs: this.#clock.now() - startedAt };
  }

  /** Waits `ms` on the clock, or less when the worker is stopped. */
  #sleep(slot: WorkerSlot, ms: number): Promise<void> {
    if (slot.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const handle = this.#clock.setTimeout(() => {
        slot.wake = undefined;
        resolve();
      }, ms);
      slot.wake = () => {
        this.#clock.clearTimeout(handle);
        slot.wake = undefined;
        resolve();
      };
    });
  }
}
