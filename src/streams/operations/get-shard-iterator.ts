/**
 * GetShardIterator: resolves the starting position on the read path (src/streams/read-path.ts, starting
 * positions steps 1–3) and answers it as an authenticated iterator token valid for 5 minutes.
 */
import type { RequestContext } from '../../protocol/index.js';
import { StreamStatus } from '../catalog.js';
import { kinesisError, shardNotFound } from '../errors.js';
import { formatShardId, parseShardId } from '../model/index.js';
import type { PathContext } from '../policies.js';
import { resolveStartOffset } from '../read-path.js';
import type { GetShardIteratorInput, GetShardIteratorOutput } from '../shapes/index.js';

export async function getShardIterator(
  ctx: PathContext,
  input: GetShardIteratorInput,
  req: RequestContext,
): Promise<GetShardIteratorOutput> {
  const { rt } = ctx;
  // A shard id that names no possible shard is refused before the stream is looked up; an unknown stream is
  // reported as an unknown shard of it (both as AWS answers; kinesalite's actions/getShardIterator.js agrees).
  const shardIndex = parseShardId(input.ShardId);
  const { name, accountId, stream } = rt.locateStream(input, req);
  if (shardIndex === undefined) throw shardNotFound(input.ShardId, name, accountId);
  const shardId = formatShardId(shardIndex);
  const shard = stream && rt.shard(stream, shardIndex);
  // An expired closed shard no longer exists for AWS: a reader restarting from a checkpoint on a shard that expired
  // after a reshard got this answer (qubole/kinesis-sql issue #55, AWS's text quoted there; docs/adr/0047).
  if (
    !stream ||
    !shard ||
    stream.status === StreamStatus.CREATING ||
    stream.status === StreamStatus.DELETING ||
    rt.shardExpired(stream, shard)
  ) {
    throw kinesisError(
      'ResourceNotFoundException',
      `Shard ${shardId} in stream ${name} under account ${accountId} does not exist`,
    );
  }
  const now = rt.now();
  const { log } = await rt.shardHandle(stream, shard);
  const offset = await resolveStartOffset(
    rt,
    { stream, shard, log },
    {
      type: input.ShardIteratorType,
      sequenceNumber: input.StartingSequenceNumber,
      timestamp: input.Timestamp,
      operation: 'GetShardIterator',
      now,
    },
  );
  return {
    ShardIterator: rt.iterators.encode({ streamId: stream.id, shardIndex: shard.index, offset, issuedAt: now }),
  };
}
