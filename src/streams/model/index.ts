/**
 * The Data Streams model: pure, allocation-light codecs for the identifiers that must match AWS
 * on the wire — hash keys, sequence numbers, shard ids, ARNs and shard iterators. No I/O.
 */
export {
  MAX_HASH_KEY,
  partitionKeyHash,
  partitionKeyHashText,
  hashKeyFromPartitionKey,
  hashKeyToBuffer,
  hashKeyToText,
  hashKeyFromBuffer,
  parseExplicitHashKey,
  splitHashKeySpace,
} from './hash-key.js';
export type { HashKeyRange } from './hash-key.js';
export {
  encodeSequenceNumber,
  decodeSequenceNumber,
  shardStartingSequenceNumber,
  shardEndingSequenceNumber,
  createSequenceNumberEncoder,
  createSequenceNumberWriter,
  SEQUENCE_NUMBER_DIGITS,
  compareSequenceNumbers,
  legacySequenceShardIndex,
} from './sequence-number.js';
export type { SequenceNumberParts } from './sequence-number.js';
export { MAX_SHARD_INDEX, formatShardId, parseShardId } from './shard-id.js';
export { streamArn, parseStreamArn, consumerArn, parseConsumerArn } from './arn.js';
export type { StreamArnParts, ConsumerArnParts, StreamArnOptions } from './arn.js';
export {
  ShardIteratorCodec,
  SHARD_ITERATOR_SECRET_BYTES,
  SHARD_ITERATOR_TTL_MS,
} from './shard-iterator.js';
export type { ShardIteratorState } from './shard-iterator.js';
