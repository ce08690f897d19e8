/**
 * `tributary video ls|create|describe|delete`: Kinesis video streams through the AWS SDK's Kinesis Video client
 * (docs/adr/0030-cli.md).
 */
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  type KinesisVideoClient,
  ListStreamsCommand,
  type StreamInfo,
} from '@aws-sdk/client-kinesis-video';
import { type Io, keyValues, table, toJson, UsageError } from '../output.js';
import { isNotFound, pollUntil } from '../poll.js';

async function listStreams(video: KinesisVideoClient): Promise<StreamInfo[]> {
  const out: StreamInfo[] = [];
  let token: string | undefined;
  do {
    const page = await video.send(new ListStreamsCommand({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) }));
    out.push(...(page.StreamInfoList ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

async function describe(video: KinesisVideoClient, name: string): Promise<StreamInfo> {
  return (await video.send(new DescribeStreamCommand({ StreamName: name }))).StreamInfo!;
}

export async function videoLs(video: KinesisVideoClient, io: Io, json: boolean): Promise<void> {
  const streams = await listStreams(video);
  if (json) {
    io.stdout.write(toJson(streams));
    return;
  }
  io.stdout.write(
    table(
      ['NAME', 'STATUS', 'MEDIA TYPE', 'RETENTION', 'CREATED'],
      streams.map((s) => [
        s.StreamName ?? '',
        s.Status ?? '',
        s.MediaType ?? '',
        `${s.DataRetentionInHours ?? 0} h`,
        s.CreationTime?.toISOString() ?? '',
      ]),
    ),
  );
}

function printInfo(io: Io, json: boolean, s: StreamInfo, headline?: string): void {
  if (json) {
    io.stdout.write(toJson(s));
    return;
  }
  if (headline) io.stdout.write(`${headline}\n`);
  io.stdout.write(
    keyValues([
      ['Name', s.StreamName ?? ''],
      ['ARN', s.StreamARN ?? ''],
      ['Status', s.Status ?? ''],
      ['Media type', s.MediaType ?? ''],
      ['Device', s.DeviceName ?? ''],
      ['Retention', `${s.DataRetentionInHours ?? 0} h`],
      ['KMS key', s.KmsKeyId ?? ''],
      ['Version', s.Version ?? ''],
      ['Created', s.CreationTime?.toISOString() ?? ''],
    ]),
  );
}

export async function videoDescribe(video: KinesisVideoClient, io: Io, json: boolean, name: string): Promise<void> {
  printInfo(io, json, await describe(video, name));
}

export interface VideoCreateOptions {
  readonly retentionHours?: string;
  readonly mediaType?: string;
  readonly deviceName?: string;
  readonly wait?: boolean;
}

export async function videoCreate(
  video: KinesisVideoClient,
  io: Io,
  json: boolean,
  name: string,
  options: VideoCreateOptions,
): Promise<void> {
  let retention: number | undefined;
  if (options.retentionHours !== undefined) {
    retention = Number(options.retentionHours);
    if (!Number.isInteger(retention) || retention < 0)
      throw new UsageError(`--retention-hours must be a whole number, got '${options.retentionHours}'`);
  }
  await video.send(
    new CreateStreamCommand({
      StreamName: name,
      ...(retention !== undefined ? { DataRetentionInHours: retention } : {}),
      ...(options.mediaType !== undefined ? { MediaType: options.mediaType } : {}),
      ...(options.deviceName !== undefined ? { DeviceName: options.deviceName } : {}),
    }),
  );
  if (options.wait)
    await pollUntil(async () => (await describe(video, name)).Status === 'ACTIVE', `video stream ${name} to be ACTIVE`);
  printInfo(io, json, await describe(video, name), `created ${name}`);
}

export async function videoDelete(
  video: KinesisVideoClient,
  io: Io,
  json: boolean,
  name: string,
  options: { readonly wait?: boolean },
): Promise<void> {
  // DeleteStream takes the ARN only (Kinesis Video Streams API reference, DeleteStream).
  const info = await describe(video, name);
  await video.send(new DeleteStreamCommand({ StreamARN: info.StreamARN! }));
  if (options.wait)
    await pollUntil(
      () =>
        describe(video, name).then(
          () => false,
          (e: unknown) => (isNotFound(e) ? true : Promise.reject(e)),
        ),
      `video stream ${name} to be deleted`,
    );
  io.stdout.write(json ? toJson({ StreamName: name, deleted: true }) : `deleted ${name}\n`);
}
