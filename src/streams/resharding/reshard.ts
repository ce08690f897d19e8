/**
 * Applies resharding plans to a live stream and runs the UPDATING period of SplitShard, MergeShards and
 * UpdateShardCount.
 *
 * When the shard map switches (AWS: "Read and write operations continue to work while the stream is in the
 * UPDATING state"; writes follow the children once the parent is closed, the parent stays readable):
 * the operation's UPDATING period ends, then the plan is applied in three steps, one stream at a time:
 * 1. Persist the outcome (parents closed, children added, status ACTIVE) before any write can reach a child,
 *    so a crash from here on restarts with the new map and no acknowledged record sits in an unknown log.
 * 2. Wait until writers already routed to a parent have handed their batch to its log, then add the children
 *    and stop routing to the parents: from this point every new write goes to a child.
 * 3. Wait for the parents' appends in flight to settle, then set their `closedAt` (EndingSequenceNumber).
 *    A reader that sees a closed parent therefore knows nothing more can land in it, and GetRecords /
 *    SubscribeToShard may answer ChildShards once it is drained: a consumer that finishes parents before
 *    children reads every record of a partition key exactly once and in order.
 */
import type { Scheduler } from '../../jobs/index.js';
import { StreamStatus, type PendingReshard, type StreamDraft, type StreamState } from '../catalog.js';
import { streamNotActive } from '../errors.js';
import type { AppendSignal } from '../policies.js';
import type { StreamsRuntime } from '../runtime.js';
import { mergePlan, splitPlan, uniformPlan, type PlanBase, type ReshardPlan } from './plan.js';

/** Writes the plan's outcome into a stream state (a draft of the catalogue's). */
function applyPlan(state: StreamDraft, plan: ReshardPlan, at: number): void {
  for (const index of plan.closes) {
    const shard = state.shards.find((s) => s.index === index);
    if (shard) shard.closedAt = at;
  }
  state.shards.push(...plan.creates);
  state.nextShardIndex += plan.creates.length;
}

/** Ends an UPDATING period: ACTIVE again, nothing pending. */
function finishUpdating(state: StreamDraft): void {
  state.status = StreamStatus.ACTIVE;
  if (state.resharding) delete state.resharding.pending;
}

/** Whether two pending operations are the same (states are copied on every change, so not by identity). */
function samePending(a: PendingReshard | undefined, b: PendingReshard): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The plan of a pending operation against the current shard map, or undefined when it no longer applies
 * (it was validated when requested; only a concurrent change such as on-demand scaling could void it).
 */
export function pendingPlan(base: PlanBase, pending: PendingReshard): ReshardPlan | undefined {
  const open = (index: number) => base.shards.find((s) => s.index === index && s.closedAt === undefined);
  switch (pending.kind) {
    case 'split': {
      const shard = open(pending.shardIndex);
      const key = BigInt(pending.newStartingHashKey);
      if (!shard || key <= BigInt(shard.startingHashKey) + 1n || key >= BigInt(shard.endingHashKey)) return undefined;
      return splitPlan(base, shard, key);
    }
    case 'merge': {
      const a = open(pending.shardIndex);
      const b = open(pending.adjacentShardIndex);
      if (!a || !b) return undefined;
      return mergePlan(base, a, b);
    }
    case 'scale':
      return uniformPlan(base, pending.targetShardCount);
  }
}

/** Options of {@link Resharder}. */
export interface ResharderOptions {
  /** Ends the UPDATING periods (timer kind {@link RESHARD_TIMER}, keyed by stream id). */
  readonly scheduler: Scheduler;
  /** Told (with 0 records) when parents close, so readers waiting on them hand over to the children. */
  readonly appends: AppendSignal;
}

/** Scheduler timer kind of the end of a pending resharding's UPDATING period. */
export const RESHARD_TIMER = 'streams.reshard';

/** Serialises and applies the resharding of each stream, and owns the timers of pending operations. */
export class Resharder {
  readonly #rt: StreamsRuntime;
  readonly #scheduler: Scheduler;
  readonly #unhandle: () => Promise<void>;
  readonly #appends: AppendSignal;
  /** Tail of each stream's queue of resharding work, by stream id. */
  readonly #queues = new Map<string, Promise<unknown>>();
  #closed = false;

  constructor(rt: StreamsRuntime, options: ResharderOptions) {
    this.#rt = rt;
    this.#scheduler = options.scheduler;
    this.#unhandle = options.scheduler.handle(RESHARD_TIMER, async (timer) => {
      if (this.#closed) return;
      const stream = this.#rt.catalog.getById(timer.key);
      const pending = stream?.resharding?.pending;
      if (stream && pending) await this.#complete(stream, pending);
    });
    this.#appends = options.appends;
  }

  /** Whether work on this stream is queued or running (on-demand scaling skips such streams). */
  busy(stream: StreamState): boolean {
    return this.#queues.has(stream.id) || stream.resharding?.pending !== undefined;
  }

  /**
   * Starts the UPDATING period of an operation validated by the caller; the plan is applied when it ends
   * (at once when the update delay is 0, before this resolves). `prepare` adds bookkeeping to the same write.
   * Throws ResourceInUseException when the stream is no longer ACTIVE.
   */
  async begin(stream: StreamState, operation: PendingReshard, prepare?: (draft: StreamDraft) => void): Promise<void> {
    const requireActive = (draft: StreamDraft): void => {
      if (draft.status !== StreamStatus.ACTIVE) throw streamNotActive(draft.name, draft.accountId, draft.status);
    };
    if (operation.at <= this.#rt.now()) {
      await this.apply(
        stream,
        (base, draft) => {
          requireActive(draft);
          return pendingPlan(base, operation);
        },
        (draft) => {
          prepare?.(draft);
          finishUpdating(draft);
        },
      );
      return;
    }
    const next = await this.#rt.catalog.update(stream, (draft) => {
      requireActive(draft);
      prepare?.(draft);
      draft.status = StreamStatus.UPDATING;
      (draft.resharding ??= {}).pending = operation;
    });
    await this.#arm(next, operation);
  }

  /** Re-arms the operations of streams that were UPDATING when the server stopped (the stream state is the truth). */
  async resume(): Promise<void> {
    for (const stream of [...this.#rt.catalog.all()]) {
      const pending = stream.resharding?.pending;
      if (pending && stream.status === StreamStatus.UPDATING) await this.#arm(stream, pending);
    }
  }

  /**
   * Applies the plan `build` returns for the current shard map (steps 1–3 of this file's header), after
   * earlier resharding of the same stream. `build` sees the stream's current state; it returns false to leave the
   * stream as it is, and may throw to refuse. `finish` edits the outcome further (status, bookkeeping), also when
   * there is no plan. Resolves with whether a plan was applied.
   */
  apply(
    stream: StreamState,
    build: (base: PlanBase, state: StreamDraft) => ReshardPlan | undefined | false,
    finish?: (state: StreamDraft) => void,
  ): Promise<boolean> {
    return this.#exclusive(stream, async () => {
      if (!this.#alive(stream)) return false;
      const rt = this.#rt;
      const at = rt.now();
      let plan: ReshardPlan | undefined;
      // Step 1: the outcome is durable before any write can reach a child; readers still see the old map.
      await rt.catalog.update(
        stream,
        (draft) => {
          plan = undefined;
          if (draft.status === StreamStatus.DELETING) return false;
          const built = build({ shards: draft.shards, nextShardIndex: draft.nextShardIndex, at }, draft);
          if (built === false) return false;
          if (built && (built.closes.length > 0 || built.creates.length > 0)) {
            plan = built;
            applyPlan(draft, built, at);
          } else if (!finish) return false;
          finish?.(draft);
        },
        {
          stage: async (next, show, previous) => {
            if (!plan) return;
            const applied = plan;
            // Step 2: a writer routes and asks for the shard's handle in one synchronous run, then appends as soon
            // as that handle resolves; awaiting the same handles here resumes after every such writer.
            const parents = applied.closes.map((index) => rt.shard(previous, index)!);
            await Promise.all(parents.map((shard) => rt.shardHandle(previous, shard)));
            // The children appear (the parents still open), and writes stop going to the parents.
            const children = next.shards.filter((s) => s.index >= previous.nextShardIndex);
            show({ ...previous, shards: [...previous.shards, ...children], nextShardIndex: next.nextShardIndex });
            rt.stopRouting(next, parents);
            // Step 3: the parents close once their appends settled; then the outcome is what readers see.
            await Promise.all(parents.map((shard) => rt.appendsSettled(next, shard)));
            // Where the backend can (NATS JetStream), the parents' logs are sealed as well: a node whose shard map
            // is older still cannot append to them. Best effort here; the retention sweep seals what failed.
            await Promise.all(
              parents.map(async (shard) => {
                const { log } = await rt.shardHandle(previous, shard);
                await log
                  .seal?.()
                  .catch((err: unknown) =>
                    rt.logger.warn({ err, shard: shard.index }, 'sealing a closed shard failed'),
                  );
              }),
            );
            show(next);
            rt.forget(next);
            // An empty append notification wakes readers waiting on a parent (SubscribeToShard), so they see it
            // closed and hand over to the children now rather than at their next idle check.
            for (const shard of parents) this.#appends.emit(next, shard, 0, 0);
          },
        },
      );
      return plan !== undefined;
    });
  }

  /** Stops handling due operations and waits for resharding under way. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#unhandle();
    await Promise.allSettled([...this.#queues.values()]);
  }

  #alive(stream: StreamState): boolean {
    const current = this.#rt.catalog.getById(stream.id);
    return current !== undefined && current.status !== StreamStatus.DELETING;
  }

  /** Arms the end of the operation's UPDATING period at `operation.at`. */
  #arm(stream: StreamState, operation: PendingReshard): Promise<void> {
    return this.#scheduler.at(RESHARD_TIMER, stream.id, operation.at);
  }

  async #complete(stream: StreamState, operation: PendingReshard): Promise<void> {
    // A plan voided meanwhile (only a concurrent change such as on-demand scaling can void it) still ends UPDATING.
    await this.apply(
      stream,
      (base, state) =>
        samePending(state.resharding?.pending, operation) && state.status === StreamStatus.UPDATING
          ? pendingPlan(base, operation)
          : false,
      finishUpdating,
    );
  }

  #exclusive<T>(stream: StreamState, task: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(stream.id) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => {});
    this.#queues.set(stream.id, tail);
    void tail.then(() => {
      if (this.#queues.get(stream.id) === tail) this.#queues.delete(stream.id);
    });
    return run;
  }
}
