/**
 * Stream and consumer ARNs (Service Authorization Reference, 'Actions, resources, and condition keys for
 * Amazon Kinesis Data Streams', resource types):
 *   stream:   arn:<partition>:kinesis:<region>:<account>:stream/<streamName>
 *   consumer: <stream ARN>/consumer/<consumerName>:<consumer creation epoch seconds>
 *
 * The API model patterns are `arn:aws.*:kinesis:.*:\d{12}:stream/\S+` (StreamARN) and
 * `^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+`
 * (ConsumerARN). The parsers here are stricter: they accept only ARNs that can name a resource,
 * i.e. names that satisfy the StreamName / ConsumerName rules (1–128 of `[a-zA-Z0-9_.-]`), a
 * non-empty region without `:` or white space, and nothing trailing. Pure code, no I/O.
 */

/** The parts of a stream ARN. */
export interface StreamArnParts {
  /** `aws`, `aws-cn`, `aws-us-gov`, … */
  readonly partition: string;
  /** AWS region, e.g. `us-east-1`. */
  readonly region: string;
  /** 12-digit AWS account id. */
  readonly accountId: string;
  /** Stream name (1–128 of `[a-zA-Z0-9_.-]`). */
  readonly streamName: string;
}

/** The parts of a consumer ARN. */
export interface ConsumerArnParts extends StreamArnParts {
  /** The ARN of the stream the consumer is registered with. */
  readonly streamArn: string;
  /** Consumer name (1–128 of `[a-zA-Z0-9_.-]`). */
  readonly consumerName: string;
  /** Consumer creation time, epoch seconds (the ARN's suffix). */
  readonly createdSeconds: number;
}

/** Input of {@link streamArn}. */
export interface StreamArnOptions {
  /** AWS region (from the request's SigV4 scope). */
  readonly region: string;
  /** 12-digit account id (from the request's credentials). */
  readonly accountId: string;
  /** Stream name. */
  readonly streamName: string;
  /** ARN partition; default `aws`. */
  readonly partition?: string;
}

/** Builds `arn:<partition>:kinesis:<region>:<accountId>:stream/<streamName>` (partition defaults to `aws`). */
export function streamArn(options: StreamArnOptions): string {
  const partition = options.partition ?? 'aws';
  return `arn:${partition}:kinesis:${options.region}:${options.accountId}:stream/${options.streamName}`;
}

const STREAM_ARN_BODY = 'arn:(aws[a-z0-9-]*):kinesis:([^:\\s]+):(\\d{12}):stream/([a-zA-Z0-9_.-]{1,128})';
const STREAM_ARN = new RegExp(`^${STREAM_ARN_BODY}$`);
const CONSUMER_ARN = new RegExp(`^(${STREAM_ARN_BODY})/consumer/([a-zA-Z0-9_.-]{1,128}):(\\d{1,15})$`);

/** Parses a stream ARN; undefined when it is not one (including consumer ARNs). Never throws. */
export function parseStreamArn(arn: string): StreamArnParts | undefined {
  if (typeof arn !== 'string') return undefined;
  const m = STREAM_ARN.exec(arn);
  if (m === null) return undefined;
  return { partition: m[1], region: m[2], accountId: m[3], streamName: m[4] };
}

/** Builds `<streamArn>/consumer/<consumerName>:<createdSeconds>`. */
export function consumerArn(streamArnText: string, consumerName: string, createdSeconds: number): string {
  return `${streamArnText}/consumer/${consumerName}:${createdSeconds}`;
}

/** Parses a consumer ARN; undefined when it is not one. Never throws. */
export function parseConsumerArn(arn: string): ConsumerArnParts | undefined {
  if (typeof arn !== 'string') return undefined;
  const m = CONSUMER_ARN.exec(arn);
  if (m === null) return undefined;
  return {
    streamArn: m[1],
    partition: m[2],
    region: m[3],
    accountId: m[4],
    streamName: m[5],
    consumerName: m[6],
    createdSeconds: Number(m[7]),
  };
}
