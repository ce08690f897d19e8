/** Kinesis Video media-plane test helpers: raw PutMedia over HTTP/1.1 or HTTP/2, chunk parsing, SDK clients. */
import http from 'node:http';
import http2 from 'node:http2';
import { KinesisVideoArchivedMediaClient } from '@aws-sdk/client-kinesis-video-archived-media';
import { KinesisVideoMediaClient } from '@aws-sdk/client-kinesis-video-media';
import { MkvReader, parseSimpleTags, type ParsedCluster } from '../../src/video/mkv/index.js';
import { TEST_CREDENTIALS } from '../helpers/server.js';

export interface Ack {
  EventType: 'BUFFERING' | 'RECEIVED' | 'PERSISTED' | 'ERROR' | 'IDLE';
  FragmentTimecode?: number;
  FragmentNumber?: string;
  ErrorCode?: string;
  ErrorId?: number;
}

export const MEDIA_SIGV4 = {
  authorization:
    'AWS4-HMAC-SHA256 Credential=AKIDRAWTEST/20261125/us-east-1/kinesisvideo/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000',
  'x-amz-date': '20261125T000000Z',
} as const;

export interface PutMediaCall {
  readonly status: number;
  /** Ack lines as they arrive; resolves at the response's end. */
  readonly acks: Ack[];
  /** Resolves with every ack once the response ended; the raw text for errors. */
  readonly done: Promise<{ acks: Ack[]; text: string }>;
  /** Called with each ack as it arrives. */
  onAck(f: (ack: Ack) => void): void;
  write(chunk: Buffer): void;
  end(): void;
  destroy(): void;
}

export interface PutMediaOptions {
  readonly stream?: string;
  readonly arn?: string;
  readonly timecodeType?: string;
  readonly producerStart?: string;
  readonly extraHeaders?: Record<string, string>;
  readonly http2?: boolean;
}

function putHeaders(o: PutMediaOptions): Record<string, string> {
  const headers: Record<string, string> = { ...MEDIA_SIGV4, ...o.extraHeaders };
  if (o.stream !== undefined) headers['x-amzn-stream-name'] = o.stream;
  if (o.arn !== undefined) headers['x-amzn-stream-arn'] = o.arn;
  if (o.timecodeType !== null) headers['x-amzn-fragment-timecode-type'] = o.timecodeType ?? 'RELATIVE';
  if (o.producerStart !== undefined) headers['x-amzn-producer-start-timestamp'] = o.producerStart;
  else headers['x-amzn-producer-start-timestamp'] = '1700000000.000';
  return headers;
}

/** Opens a PutMedia upload; resolves when the response headers arrived (the status is known). */
export function openPutMedia(url: string, o: PutMediaOptions): Promise<PutMediaCall> {
  const headers = putHeaders(o);
  return new Promise((resolve, reject) => {
    const acks: Ack[] = [];
    const listeners: Array<(a: Ack) => void> = [];
    let text = '';
    let pending = '';
    let finish!: (v: { acks: Ack[]; text: string }) => void;
    const done = new Promise<{ acks: Ack[]; text: string }>((r) => (finish = r));
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      pending += chunk.toString();
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line) {
          const ack = JSON.parse(line) as Ack;
          acks.push(ack);
          for (const l of listeners) l(ack);
        }
        nl = pending.indexOf('\n');
      }
    };
    const call = (status: number, write: (c: Buffer) => void, end: () => void, destroy: () => void): PutMediaCall => ({
      status,
      acks,
      done,
      onAck: (f) => listeners.push(f),
      write,
      end,
      destroy,
    });
    if (o.http2) {
      const session = http2.connect(url);
      session.on('error', () => {});
      const req = session.request({ ':method': 'POST', ':path': '/putMedia', ...headers });
      req.on('error', () => finish({ acks, text }));
      req.on('response', (h) => {
        resolve(
          call(
            Number(h[':status']),
            (c) => req.write(c),
            () => req.end(),
            () => {
              req.close();
              session.destroy();
            },
          ),
        );
      });
      req.on('data', onData);
      req.on('end', () => {
        finish({ acks, text });
        session.close();
      });
      // HTTP/2 sends headers with the first DATA frame or end; flush them now.
      req.write(Buffer.alloc(0));
      return;
    }
    const u = new URL(url);
    const req = http.request({
      host: u.hostname,
      port: u.port,
      method: 'POST',
      path: '/putMedia',
      headers,
      agent: false,
    });
    req.on('error', (e) => {
      finish({ acks, text });
      reject(e);
    });
    req.on('response', (res) => {
      res.on('data', onData);
      res.on('end', () => finish({ acks, text }));
      res.on('error', () => finish({ acks, text }));
      resolve(
        call(
          res.statusCode ?? 0,
          (c) => req.write(c),
          () => req.end(),
          () => req.destroy(),
        ),
      );
    });
    req.flushHeaders();
  });
}

/** One whole PutMedia upload of `body`; resolves with the status and every ack. */
export async function putMedia(
  url: string,
  body: Buffer,
  o: PutMediaOptions,
): Promise<{ status: number; acks: Ack[]; text: string }> {
  const call = await openPutMedia(url, o);
  call.write(body);
  call.end();
  const { acks, text } = await call.done;
  return { status: call.status, acks, text };
}

/** A GetMedia / GetMediaForFragmentList chunk as read back. */
export interface Chunk {
  readonly tags: Record<string, string>;
  readonly cluster: ParsedCluster | undefined;
}

/** Splits a GetMedia payload into chunks (a new chunk starts at each EBML header). */
export function parseChunks(bytes: Buffer): Chunk[] {
  const chunks: Array<{ tags: Record<string, string>; cluster: ParsedCluster | undefined }> = [];
  const reader = new MkvReader({
    ebmlHeader: () => chunks.push({ tags: {}, cluster: undefined }),
    segmentStart: () => {},
    info: () => {},
    tracks: () => {},
    tags: (raw) => {
      for (const [k, v] of parseSimpleTags(raw)) chunks.at(-1)!.tags[k] = v;
    },
    clusterStart: () => {},
    cluster: (c) => {
      chunks.at(-1)!.cluster = c;
    },
  });
  reader.push(bytes);
  reader.end();
  return chunks;
}

/** Reads a byte stream until `enough(bytes)` says so, then stops reading (the request is aborted). */
export async function readUntil(
  body: AsyncIterable<Uint8Array>,
  enough: (bytes: Buffer) => boolean,
  abort: () => void,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) {
    parts.push(Buffer.from(chunk));
    if (enough(Buffer.concat(parts))) {
      abort();
      break;
    }
  }
  return Buffer.concat(parts);
}

/** Complete fragment chunks in a partial payload (the tags after a cluster have arrived). */
export function countCompleteChunks(bytes: Buffer): number {
  const needle = Buffer.from('AWS_KINESISVIDEO_CONTINUATION_TOKEN');
  let n = 0;
  let at = bytes.indexOf(needle);
  while (at >= 0) {
    n++;
    at = bytes.indexOf(needle, at + 1);
  }
  // The token's value follows its name: count a chunk only once the value is there too.
  return n;
}

export function mediaClient(url: string): KinesisVideoMediaClient {
  return new KinesisVideoMediaClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
}

export function archivedClient(url: string): KinesisVideoArchivedMediaClient {
  return new KinesisVideoArchivedMediaClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
}

/** The acks of each fragment number, in arrival order. */
export function acksByFragment(acks: readonly Ack[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of acks) {
    if (a.FragmentNumber === undefined) continue;
    const list = out.get(a.FragmentNumber) ?? [];
    list.push(a.EventType === 'ERROR' ? `ERROR:${a.ErrorId}` : a.EventType);
    out.set(a.FragmentNumber, list);
  }
  return out;
}
