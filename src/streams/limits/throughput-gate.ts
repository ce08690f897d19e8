/**
 * AWS's per-shard data-plane limits as a {@link ThroughputGate} (Kinesis Data Streams quotas and the
 * PutRecords / GetRecords API references):
 * 1. Writes: each shard accepts up to 1 MiB/s (data + partition key) and 1,000 records/s; a record over
 *    either budget fails with ProvisionedThroughputExceededException (per record in PutRecords).
 * 2. Reads: each shard serves up to 5 GetRecords calls/s and 2 MiB/s, shared by every polling consumer.
 *    Bandwidth is charged after a call returned, so a large response leaves a debt later calls wait out.
 * 3. A GetRecords response of 10 MiB (the per-call maximum) makes calls in the next 5 s fail.
 */
import type { ShardState, StreamState } from '../catalog.js';
import { kinesisError } from '../errors.js';
import type { LimitSettings } from '../feature.js';
import type { ThroughputGate } from '../policies.js';
import { TokenBucket } from './token-bucket.js';

/** AWS: GetRecords returns at most 10 MiB; a response that large triggers the 5 s penalty. */
const LARGE_READ_BYTES = 10 * 1024 * 1024;

interface ShardBudget {
  writeBytes: TokenBucket;
  writeRecords: TokenBucket;
  readCalls: TokenBucket;
  readBytes: TokenBucket;
  /** GetRecords is refused until this time (epoch ms) after a 10 MiB response. */
  blockedUntil: number;
}

/** AWS: `Rate exceeded for shard <shardId> in stream <name> under account <account>.` */
export function shardRateExceeded(stream: StreamState, shard: ShardState): string {
  return `Rate exceeded for shard ${shard.shardId} in stream ${stream.name} under account ${stream.accountId}.`;
}

/** Per-shard token buckets, created on a shard's first use and keyed by stream incarnation and shard. */
export class AwsThroughputGate implements ThroughputGate {
  readonly #limits: LimitSettings;
  readonly #shards = new Map<string, ShardBudget>();

  constructor(limits: LimitSettings) {
    this.#limits = limits;
  }

  #budget(stream: StreamState, shard: ShardState, now: number): ShardBudget {
    const key = `${stream.id}.${shard.index}`;
    let budget = this.#shards.get(key);
    if (!budget) {
      const l = this.#limits;
      budget = {
        writeBytes: new TokenBucket({ capacity: l.writeBytesPerSecond, ratePerSecond: l.writeBytesPerSecond, now }),
        writeRecords: new TokenBucket({
          capacity: l.writeRecordsPerSecond,
          ratePerSecond: l.writeRecordsPerSecond,
          now,
        }),
        readCalls: new TokenBucket({ capacity: l.readCallsPerSecond, ratePerSecond: l.readCallsPerSecond, now }),
        readBytes: new TokenBucket({ capacity: l.readBytesPerSecond, ratePerSecond: l.readBytesPerSecond, now }),
        blockedUntil: 0,
      };
      this.#shards.set(key, budget);
    }
    return budget;
  }

  admitWrite(stream: StreamState, shard: ShardState, bytes: number, now: number): boolean {
    const b = this.#budget(stream, shard, now);
    // Rule 1. A record larger than a second's budget (large-record streams keep 1 MiB/s per shard) is
    // admitted from a full bucket and leaves a debt, so it is slow but never impossible.
    const needed = Math.min(bytes, b.writeBytes.capacity);
    if (b.writeBytes.available(now) < needed || b.writeRecords.available(now) < 1) return false;
    b.writeBytes.charge(bytes, now);
    b.writeRecords.charge(1, now);
    return true;
  }

  admitRead(stream: StreamState, shard: ShardState, now: number): void {
    const b = this.#budget(stream, shard, now);
    // Rules 2 and 3: the penalty window, the bandwidth debt, then the call rate.
    if (now < b.blockedUntil || b.readBytes.available(now) <= 0 || !b.readCalls.tryTake(1, now)) {
      throw kinesisError('ProvisionedThroughputExceededException', shardRateExceeded(stream, shard));
    }
  }

  recordRead(stream: StreamState, shard: ShardState, bytes: number, now: number): void {
    const b = this.#budget(stream, shard, now);
    b.readBytes.charge(bytes, now);
    if (bytes >= LARGE_READ_BYTES) b.blockedUntil = now + this.#limits.largeReadPenaltyMs;
  }
}
