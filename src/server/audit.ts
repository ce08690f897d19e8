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
import { JsonByteWriter, quoteJson, writeJsonWithoutBlobs, type Logger, type ServiceModel } from '../protocol/index.js';
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

/**
 * The audit record of one call as one JSON line (the fields of {@link AuditEvent}, in that order). Pure but for
 * the event id. requestParameters is the request without its blob members (record payloads), written by the
 * operation's input shape; members the model does not know are dropped (the service ignores them). Built straight
 * into bytes: a record object plus a blob-free copy of the request through `JSON.stringify` was about 6% of the
 * server's time on PutRecords (docs/adr/0024-shape-compiled-json-output.md).
 */
export function auditLine(input: AuditInput): Buffer {
  const id = input.identity;
  const w = new JsonByteWriter();
  w.text =
    `{"eventVersion":"1.09","eventTime":"${eventTime(input.receivedAt)}",` +
    `"eventSource":${quoteJson(`${input.service}.amazonaws.com`)},"eventName":${quoteJson(input.operation)},` +
    `"awsRegion":${quoteJson(input.region)},"sourceIPAddress":${quoteJson(input.sourceIp)},` +
    `"userAgent":${quoteJson(input.userAgent)},"userIdentity":{"type":${quoteJson(id.type)}`;
  if (id.principalId !== undefined) w.text += `,"principalId":${quoteJson(id.principalId)}`;
  if (id.arn !== undefined) w.text += `,"arn":${quoteJson(id.arn)}`;
  if (id.accountId !== undefined) w.text += `,"accountId":${quoteJson(id.accountId)}`;
  if (id.accessKeyId !== undefined) w.text += `,"accessKeyId":${quoteJson(id.accessKeyId)}`;
  if (id.userName !== undefined) w.text += `,"userName":${quoteJson(id.userName)}`;
  w.text += '},"requestParameters":';
  const shapeName = input.model?.operations[input.operation]?.input;
  if (input.input === undefined) w.text += 'null';
  else if (input.model === undefined || shapeName === undefined) w.text += '{}';
  else writeJsonWithoutBlobs(w, input.model, shapeName, input.input);
  if (input.errorCode !== undefined) w.text += `,"errorCode":${quoteJson(input.errorCode)}`;
  if (input.errorMessage !== undefined) w.text += `,"errorMessage":${quoteJson(input.errorMessage)}`;
  w.text +=
    `,"requestID":${quoteJson(input.requestId)},"eventID":"${randomUUID()}","eventType":"AwsApiCall",` +
    `"readOnly":${READ_ONLY.test(input.operation)},"recipientAccountId":${quoteJson(input.accountId)}}\n`;
  return w.finish();
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
  let queue: Buffer[] = [];
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
        queue.push(auditLine(input));
      } catch (e) {
        counters.fail(e, 1);
        logger.error({ err: (e as Error).message }, 'audit event not serialisable');
      }
    }
  };

  const writeLines = async (lines: Buffer[]): Promise<void> => {
    if (file === undefined) await openFile();
    // One write per batch, split only where a rotation falls.
    let batch: Buffer[] = [];
    let batchBytes = 0;
    for (const line of lines) {
      const bytes = line.length;
      if (size + batchBytes + bytes > maxBytes && size + batchBytes > 0) {
        if (batch.length > 0) await file!.write(Buffer.concat(batch, batchBytes));
        size += batchBytes;
        counters.written += batch.length;
        batch = [];
        batchBytes = 0;
        await rotate();
      }
      batch.push(line);
      batchBytes += bytes;
    }
    if (batch.length > 0) await file!.write(Buffer.concat(batch, batchBytes));
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
