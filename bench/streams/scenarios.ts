/**
 * The load itself: closed-loop writers (each of `concurrency` callers sends its next request as soon
 * as the previous one is answered) and a single sequential reader. Everything a scenario needs is
 * built before its clock starts.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { scanGetRecordsBody } from './bodies.js';
import { errorFromResponse, type KinesisHttpClient, type RawResponse } from './kinesis-client.js';
import { megabytesPerSecond, perSecond, summarizeLatencies, type LatencySummary } from './stats.js';

/** A monotonic-clock interval in microseconds, comparable with V8 CPU profile timestamps. */
export interface MonotonicWindow {
  readonly startUs: number;
  readonly endUs: number;
}

/** CPU used by the client and the server during a scenario, as % of one core. */
export interface CpuShare {
  readonly clientPercent: number;
  /** Undefined when the server's CPU time cannot be read (no /proc), or when there is no server (raw JetStream). */
  readonly serverPercent: number | undefined;
  /** The NATS servers' CPU, all nodes together, when the benchmark started them (`--storage nats`). */
  readonly natsPercent?: number;
  /**
   * CPU every other process on the machine used meanwhile (the machine's busy time in /proc/stat less the load
   * generator, the server and NATS), % of one core; undefined without /proc/stat. Figures measured while other work
   * takes a share of a 2-core machine are not comparable: Tributary and its load generator use both cores.
   */
  readonly otherPercent?: number;
}

/** Jiffies per second of /proc/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * Busy CPU seconds of the whole machine since boot, all cores together (/proc/stat's first line: every field but
 * idle and iowait); undefined where there is no /proc/stat.
 */
export function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is counted in user already).
    const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
    return Number.isFinite(busy) ? busy / USER_HZ : undefined;
  } catch {
    return undefined;
  }
}

/** Result of a write scenario. Counts marked "whole run" include the short warm-up. */
export interface WriteResult {
  readonly operation: 'PutRecords' | 'PutRecord';
  readonly recordSize: number;
  readonly recordsPerRequest: number;
  readonly concurrency: number;
  /** Measured wall time: from the end of warm-up to the last response. */
  readonly seconds: number;
  /** Requests answered in the measured window (successful or not). */
  readonly requests: number;
  /** Records acknowledged (ShardId + SequenceNumber returned) in the measured window. */
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly requestsPerSecond: number;
  /** Data bytes (not base64, not partition keys) acknowledged per second, MB = 10^6 bytes. */
  readonly megabytesPerSecond: number;
  /** Latency of successful (HTTP 200) requests in the measured window. */
  readonly latency: LatencySummary;
  /** Records sent but not acknowledged, whole run (entry errors plus records of failed requests). */
  readonly failedRecords: number;
  /** Requests with a non-200 answer or a transport error, whole run. */
  readonly failedRequests: number;
  /** Failure counts by AWS error code or transport error, whole run. */
  readonly errors: Readonly<Record<string, number>>;
  /** Acknowledged records per shard id, whole run (what a read-back must find). */
  readonly ackedPerShard: Readonly<Record<string, number>>;
  /** True when the scenario stopped early because the server stopped answering. */
  readonly aborted: boolean;
  readonly cpu: CpuShare;
  readonly window: MonotonicWindow;
}

/** Options of {@link runWriteLoad}. */
export interface WriteLoadOptions {
  readonly operation: 'PutRecords' | 'PutRecord';
  /** Pre-built request bodies, used round-robin. */
  readonly bodies: readonly Buffer[];
  /** Records in each body (500 for the PutRecords scenarios, 1 for PutRecord). */
  readonly recordsPerRequest: number;
  /** Data bytes per record, for MB/s. */
  readonly recordSize: number;
  readonly concurrency: number;
  readonly seconds: number;
  /** Reads the server's cumulative CPU seconds. */
  readonly serverCpuSeconds: () => number | undefined;
  /** Reads the NATS servers' cumulative CPU seconds, where the benchmark runs them. */
  readonly natsCpuSeconds?: () => number | undefined;
}

/** Consecutive transport errors after which the server is considered gone. */
const MAX_CONSECUTIVE_TRANSPORT_ERRORS = 20;

function monotonicUs(): number {
  // process.hrtime uses CLOCK_MONOTONIC, the clock V8 stamps profile samples with on Linux.
  return Number(process.hrtime.bigint() / 1000n);
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** CPU seconds between two readings as % of one core over `seconds`; undefined when either is missing. */
function percentOfCore(before: number | undefined, after: number | undefined, seconds: number): number | undefined {
  return before !== undefined && after !== undefined && seconds > 0 ? ((after - before) / seconds) * 100 : undefined;
}

export function cpuShare(
  seconds: number,
  readings: {
    clientBefore: NodeJS.CpuUsage;
    serverBefore: number | undefined;
    serverAfter: number | undefined;
    natsBefore?: number | undefined;
    natsAfter?: number | undefined;
    /** {@link machineBusySeconds} at the window's start. */
    machineBefore: number | undefined;
  },
): CpuShare {
  const client = process.cpuUsage(readings.clientBefore);
  const clientPercent = seconds > 0 ? ((client.user + client.system) / 1e6 / seconds) * 100 : 0;
  const serverPercent = percentOfCore(readings.serverBefore, readings.serverAfter, seconds);
  const natsPercent = percentOfCore(readings.natsBefore, readings.natsAfter, seconds);
  const machinePercent = percentOfCore(readings.machineBefore, machineBusySeconds(), seconds);
  // Jiffies are 10 ms: a share a little below zero is rounding, shown as 0.
  const otherPercent =
    machinePercent === undefined
      ? undefined
      : Math.max(0, machinePercent - clientPercent - (serverPercent ?? 0) - (natsPercent ?? 0));
  return {
    clientPercent,
    serverPercent,
    ...(natsPercent === undefined ? {} : { natsPercent }),
    ...(otherPercent === undefined ? {} : { otherPercent }),
  };
}

/** What one request of a closed-loop writer achieved, as {@link runClosedLoop} counts it. */
export type RequestOutcome =
  /** Answered: the shard id of every acknowledged record, and an error code per refused record. */
  | {
      readonly ok: true;
      readonly latencyMs: number;
      readonly ackedShards: readonly string[];
      readonly refused: readonly string[];
    }
  /** Failed as a whole (an HTTP error answer, or `transport` for no answer at all). */
  | { readonly ok: false; readonly code: string; readonly transport: boolean };

/** Options of {@link runClosedLoop}: {@link WriteLoadOptions} without the HTTP bodies. */
export type ClosedLoopOptions = Omit<WriteLoadOptions, 'bodies'>;

/**
 * Runs a closed-loop write load: a warm-up request per caller (opens the keep-alive sockets; its
 * records count toward {@link WriteResult.ackedPerShard} but not toward rates or latency), then
 * `seconds` of measured load. Requests in flight at the deadline are awaited and counted.
 */
export async function runWriteLoad(client: KinesisHttpClient, options: WriteLoadOptions): Promise<WriteResult> {
  const { bodies, operation } = options;
  let next = 0;
  return runClosedLoop(async () => {
    const body = bodies[next++ % bodies.length]!;
    let res: RawResponse;
    try {
      res = await client.send(operation, body);
    } catch (err) {
      return { ok: false, code: (err as NodeJS.ErrnoException).code ?? 'TransportError', transport: true };
    }
    if (res.status !== 200) return { ok: false, code: errorFromResponse(res).code, transport: false };
    const out = JSON.parse(res.body.toString('utf8')) as {
      ShardId?: string;
      Records?: { ShardId?: string; ErrorCode?: string }[];
    };
    const ackedShards: string[] = [];
    const refused: string[] = [];
    if (operation === 'PutRecord') {
      if (typeof out.ShardId === 'string') ackedShards.push(out.ShardId);
      else refused.push('MalformedResponse');
    } else {
      for (const entry of out.Records ?? []) {
        if (typeof entry.ShardId === 'string') ackedShards.push(entry.ShardId);
        else refused.push(entry.ErrorCode ?? 'MalformedResponse');
      }
    }
    return { ok: true, latencyMs: res.latencyMs, ackedShards, refused };
  }, options);
}

/**
 * The closed loop behind every write scenario: `concurrency` callers each run `request` again as soon as the
 * previous one is answered (warm-up first, then `seconds` measured). Shared by the HTTP load and the raw
 * JetStream baseline (./jetstream-raw.ts), so both are counted the same way.
 */
export async function runClosedLoop(
  request: () => Promise<RequestOutcome>,
  options: ClosedLoopOptions,
): Promise<WriteResult> {
  const { operation, recordsPerRequest } = options;
  const ackedPerShard: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const latencies: number[] = [];
  let measuring = false;
  let requests = 0;
  let records = 0;
  let failedRecords = 0;
  let failedRequests = 0;
  let consecutiveTransportErrors = 0;
  let aborted = false;

  const sendOne = async (): Promise<void> => {
    const outcome = await request();
    if (measuring) requests++;
    if (!outcome.ok) {
      failedRequests++;
      failedRecords += recordsPerRequest;
      bump(errors, outcome.code);
      if (outcome.transport) {
        if (++consecutiveTransportErrors >= MAX_CONSECUTIVE_TRANSPORT_ERRORS) aborted = true;
        // Back off briefly so a dead server does not turn the loop into a busy spin.
        await sleep(10);
      }
      return;
    }
    consecutiveTransportErrors = 0;
    for (const shard of outcome.ackedShards) bump(ackedPerShard, shard);
    for (const code of outcome.refused) bump(errors, code);
    failedRecords += recordsPerRequest - outcome.ackedShards.length;
    if (measuring) {
      records += outcome.ackedShards.length;
      latencies.push(outcome.latencyMs);
    }
  };

  const callers = Array.from({ length: options.concurrency }, (_, i) => i);
  await Promise.all(callers.map(() => sendOne()));

  measuring = true;
  const machineBefore = machineBusySeconds();
  const clientBefore = process.cpuUsage();
  const serverBefore = options.serverCpuSeconds();
  const natsBefore = options.natsCpuSeconds?.();
  const startUs = monotonicUs();
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  await Promise.all(
    callers.map(async () => {
      while (!aborted && performance.now() < deadline) await sendOne();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const endUs = monotonicUs();
  const cpu = cpuShare(seconds, {
    machineBefore,
    clientBefore,
    serverBefore,
    serverAfter: options.serverCpuSeconds(),
    natsBefore,
    natsAfter: options.natsCpuSeconds?.(),
  });
  return {
    operation,
    recordSize: options.recordSize,
    recordsPerRequest,
    concurrency: options.concurrency,
    seconds,
    requests,
    records,
    recordsPerSecond: perSecond(records, seconds),
    requestsPerSecond: perSecond(requests, seconds),
    megabytesPerSecond: megabytesPerSecond(records * options.recordSize, seconds),
    latency: summarizeLatencies(latencies),
    failedRecords,
    failedRequests,
    errors,
    ackedPerShard,
    aborted,
    cpu,
    window: { startUs, endUs },
  };
}

/** Result of a read-back. */
export interface ReadResult {
  readonly streamName: string;
  readonly shardId: string;
  readonly recordSize: number;
  /** Records the writers saw acknowledged for this shard. */
  readonly expected: number;
  /** Records read from TRIM_HORIZON until caught up. */
  readonly records: number;
  /** `records === expected` and every checked record had the written size. */
  readonly verified: boolean;
  /** Why verification failed, if it did. */
  readonly problem: string | undefined;
  /** GetRecords calls made (including the final empty one). */
  readonly calls: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
  /** Latency of the GetRecords calls. */
  readonly latency: LatencySummary;
  readonly cpu: CpuShare;
}

/** Options of {@link runReadBack}. */
export interface ReadBackOptions {
  readonly shardId: string;
  readonly expected: number;
  readonly recordSize: number;
  /** Records per GetRecords call; AWS allows 1–10,000. Default 10 000. */
  readonly limit: number;
  /** Give up after this long. Default 120. */
  readonly maxSeconds: number;
  readonly serverCpuSeconds: () => number | undefined;
  readonly natsCpuSeconds?: () => number | undefined;
}

/**
 * Reads one shard from TRIM_HORIZON with GetRecords until caught up (an empty response once at least
 * `expected` records were seen, or three empty responses in a row) and checks the count. Records are
 * counted with a byte scan; the first non-empty response is also fully parsed to check the scan and
 * the record sizes, and the reader falls back to full parsing if the two disagree.
 */
export async function runReadBack(
  client: KinesisHttpClient,
  streamName: string,
  options: Partial<ReadBackOptions> & Pick<ReadBackOptions, 'shardId' | 'expected' | 'recordSize' | 'serverCpuSeconds'>,
): Promise<ReadResult> {
  const limit = options.limit ?? 10_000;
  const maxSeconds = options.maxSeconds ?? 120;
  const latencies: number[] = [];
  let problem: string | undefined;
  let records = 0;
  let calls = 0;
  let emptyInARow = 0;
  let fullParse = false;
  let checked = false;

  const machineBefore = machineBusySeconds();
  const clientBefore = process.cpuUsage();
  const serverBefore = options.serverCpuSeconds();
  const natsBefore = options.natsCpuSeconds?.();
  const started = performance.now();
  const { ShardIterator } = await client.call<{ ShardIterator: string }>('GetShardIterator', {
    StreamName: streamName,
    ShardId: options.shardId,
    ShardIteratorType: 'TRIM_HORIZON',
  });
  let iterator: string | undefined = ShardIterator;
  while (iterator !== undefined) {
    if ((performance.now() - started) / 1000 > maxSeconds) {
      problem = `gave up after ${maxSeconds} s`;
      break;
    }
    const res = await client.send('GetRecords', Buffer.from(JSON.stringify({ ShardIterator: iterator, Limit: limit })));
    calls++;
    if (res.status !== 200) {
      problem = `GetRecords failed: ${errorFromResponse(res).message}`;
      break;
    }
    latencies.push(res.latencyMs);
    let count: number;
    if (fullParse || !checked) {
      const out = JSON.parse(res.body.toString('utf8')) as { Records: { Data: string }[]; NextShardIterator?: string };
      count = out.Records.length;
      iterator = out.NextShardIterator;
      if (!checked && count > 0) {
        checked = true;
        const scan = scanGetRecordsBody(res.body);
        if (scan.records !== count || scan.nextShardIterator !== iterator) fullParse = true;
        const wrong = out.Records.find((r) => Buffer.from(r.Data, 'base64').length !== options.recordSize);
        if (wrong !== undefined)
          problem = `a record has ${Buffer.from(wrong.Data, 'base64').length} data bytes, expected ${options.recordSize}`;
      }
    } else {
      const scan = scanGetRecordsBody(res.body);
      count = scan.records;
      iterator = scan.nextShardIterator;
    }
    records += count;
    if (count === 0) {
      emptyInARow++;
      if (records >= options.expected || emptyInARow >= 3) break;
    } else {
      emptyInARow = 0;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuShare(seconds, {
    machineBefore,
    clientBefore,
    serverBefore,
    serverAfter: options.serverCpuSeconds(),
    natsBefore,
    natsAfter: options.natsCpuSeconds?.(),
  });
  if (problem === undefined && records !== options.expected) {
    problem = `read ${records} records, ${options.expected} were acknowledged`;
  }
  return {
    streamName,
    shardId: options.shardId,
    recordSize: options.recordSize,
    expected: options.expected,
    records,
    verified: problem === undefined,
    problem,
    calls,
    seconds,
    recordsPerSecond: perSecond(records, seconds),
    megabytesPerSecond: megabytesPerSecond(records * options.recordSize, seconds),
    latency: summarizeLatencies(latencies),
    cpu,
  };
}

/** Creates a stream with `shards` shards and waits until DescribeStreamSummary reports ACTIVE. */
export async function createActiveStream(client: KinesisHttpClient, streamName: string, shards: number): Promise<void> {
  await client.call('CreateStream', { StreamName: streamName, ShardCount: shards });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const out = await client.call<{ StreamDescriptionSummary: { StreamStatus: string } }>('DescribeStreamSummary', {
      StreamName: streamName,
    });
    if (out.StreamDescriptionSummary.StreamStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`stream ${streamName} not ACTIVE after 30 s`);
    await sleep(20);
  }
}
