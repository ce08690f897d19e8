/**
 * Tailing a shard live (the record browser's "Tail" mode, issue #14): keep calling GetRecords with each answer's
 * NextShardIterator, hand new records to the page as they arrive, and follow a closed shard to its children.
 *
 * Rules (GetRecords API reference; Kinesis Data Streams Developer Guide, "Quotas and limits" and "Handling
 * resharding"):
 * 1. At most one GetRecords call per shard in flight, and at least {@link BEHIND_INTERVAL_MS} between two calls on
 *    one shard: each shard serves 5 GetRecords calls per second, shared by every reader of it.
 * 2. While an answer carries records and MillisBehindLatest > 0 the tail is catching up and reads again after
 *    {@link BEHIND_INTERVAL_MS}. Caught up (MillisBehindLatest 0) it reads every {@link CAUGHT_UP_INTERVAL_MS}.
 *    Consecutive empty answers double the wait up to {@link MAX_IDLE_INTERVAL_MS}; a record resets it.
 * 3. ProvisionedThroughputExceededException (another reader used the shard's calls): wait as in rule 2's empty
 *    case, then retry the same iterator. ExpiredIteratorException: a new iterator AFTER_SEQUENCE_NUMBER of the last
 *    record shown (or the tail's starting position if none was shown yet). Any other error stops the tail and is
 *    reported as returned.
 * 4. A drained closed shard answers no NextShardIterator and its ChildShards. Each child is read from
 *    TRIM_HORIZON once every parent of it that this tail follows has ended (a merged shard waits for both of its
 *    parents when both are tailed), so records of one partition key appear in order across a split or merge.
 * 5. The tail stops when its AbortSignal fires (the user pressed Stop or left the page); a wait in progress ends
 *    at once and no call starts after it.
 *
 * No DOM and no SDK here: the page passes the two calls (tested in Node by test/console/tail.test.ts).
 */

/** Rule 1: 5 calls per second per shard. */
export const BEHIND_INTERVAL_MS = 200;
/** Rule 2: once caught up, one call a second, as the Kinesis Client Library's default idle time between reads. */
export const CAUGHT_UP_INTERVAL_MS = 1000;
/** Rule 2: the longest wait after empty answers, so a record put into an idle shard shows within a few seconds. */
export const MAX_IDLE_INTERVAL_MS = 4000;

/** A record as the tail needs it (the SDK's `_Record` fits). */
export interface TailRecord {
  readonly SequenceNumber?: string;
}

/** The part of a GetRecords answer the tail reads (the SDK's `GetRecordsOutput` fits). */
export interface TailAnswer<R extends TailRecord> {
  readonly Records?: R[];
  readonly NextShardIterator?: string;
  readonly MillisBehindLatest?: number;
  readonly ChildShards?: readonly { readonly ShardId?: string; readonly ParentShards?: readonly string[] }[];
}

/** Where an iterator starts: the GetShardIterator parameters. */
export interface TailPosition {
  readonly type: 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'AT_TIMESTAMP';
  readonly sequenceNumber?: string;
  readonly timestamp?: Date;
}

export interface TailCalls<R extends TailRecord> {
  /** GetShardIterator for the shard at the position; its ShardIterator. */
  readonly iterator: (shardId: string, position: TailPosition) => Promise<string | undefined>;
  /** GetRecords with the iterator. */
  readonly read: (iterator: string) => Promise<TailAnswer<R>>;
  /** Waits `ms` or until the signal fires, whichever comes first (the page passes a timer; tests their own). */
  readonly wait: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface TailEvents<R extends TailRecord> {
  /** New records of a shard, in the shard's order. */
  readonly records: (shardId: string, records: R[]) => void;
  /** The shards being read changed (a shard ended, its children started). */
  readonly shards?: (reading: readonly string[], ended: readonly string[]) => void;
  /** The latest MillisBehindLatest of a shard. */
  readonly behind?: (shardId: string, millis: number) => void;
  /** Rule 3: the tail stopped on this error. */
  readonly error: (error: unknown) => void;
}

/** The error's AWS type, as the SDK names it. */
function errorName(e: unknown): string {
  return e instanceof Error ? e.name : '';
}

/** Rule 2: the wait before the next call, given the answer's records, MillisBehindLatest and the empty streak. */
export function nextInterval(records: number, millisBehind: number | undefined, emptyStreak: number): number {
  if (records > 0) return millisBehind !== undefined && millisBehind > 0 ? BEHIND_INTERVAL_MS : CAUGHT_UP_INTERVAL_MS;
  return Math.min(CAUGHT_UP_INTERVAL_MS * 2 ** Math.max(0, emptyStreak - 1), MAX_IDLE_INTERVAL_MS);
}

/**
 * Tails `shardId` from `start` until `signal` fires or every followed shard has ended without children left to
 * read (then it resolves). Never rejects: errors go to `events.error`.
 */
export async function tailShard<R extends TailRecord>(
  shardId: string,
  start: TailPosition,
  calls: TailCalls<R>,
  events: TailEvents<R>,
  signal: AbortSignal,
): Promise<void> {
  const reading = new Set<string>([shardId]);
  const ended = new Set<string>();
  /** Every shard this tail has read or is reading (rule 4: a child starts once). */
  const started = new Set<string>([shardId]);
  const loops: Promise<void>[] = [];
  let failed = false;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort);

  const changed = () => events.shards?.([...reading], [...ended]);

  const readShard = async (id: string, position: TailPosition): Promise<void> => {
    let lastSequence: string | undefined;
    let emptyStreak = 0;
    let iterator = await calls.iterator(id, position);
    while (iterator !== undefined && !stop.signal.aborted) {
      let answer: TailAnswer<R>;
      try {
        answer = await calls.read(iterator);
      } catch (e) {
        if (stop.signal.aborted) return;
        const name = errorName(e);
        if (name === 'ProvisionedThroughputExceededException') {
          emptyStreak++;
          await calls.wait(nextInterval(0, undefined, emptyStreak), stop.signal);
          continue;
        }
        if (name === 'ExpiredIteratorException') {
          iterator = await calls.iterator(
            id,
            lastSequence === undefined ? position : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: lastSequence },
          );
          continue;
        }
        throw e;
      }
      if (stop.signal.aborted) return;
      const records = answer.Records ?? [];
      if (records.length > 0) {
        emptyStreak = 0;
        lastSequence = records[records.length - 1]?.SequenceNumber ?? lastSequence;
        events.records(id, records);
      } else {
        emptyStreak++;
      }
      if (answer.MillisBehindLatest !== undefined) events.behind?.(id, answer.MillisBehindLatest);
      iterator = answer.NextShardIterator;
      if (iterator === undefined) {
        // Rule 4: the shard is closed and drained.
        reading.delete(id);
        ended.add(id);
        for (const child of answer.ChildShards ?? []) startChildWhenReady(child.ShardId, child.ParentShards ?? []);
        changed();
        return;
      }
      await calls.wait(nextInterval(records.length, answer.MillisBehindLatest, emptyStreak), stop.signal);
    }
  };

  const startChildWhenReady = (child: string | undefined, parents: readonly string[]) => {
    if (child === undefined || started.has(child)) return;
    // Parents this tail follows must all have ended; parents it never read do not hold the child back.
    if (parents.some((p) => started.has(p) && !ended.has(p))) return;
    started.add(child);
    reading.add(child);
    launch(child, { type: 'TRIM_HORIZON' });
  };

  const launch = (id: string, position: TailPosition) => {
    loops.push(
      readShard(id, position).catch((e: unknown) => {
        if (failed || stop.signal.aborted) return;
        failed = true;
        stop.abort();
        events.error(e);
      }),
    );
  };

  launch(shardId, start);
  changed();
  try {
    // Loops add loops (rule 4): wait until no new one appeared while waiting.
    for (let seen = 0; seen < loops.length; ) {
      const batch = loops.slice(seen);
      seen = loops.length;
      await Promise.all(batch);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** The page's wait: a timer that the signal cancels. */
export function timerWait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
