/**
 * Reads whole S3 objects for reference data and DiscoverInputSchema: from the S3-compatible server of
 * `--s3-endpoint` (path-style, through @aws-sdk/client-s3), or, with no endpoint configured, from the directory
 * tree `<data-dir>/s3/<bucket>/<key>` where Firehose writes its objects (src/firehose/object-store.ts): the same
 * two places, so what Firehose delivers can be read back as reference data. Firehose's store only writes, so
 * the read side lives here (docs/adr/0021, "Rejected").
 */
import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { analyticsError } from './errors.js';

/** Reads whole objects; a missing object or bucket rejects with ResourceNotFoundException. */
export interface ObjectReader {
  get(bucket: string, key: string): Promise<Buffer>;
  close(): void;
}

export interface S3Endpoint {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** `arn:aws:s3:::bucket` → `bucket` (S3 ARNs have neither region nor account). */
export function bucketOfArn(arn: string): string {
  const m = /^arn:[^:]+:s3:::([^/]+)$/.exec(arn);
  // TODO(#10): AWS's wording.
  if (!m) throw analyticsError('InvalidArgumentException', `Invalid bucket ARN ${arn}.`);
  return m[1]!;
}

function missing(bucket: string, key: string): Error {
  // TODO(#10): AWS's wording.
  return analyticsError('ResourceNotFoundException', `Object s3://${bucket}/${key} is not found.`);
}

export function s3ObjectReader(options: S3Endpoint & { readonly region: string }): ObjectReader {
  const client = new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: true,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
  return {
    async get(bucket, key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await out.Body!.transformToByteArray());
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'NotFound') throw missing(bucket, key);
        throw err;
      }
    },
    close() {
      client.destroy();
    },
  };
}

export function directoryObjectReader(root: string): ObjectReader {
  const base = resolve(root);
  return {
    async get(bucket, key) {
      const path = resolve(base, bucket, key);
      if (!path.startsWith(resolve(base, bucket) + sep)) throw missing(bucket, key);
      try {
        return await readFile(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR')
          throw missing(bucket, key);
        throw err;
      }
    },
    close() {},
  };
}
