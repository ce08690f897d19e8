/**
 * `tributary video put STREAM FILE`: uploads an MKV file with PutMedia (Kinesis Video Streams API reference,
 * PutMedia) to the data endpoint GetDataEndpoint names, and prints the service's acknowledgements as they arrive.
 * The body is streamed from the file (signed `UNSIGNED-PAYLOAD`); cluster timecodes are taken as RELATIVE to the
 * upload's start unless `--absolute`. Exit 0 when no ERROR ack came, 3 (partly done) otherwise.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { GetDataEndpointCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import type { Connection } from '../client.js';
import { EXIT, type Io, UsageError } from '../output.js';

/** One PutMedia acknowledgement (PutMedia API reference, "Response Syntax"). */
interface Ack {
  readonly EventType: string;
  readonly FragmentTimecode?: number;
  readonly FragmentNumber?: string;
  readonly ErrorId?: number;
  readonly ErrorCode?: string;
}

/** An error answered before the upload started, shaped like the SDK's (type and message; ./output.ts prints it). */
class MediaServiceError extends Error {
  readonly $metadata = {};
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export async function videoPut(
  video: KinesisVideoClient,
  connection: Connection,
  io: Io,
  json: boolean,
  stream: string,
  file: string,
  options: { readonly absolute?: boolean },
): Promise<number> {
  const size = await stat(file).then(
    (s) => s.size,
    () => {
      throw new UsageError(`cannot read ${file}`);
    },
  );
  const { DataEndpoint } = await video.send(new GetDataEndpointCommand({ StreamName: stream, APIName: 'PUT_MEDIA' }));
  const url = new URL('/putMedia', DataEndpoint);
  const headers = await connection.signStreaming('POST', url, 'kinesisvideo', {
    'x-amzn-stream-name': stream,
    'x-amzn-fragment-timecode-type': options.absolute ? 'ABSOLUTE' : 'RELATIVE',
    'x-amzn-producer-start-timestamp': (Date.now() / 1000).toFixed(3),
  });
  const request = (url.protocol === 'https:' ? https : http).request(url, { method: 'POST', headers });
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    request.on('response', resolve);
    request.on('error', reject);
    createReadStream(file)
      .on('error', (e) => request.destroy(e))
      .pipe(request);
  });
  if (response.statusCode !== 200) {
    let body = '';
    for await (const chunk of response) body += String(chunk);
    const type = String(response.headers['x-amzn-errortype'] ?? 'HttpError').split(':')[0]!;
    let message = body;
    try {
      message = (JSON.parse(body) as { message?: string; Message?: string }).message ?? message;
    } catch {
      // A body that is not JSON is shown as it is.
    }
    throw new MediaServiceError(type, message || `HTTP ${response.statusCode}`);
  }
  let persisted = 0;
  let received = 0;
  let errors = 0;
  for await (const line of createInterface({ input: response, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line.trim() === '') continue;
    const ack = JSON.parse(line) as Ack;
    if (ack.EventType === 'PERSISTED') persisted++;
    else if (ack.EventType === 'RECEIVED') received++;
    else if (ack.EventType === 'ERROR') errors++;
    if (ack.EventType === 'IDLE') continue;
    if (json) io.stdout.write(`${JSON.stringify(ack)}\n`);
    else
      io.stdout.write(
        `${ack.EventType.padEnd(9)} ${String(ack.FragmentTimecode ?? '').padStart(8)}  ${ack.FragmentNumber ?? ''}${
          ack.ErrorCode ? `  ${ack.ErrorCode} (${ack.ErrorId ?? ''})` : ''
        }\n`,
      );
  }
  if (!json)
    io.stdout.write(
      `put ${file} (${size} bytes) to ${stream}: ${received} fragments received, ${persisted} persisted, ${errors} errors\n`,
    );
  return errors > 0 ? EXIT.partial : EXIT.ok;
}

/** The tag after each fragment of GetMedia's output: its name, the TagString element's header, 47 digits. */
const FRAGMENT_END = /AWS_KINESISVIDEO_CONTINUATION_TOKEN[\s\S]{2,9}?\d{47}/g;

/** `--from` of `video get` → GetMedia's StartSelectorType. */
export const GET_MEDIA_STARTS = { earliest: 'EARLIEST', now: 'NOW' } as const;

/**
 * `tributary video get STREAM --to FILE`: GetMedia (Kinesis Video Streams API reference, GetMedia) from the data
 * endpoint GetDataEndpoint names, written to FILE as it arrives (a playable MKV stream of fragments) until
 * `--fragments N` whole fragments were written, or Ctrl-C.
 */
export async function videoGet(
  video: KinesisVideoClient,
  connection: Connection,
  io: Io,
  json: boolean,
  stream: string,
  options: { readonly to: string; readonly from: keyof typeof GET_MEDIA_STARTS; readonly fragments?: string },
  signal: AbortSignal,
): Promise<void> {
  let limit: number | undefined;
  if (options.fragments !== undefined) {
    limit = Number(options.fragments);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError(`--fragments must be a positive whole number, got '${options.fragments}'`);
  }
  const { DataEndpoint } = await video.send(new GetDataEndpointCommand({ StreamName: stream, APIName: 'GET_MEDIA' }));
  const { GetMediaCommand, KinesisVideoMediaClient } = await import('@aws-sdk/client-kinesis-video-media');
  const media = new KinesisVideoMediaClient({
    endpoint: DataEndpoint,
    region: connection.region,
    credentials: () => connection.credentials(),
    maxAttempts: 1,
  });
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const out: NodeJS.WritableStream =
    options.to === '-' ? io.stdout : (await import('node:fs')).createWriteStream(options.to);
  let fragments = 0;
  let bytes = 0;
  try {
    const answer = await media.send(
      new GetMediaCommand({ StreamName: stream, StartSelector: { StartSelectorType: GET_MEDIA_STARTS[options.from] } }),
      { abortSignal: stop.signal },
    );
    // The tail of the previous chunk, so a tag split across two chunks is still found once.
    let tail = '';
    for await (const chunk of answer.Payload as AsyncIterable<Uint8Array>) {
      const buffer = Buffer.from(chunk);
      const text = tail + buffer.toString('latin1');
      let ended = 0;
      let cut = buffer.length;
      for (const m of text.matchAll(FRAGMENT_END)) {
        if (m.index + m[0].length <= tail.length) continue;
        ended++;
        if (limit !== undefined && fragments + ended === limit) {
          cut = m.index + m[0].length - tail.length;
          break;
        }
      }
      const piece = buffer.subarray(0, cut);
      if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
      bytes += piece.length;
      fragments += ended;
      if (limit !== undefined && fragments >= limit) break;
      tail = text.slice(-128);
    }
  } catch (e) {
    if (!stop.signal.aborted) throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
    stop.abort();
    media.destroy();
    if (out !== io.stdout) await new Promise<void>((r) => out.end(() => r()));
  }
  const summary = { StreamName: stream, to: options.to, fragments, bytes };
  const line = json ? `${JSON.stringify(summary)}\n` : `got ${fragments} fragments (${bytes} bytes) of ${stream}\n`;
  // The media may be on stdout: the summary goes to stderr then.
  (options.to === '-' ? io.stderr : io.stdout).write(line);
}
