/**
 * GetRecords: a thin adapter over the read path (src/streams/read-path.ts documents the reading rules).
 *
 * AWS rules of the operation itself (GetRecords API reference):
 * 1. An undecodable or tampered iterator → InvalidArgumentException `Invalid ShardIterator.`; one older than
 *    300,000 ms → ExpiredIteratorException.
 * 2. The shard's read limits apply (with limits enforced): calls per second and bytes per second.
 * 3. A drained closed shard answers with no NextShardIterator and its ChildShards; otherwise a fresh
 *    NextShardIterator.
 */
import { jsonCodec, type RequestContext } from '../../protocol/index.js';
import { StreamStatus } from '../catalog.js';
import { kinesisError } from '../errors.js';
import { formatShardId } from '../model/index.js';
import { isThrottleError } from '../metrics.js';
import type { PathContext } from '../policies.js';
import type { GetRecordsInput, GetRecordsOutput } from '../shapes/index.js';
import type { ReadAhead } from '../read-ahead.js';
import { GET_RECORDS_MAX_BYTES, GET_RECORDS_MAX_RECORDS, childShards, millisBehindLatest } from '../read-path.js';

/** AWS: an iterator is valid for 5 minutes. */
export const ITERATOR_TTL_MS = 300_000;

/** Java's `Date.toString()` in UTC, as AWS prints times in ExpiredIteratorException. */
function javaDate(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

export async function getRecords(
  ctx: PathContext & { readonly readAhead: ReadAhead },
  input: GetRecordsInput,
  req: RequestContext,
): Promise<GetRecordsOutput> {
  const { rt, policies } = ctx;
  // Rule 1.
  const state = rt.iterators.decode(input.ShardIterator);
  if (!state) throw kinesisError('InvalidArgumentException', 'Invalid ShardIterator.');
  const now = rt.now();
  if (now - state.issuedAt > ITERATOR_TTL_MS) {
    throw kinesisError(
      'ExpiredIteratorException',
      `Iterator expired. The iterator was created at time ${javaDate(state.issuedAt)} while right now it is ${javaDate(now)} which is further in the future than the tolerated delay of ${ITERATOR_TTL_MS} milliseconds.`,
    );
  }
  const stream = rt.catalog.getById(state.streamId);
  const shard = stream ? rt.shard(stream, state.shardIndex) : undefined;
  if (!stream || !shard || stream.status === StreamStatus.DELETING) {
    throw kinesisError(
      'ResourceNotFoundException',
      `Shard ${formatShardId(state.shardIndex)} in stream ${stream?.name ?? state.streamId} under account ${stream?.accountId ?? req.accountId} does not exist`,
    );
  }
  // Rule 2.
  try {
    policies.gate.admitRead(stream, shard, now);
  } catch (e) {
    if (isThrottleError(e)) rt.metrics.readThrottled(stream, shard);
    throw e;
  }
  const handle = await rt.shardHandle(stream, shard);
  const limit = Math.min(input.Limit ?? GET_RECORDS_MAX_RECORDS, GET_RECORDS_MAX_RECORDS);
  const read = await ctx.readAhead.read(
    ctx,
    { stream, handle },
    { from: state.offset, maxRecords: limit, maxBytes: GET_RECORDS_MAX_BYTES },
    req.codec === jsonCodec,
  );
  policies.gate.recordRead(stream, shard, read.bytes, now);
  const output: GetRecordsOutput = { Records: read.records, MillisBehindLatest: millisBehindLatest(read, now) };
  rt.metrics.read(stream, shard, read.records.length, read.bytes, output.MillisBehindLatest!);
  // Rule 3.
  if (read.ended) {
    output.ChildShards = childShards(rt.catalog.getById(stream.id) ?? stream, shard);
  } else {
    output.NextShardIterator = rt.iterators.encode({
      streamId: stream.id,
      shardIndex: shard.index,
      offset: read.next,
      issuedAt: now,
    });
  }
  return output;
}
