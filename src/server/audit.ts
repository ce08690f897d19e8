/**
 * The audit log: one JSON line per API call, shaped like a CloudTrail event record (CloudTrail
 * User Guide, "CloudTrail record contents"): eventVersion, eventTime, eventSource, eventName,
 * awsRegion, sourceIPAddress, userAgent, userIdentity, requestParameters, errorCode,
 * errorMessage, requestID, eventID, eventType, readOnly, recipientAccountId.
 *
 * Blobs (record payloads such as Kinesis `Data`) are left out of requestParameters, found through
 * the service model so every service is covered. Records are queued in memory and appended in
 * batches by one writer, so the request path never waits for the disk; the file rotates by size
 * (`audit.log` → `audit.log.1` → … → `audit.log.<keep>`, the oldest dropped).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger, ServiceModel } from '../protocol/index.js';
import { SinkCounters } from './diagnostics.js';

/** CloudTrail `userIdentity`. */
export interface AuditIdentity {
  /** `IAMUser`, `AssumedRole`, or `Unknown` when signatures are not verified. */
  readonly type: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
}

/** One audit record (a CloudTrail-style event). */
export interface AuditEvent {
  readonly eventVersion: '1.09';
  readonly eventTime: string;
  /** `<service>.amazonaws.com`, e.g. `kinesis.amazonaws.com`. */
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  readonly userIdentity: AuditIdentity;
  readonly requestParameters: unknown;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestID: string;
  readonly eventID: string;
  readonly eventType: 'AwsApiCall';
  readonly readOnly: boolean;
  readonly recipientAccountId: string;
}

/** What the pipeline hands over per call. */
export interface AuditInput {
  readonly receivedAt: number;
  readonly service: string;
  readonly operation: string;
  readonly region: string;
  readonly accountId: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly identity: AuditIdentity;
  /** Parsed (not yet decoded) input, if the body parsed. */
  readonly input: Record<string, unknown> | undefined;
  readonly model: ServiceModel | undefined;
  readonly requestId: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** Where audit events go. `record` never blocks and never throws. */
export interface AuditSink {
  record(input: AuditInput): void;
  /** Written, failed and dropped records, when the sink counts them (the file sink does). */
  readonly counters?: SinkCounters;
  /** Writes everything queued so far. */
  flush(): Promise<void>;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

/** Options of {@link createFileAuditSink}. */
export interface FileAuditOptions {
  /** The log file, e.g. `<dataDir>/audit/audit.log`. */
  readonly path: string;
  /** Rotate when the file would grow beyond this many bytes. Default 100 MiB. */
  readonly maxBytes?: number;
  /** Rotated files kept besides the current one. Default 5. */
  readonly keep?: number;
  readonly logger: Logger;
  /** Queued records above this are dropped (and counted) rather than exhaust memory. Default 100000. */
  readonly maxQueued?: number;
  /** Counts written, failed and dropped records. Default: counters of its own (the sink's `counters`). */
  readonly counters?: SinkCounters;
}

/**
 * Records handed over within this many ms are serialised and written together (one write instead of one per
 * event-loop turn); `flush()` waits for that batch, then writes the rest at once.
 */
export const AUDIT_BATCH_MS = 10;

/** After a failed write, the audit file is tried again at most this often (ms). */
export const AUDIT_RETRY_MS = 1000;

/** Does nothing (audit off). */
export const NO_AUDIT: AuditSink = { record: () => {}, flush: async () => {}, close: async () => {} };

// Read-only calls (CloudTrail's readOnly): Describe*, Get*, List*.
const READ_ONLY = /^(Describe|Get|List)/;

// CloudTrail's eventTime has whole seconds (`2026-01-01T00:00:00Z`); calls in the same second share the text.
let lastSecond = Number.NaN;
let lastEventTime = '';
function eventTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastEventTime = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return lastEventTime;
}

/** Builds the CloudTrail-style record. Pure. */
export function toAuditEvent(input: AuditInput): AuditEvent {
  return {
    eventVersion: '1.09',
    eventTime: eventTime(input.receivedAt),
    eventSource: `${input.service}.amazonaws.com`,
    eventName: input.operation,
    awsRegion: input.region,
    sourceIPAddress: input.sourceIp,
    userAgent: input.userAgent,
    userIdentity: input.identity,
    requestParameters: input.input === undefined ? null : redact(input.model, input.operation, input.input),
    ...(input.errorCode === undefined ? {} : { errorCode: input.errorCode }),
    ...(input.errorMessage === undefined ? {} : { errorMessage: input.errorMessage }),
    requestID: input.requestId,
    eventID: randomUUID(),
    eventType: 'AwsApiCall',
    readOnly: READ_ONLY.test(input.operation),
    recipientAccountId: input.accountId,
  };
}

/** A compiled copier for one shape: the value without blobs, or undefined to leave it out. */
type Redactor = (value: unknown, depth: number) => unknown;

const redactors = new WeakMap<ServiceModel, Map<string, Redactor>>();

/** Builds (once per model and shape) the copier that drops blobs; compiled because PutRecords passes 500 records per call. */
function redactorFor(model: ServiceModel, shapeName: string): Redactor {
  let byShape = redactors.get(model);
  if (!byShape) redactors.set(model, (byShape = new Map()));
  const hit = byShape.get(shapeName);
  if (hit) return hit;
  // Recursive shapes reach themselves while compiling: forward through a late-bound reference.
  let real: Redactor | undefined;
  byShape.set(shapeName, (v, d) => real!(v, d));
  real = compileRedactor(model, shapeName);
  byShape.set(shapeName, real);
  return real;
}

function compileRedactor(model: ServiceModel, shapeName: string): Redactor {
  const s = model.shapes[shapeName];
  if (s === undefined) return () => undefined;
  switch (s.type) {
    case 'blob':
      return () => undefined;
    case 'structure': {
      const members = Object.entries(s.members).map(([name, ref]) => [name, redactorFor(model, ref.shape)] as const);
      return (value, depth) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value) || depth > 32) return undefined;
        const out: Record<string, unknown> = {};
        for (const [name, redactMember] of members) {
          const v = (value as Record<string, unknown>)[name];
          if (v === undefined) continue;
          const r = redactMember(v, depth + 1);
          if (r !== undefined) out[name] = r;
        }
        return out;
      };
    }
    case 'list': {
      const redactItem = redactorFor(model, s.member.shape);
      return (value, depth) => {
        if (!Array.isArray(value) || depth > 32) return undefined;
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) out[i] = redactItem(value[i], depth + 1) ?? {};
        return out;
      };
    }
    case 'map': {
      const redactValue = redactorFor(model, s.value.shape);
      return (value, depth) => {
        if (typeof value !== 'object' || value === null || depth > 32) return undefined;
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(value)) out[k] = redactValue((value as Record<string, unknown>)[k], depth + 1);
        return out;
      };
    }
    default:
      return (value) => (value === null ? undefined : value);
  }
}

/**
 * Copies the input without blob members (record payloads), walking the operation's input shape;
 * members the model does not know are dropped too (the service ignores them).
 */
export function redact(model: ServiceModel | undefined, operation: string, input: Record<string, unknown>): unknown {
  const shapeName = model?.operations[operation]?.input;
  if (model === undefined || shapeName === undefined) return {};
  return redactorFor(model, shapeName)(input, 0) ?? {};
}

/**
 * Appends events to a file, batched and asynchronous, rotating by size. Records are kept as handed over and
 * turned into JSON lines in bulk just before each write ({@link AUDIT_BATCH_MS} after the first), off the
 * request's path.
 *
 * A failing disk never stops the server (docs/adr/0016): a failed write (or rotation) drops that batch, counts it
 * in `counters` (`RunningServer.stats().audit`), closes the file so the next attempt reopens it, and logs once per
 * outage; further writes are attempted at most every {@link AUDIT_RETRY_MS} until one succeeds, the records
 * meanwhile waiting up to `maxQueued` (then dropped and counted). `record` never waits and never throws.
 */
export function createFileAuditSink(options: FileAuditOptions): AuditSink {
  const maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
  const keep = options.keep ?? 5;
  const maxQueued = options.maxQueued ?? 100_000;
  const counters = options.counters ?? new SinkCounters();
  const { path, logger } = options;
  /** Handed over, not yet serialised (serialised at the next drain). */
  let pending: AuditInput[] = [];
  /** Serialised, waiting for the file (only while writes fail). */
  let queue: string[] = [];
  let file: FileHandle | undefined;
  let size = 0;
  let writing: Promise<void> | undefined;
  let closed = false;
  /** While writes fail: no attempt before this time (epoch ms). */
  let retryAt = 0;
  let failing = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const openFile = async (): Promise<void> => {
    await mkdir(dirname(path), { recursive: true });
    file = await open(path, 'a', 0o600);
    size = (await file.stat()).size;
  };

  const closeFile = async (): Promise<void> => {
    const f = file;
    file = undefined;
    await f?.close().catch(() => {});
  };

  const rotate = async (): Promise<void> => {
    await closeFile();
    await rm(`${path}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      await rename(`${path}.${i}`, `${path}.${i + 1}`).catch(() => {});
    }
    if (keep >= 1) await rename(path, `${path}.1`).catch(() => {});
    else await rm(path, { force: true });
    await openFile();
  };

  /** Serialises what was handed over since the last drain. */
  const serialise = (): void => {
    const inputs = pending;
    pending = [];
    for (const input of inputs) {
      try {
        queue.push(`${JSON.stringify(toAuditEvent(input))}\n`);
      } catch (e) {
        counters.fail(e, 1);
        logger.error({ err: (e as Error).message }, 'audit event not serialisable');
      }
    }
  };

  const writeLines = async (lines: string[]): Promise<void> => {
    if (file === undefined) await openFile();
    // One write per batch, split only where a rotation falls.
    let batch: string[] = [];
    let batchBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line);
      if (size + batchBytes + bytes > maxBytes && size + batchBytes > 0) {
        if (batch.length > 0) await file!.write(batch.join(''));
        size += batchBytes;
        counters.written += batch.length;
        batch = [];
        batchBytes = 0;
        await rotate();
      }
      batch.push(line);
      batchBytes += bytes;
    }
    if (batch.length > 0) await file!.write(batch.join(''));
    size += batchBytes;
    counters.written += batch.length;
  };

  const drain = async (force: boolean): Promise<void> => {
    serialise();
    while (queue.length > 0) {
      if (!force && Date.now() < retryAt) return;
      const lines = queue;
      queue = [];
      const before = counters.written;
      try {
        await writeLines(lines);
        if (failing) {
          failing = false;
          logger.warn({ path, lost: counters.dropped }, 'audit log writable again');
        }
      } catch (e) {
        // Lines before a failed rotation may have been written already.
        counters.fail(e, lines.length - (counters.written - before));
        await closeFile();
        retryAt = Date.now() + AUDIT_RETRY_MS;
        if (!failing) {
          failing = true;
          logger.error(
            { err: (e as Error).message, path, lost: counters.dropped, written: counters.written },
            `audit log write failed; records are dropped and counted, retried every ${AUDIT_RETRY_MS} ms`,
          );
        }
        if (force) return;
      }
      serialise();
    }
  };

  const schedule = (): void => {
    if (writing !== undefined || closed) return;
    const wait = retryAt - Date.now();
    if (wait > 0) {
      // A failing file is retried after the pause, not on every record.
      retryTimer ??= setTimeout(() => {
        retryTimer = undefined;
        schedule();
      }, wait).unref();
      return;
    }
    writing = (async () => {
      // Let requests queue up for a moment, then serialise and write them in one go.
      await new Promise<void>((resolve) => setTimeout(resolve, AUDIT_BATCH_MS));
      await drain(false);
    })().finally(() => {
      writing = undefined;
      if (pending.length + queue.length > 0) schedule();
    });
  };

  return {
    counters,
    record(input) {
      if (closed) return;
      if (pending.length + queue.length >= maxQueued) {
        counters.dropped++;
        return;
      }
      pending.push(input);
      schedule();
    },
    async flush() {
      while (writing !== undefined) await writing;
      // One attempt now, even during a retry pause: what cannot be written is dropped and counted.
      writing = drain(true).finally(() => (writing = undefined));
      await writing;
      const left = pending.length + queue.length;
      if (left > 0 && failing) {
        counters.dropped += left;
        pending = [];
        queue = [];
      }
    },
    async close() {
      await this.flush();
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      await closeFile();
    },
  };
}
