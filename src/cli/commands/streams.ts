/**
 * `tributary streams ls|create|describe|delete|scale` and `tributary shards STREAM`.
 */
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  type Shard,
  type StreamDescriptionSummary,
  type StreamSummary,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { type Io, table, toJson, UsageError } from '../output.js';

/** Every stream of the account and region (ListStreams, all pages). */
export async function listStreams(kinesis: KinesisClient): Promise<StreamSummary[]> {
  const out: StreamSummary[] = [];
  let token: string | undefined;
  do {
    const page = await kinesis.send(new ListStreamsCommand(token ? { NextToken: token } : {}));
    out.push(...(page.StreamSummaries ?? []));
    token = page.HasMoreStreams ? page.NextToken : undefined;
  } while (token);
  return out;
}

/** Every shard of a stream, closed ones included (ListShards, all pages). */
export async function listShards(kinesis: KinesisClient, stream: string): Promise<Shard[]> {
  const out: Shard[] = [];
  let token: string | undefined;
  do {
    const page = await kinesis.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: stream }));
    out.push(...(page.Shards ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

/** Polls DescribeStreamSummary until the stream is ACTIVE (or gone, when `gone`). */
export async function waitForStream(
  kinesis: KinesisClient,
  stream: string,
  until: 'active' | 'gone',
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { StreamDescriptionSummary: s } = await kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: stream }),
      );
      if (until === 'active' && s?.StreamStatus === 'ACTIVE') return;
    } catch (e) {
      if (until === 'gone' && (e as { name?: string }).name === 'ResourceNotFoundException') return;
      throw e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for stream ${stream} to become ${until}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${text}'`);
  return n;
}

export async function streamsLs(kinesis: KinesisClient, io: Io, json: boolean): Promise<void> {
  const streams = await listStreams(kinesis);
  if (json) {
    io.stdout.write(toJson(streams));
    return;
  }
  io.stdout.write(
    table(
      ['NAME', 'STATUS', 'MODE', 'CREATED'],
      streams.map((s) => [
        s.StreamName ?? '',
        s.StreamStatus ?? '',
        s.StreamModeDetails?.StreamMode ?? '',
        s.StreamCreationTimestamp?.toISOString() ?? '',
      ]),
    ),
  );
}

export interface CreateOptions {
  readonly shards?: string;
  readonly onDemand?: boolean;
  readonly wait?: boolean;
}

export async function streamsCreate(
  kinesis: KinesisClient,
  io: Io,
  json: boolean,
  name: string,
  options: CreateOptions,
): Promise<void> {
  if (options.onDemand && options.shards !== undefined)
    throw new UsageError('--shards and --on-demand exclude each other');
  const input = options.onDemand
    ? { StreamName: name, StreamModeDetails: { StreamMode: 'ON_DEMAND' as const } }
    : { StreamName: name, ShardCount: positiveInteger(options.shards ?? '1', '--shards') };
  await kinesis.send(new CreateStreamCommand(input));
  if (options.wait) await waitForStream(kinesis, name, 'active', 300_000);
  await printSummary(kinesis, io, json, name, `created ${name}`);
}

async function printSummary(
  kinesis: KinesisClient,
  io: Io,
  json: boolean,
  name: string,
  headline?: string,
): Promise<void> {
  const { StreamDescriptionSummary: s } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
  if (json) {
    io.stdout.write(toJson(s));
    return;
  }
  if (headline) io.stdout.write(`${headline}\n`);
  io.stdout.write(summaryText(s!));
}

function summaryText(s: StreamDescriptionSummary): string {
  const rows: Array<[string, string]> = [
    ['Name', s.StreamName ?? ''],
    ['ARN', s.StreamARN ?? ''],
    ['Status', s.StreamStatus ?? ''],
    ['Mode', s.StreamModeDetails?.StreamMode ?? ''],
    ['Open shards', String(s.OpenShardCount ?? '')],
    ['Retention', `${s.RetentionPeriodHours ?? ''} h`],
    ['Encryption', s.EncryptionType ?? 'NONE'],
    ['Consumers', String(s.ConsumerCount ?? 0)],
    ['Created', s.StreamCreationTimestamp?.toISOString() ?? ''],
  ];
  const monitoring = s.EnhancedMonitoring?.flatMap((m) => m.ShardLevelMetrics ?? []) ?? [];
  if (monitoring.length > 0) rows.push(['Shard metrics', monitoring.join(', ')]);
  return rows.map(([k, v]) => `${`${k}:`.padEnd(15)}${v}\n`).join('');
}

export async function streamsDescribe(kinesis: KinesisClient, io: Io, json: boolean, name: string): Promise<void> {
  await printSummary(kinesis, io, json, name);
}

export async function streamsDelete(
  kinesis: KinesisClient,
  io: Io,
  json: boolean,
  name: string,
  options: { readonly wait?: boolean; readonly force?: boolean },
): Promise<void> {
  await kinesis.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: options.force === true }));
  if (options.wait) await waitForStream(kinesis, name, 'gone', 300_000);
  io.stdout.write(json ? toJson({ StreamName: name, deleted: true }) : `deleted ${name}\n`);
}

export async function streamsScale(
  kinesis: KinesisClient,
  io: Io,
  json: boolean,
  name: string,
  options: { readonly shards: string; readonly wait?: boolean },
): Promise<void> {
  const target = positiveInteger(options.shards, '--shards');
  const out = await kinesis.send(
    new UpdateShardCountCommand({ StreamName: name, TargetShardCount: target, ScalingType: 'UNIFORM_SCALING' }),
  );
  if (options.wait) await waitForStream(kinesis, name, 'active', 300_000);
  io.stdout.write(
    json
      ? toJson({ StreamName: name, CurrentShardCount: out.CurrentShardCount, TargetShardCount: out.TargetShardCount })
      : `scaling ${name} from ${out.CurrentShardCount} to ${out.TargetShardCount} shards${options.wait ? ': done' : ''}\n`,
  );
}

/** A shard's short id (`shardId-000000000003` → `3`) for compact tables. */
function shortId(id: string | undefined): string {
  return id === undefined ? '' : id.replace(/^shardId-0*(?=\d)/, '');
}

/**
 * The lineage of shards as a tree: roots are shards without a parent in the list; a merged child appears under both
 * of its parents (the second time marked `(merge)`).
 */
export function lineageTree(shards: readonly Shard[]): string {
  const byId = new Map(shards.map((s) => [s.ShardId!, s]));
  const children = new Map<string, Shard[]>();
  for (const s of shards) {
    for (const parent of [s.ParentShardId, s.AdjacentParentShardId]) {
      if (parent && byId.has(parent)) {
        const list = children.get(parent) ?? [];
        list.push(s);
        children.set(parent, list);
      }
    }
  }
  const lines: string[] = [];
  const seen = new Set<string>();
  const label = (s: Shard) =>
    `${s.ShardId} ${s.SequenceNumberRange?.EndingSequenceNumber ? 'closed' : 'open'} ${s.HashKeyRange?.StartingHashKey}..${s.HashKeyRange?.EndingHashKey}`;
  const walk = (s: Shard, prefix: string, last: boolean, root: boolean): void => {
    const again = seen.has(s.ShardId!);
    lines.push(`${root ? '' : `${prefix}${last ? '└─ ' : '├─ '}`}${label(s)}${again ? ' (merge, see above)' : ''}`);
    if (again) return;
    seen.add(s.ShardId!);
    const kids = children.get(s.ShardId!) ?? [];
    const childPrefix = root ? '' : `${prefix}${last ? '   ' : '│  '}`;
    for (let i = 0; i < kids.length; i++) walk(kids[i]!, childPrefix, i === kids.length - 1, false);
  };
  for (const s of shards) {
    const hasParent = [s.ParentShardId, s.AdjacentParentShardId].some((p) => p && byId.has(p));
    if (!hasParent) walk(s, '', true, true);
  }
  return `${lines.join('\n')}\n`;
}

export async function shardsCommand(
  kinesis: KinesisClient,
  io: Io,
  json: boolean,
  stream: string,
  options: { readonly tree?: boolean },
): Promise<void> {
  const shards = await listShards(kinesis, stream);
  if (json) {
    io.stdout.write(toJson(shards));
    return;
  }
  const resharded = shards.some((s) => s.ParentShardId !== undefined);
  if (options.tree ?? resharded) {
    io.stdout.write(lineageTree(shards));
    return;
  }
  io.stdout.write(
    table(
      ['SHARD', 'STATE', 'PARENTS', 'HASH RANGE START', 'HASH RANGE END'],
      shards.map((s) => [
        s.ShardId ?? '',
        s.SequenceNumberRange?.EndingSequenceNumber ? 'closed' : 'open',
        [s.ParentShardId, s.AdjacentParentShardId].filter(Boolean).map(shortId).join('+') || '-',
        s.HashKeyRange?.StartingHashKey ?? '',
        s.HashKeyRange?.EndingHashKey ?? '',
      ]),
    ),
  );
}
