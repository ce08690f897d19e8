/**
 * `tributary export STREAM --to FILE` and `tributary import STREAM --from FILE`: a stream's records as JSON lines,
 * one record a line: `{"shardId","sequenceNumber","partitionKey","approximateArrivalTimestamp","data"}` with `data` in
 * base64 (records are bytes). Export reads every shard from its oldest record to the tip (parents before
 * children), without following; import writes the lines back with their partition keys through the batched writer
 * of `put` (new sequence numbers: AWS assigns them).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { type Io, toJson, UsageError } from '../output.js';
import { Progress } from '../progress.js';
import { putRecordsSender, RecordWriter, reportWrite } from './put.js';
import { tailCommand } from './tail.js';

export async function exportCommand(
  kinesis: KinesisClient,
  io: Io,
  json: boolean,
  stream: string,
  options: { readonly to: string },
  signal: AbortSignal,
): Promise<void> {
  const out = options.to === '-' ? io.stdout : createWriteStream(options.to);
  const progress = new Progress(io, `export ${stream}`);
  let bytes = 0;
  const started = Date.now();
  // The tail reader with the `export` format writes each record as an export line; count them on the way.
  const sink = {
    write(line: string) {
      bytes += line.length;
      progress.add(1, line.length);
      return out.write(line);
    },
  } as unknown as Io['stdout'];
  const records = await tailCommand(
    kinesis,
    { ...io, stdout: sink },
    false,
    stream,
    { from: 'trim-horizon', format: 'export', follow: false, pollMs: '0' },
    signal,
  );
  if (out !== io.stdout) {
    (out as NodeJS.WritableStream).end();
    await once(out as NodeJS.WritableStream, 'finish');
  }
  progress.done();
  const seconds = (Date.now() - started) / 1000;
  if (options.to !== '-') {
    io.stdout.write(
      json
        ? toJson({ StreamName: stream, records, bytes, seconds })
        : `exported ${records} records of ${stream} to ${options.to} in ${seconds.toFixed(2)} s\n`,
    );
  }
}

export async function importCommand(
  kinesis: KinesisClient,
  io: Io,
  json: boolean,
  stream: string,
  options: { readonly from: string; readonly retries: string },
): Promise<number> {
  const retries = Number(options.retries);
  if (!Number.isInteger(retries) || retries < 0)
    throw new UsageError(`--retries must be a whole number, got '${options.retries}'`);
  const total = options.from === '-' ? undefined : (await stat(options.from)).size;
  const writer = new RecordWriter(
    putRecordsSender(kinesis, stream),
    retries,
    new Progress(io, `import ${stream}`, total),
  );
  const input = options.from === '-' ? io.stdin : createReadStream(options.from);
  let n = 0;
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    n++;
    if (line.trim() === '') continue;
    let record: { partitionKey?: unknown; data?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      throw new UsageError(`line ${n} of ${options.from} is not JSON`);
    }
    if (typeof record.partitionKey !== 'string' || typeof record.data !== 'string')
      throw new UsageError(`line ${n} of ${options.from} lacks a string partitionKey and base64 data`);
    await writer.add(Buffer.from(record.data, 'base64'), record.partitionKey, Buffer.byteLength(line) + 1);
  }
  return reportWrite(io, json, stream, await writer.finish(), 'imported');
}
