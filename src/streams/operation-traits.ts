/**
 * The resource rules Data Streams operations declare in their traits. Source: the Service Authorization
 * Reference, "Actions, resources, and condition keys for Amazon Kinesis Data Streams": resource types `stream`
 * and `consumer`; account-level actions (ListStreams, DescribeLimits, account settings) act on `*`.
 */
import type { ResourceRule } from '../protocol/index.js';

/** The stream named by `StreamARN`, else by `StreamName`. */
export const STREAM: ResourceRule = { kind: 'stream' };
/** The consumer named by `ConsumerARN`, else by `StreamARN` + `ConsumerName`. */
export const CONSUMER: ResourceRule = { kind: 'consumer' };
/** `*`: actions on the account rather than a resource. */
export const ACCOUNT: ResourceRule = { kind: 'account' };
/** The resource named by `ResourceARN` (tags and resource policies on streams and consumers). */
export const RESOURCE_ARN: ResourceRule = { kind: 'arn', member: 'ResourceARN' };
/** Known only to the service: GetRecords' stream is inside its shard iterator. */
export const FROM_ITERATOR: ResourceRule = { kind: 'service' };
