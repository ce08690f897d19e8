/**
 * Where S3 destinations write objects: an S3-compatible server (`--s3-endpoint`, path-style, through
 * @aws-sdk/client-s3), or, with no endpoint configured, a directory tree `<data-dir>/s3/<bucket>/<key>` with the
 * same key layout. A write either fails or leaves the whole object (directory objects are written to a temporary
 * file, synced, then renamed).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * The error code Firehose's CloudWatch Logs error messages give a failed Amazon S3 write ("Monitoring Amazon Data
 * Firehose Using CloudWatch Logs", data delivery errors: `S3.<S3 error code>`, e.g. `S3.NoSuchBucket`,
 * `S3.AccessDenied`), when the server answered with an error code; undefined for a transport failure (no answer)
 * or a local directory error.
 */
export function s3ErrorCode(err: unknown): string | undefined {
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: number } } | undefined;
  if (!e || typeof e.name !== 'string' || e.$metadata?.httpStatusCode === undefined) return undefined;
  return `S3.${e.name}`;
}

/** Writes whole objects. */
export interface ObjectStore {
  put(bucket: string, key: string, body: Buffer): Promise<void>;
  close(): void;
}

/** Settings of an S3-compatible endpoint. */
export interface S3EndpointOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Objects to any S3-compatible server, path-style, checksums only when an operation requires them. */
export function s3ObjectStore(options: S3EndpointOptions): ObjectStore {
  const client = new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: true,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    // Streams sent with flexible checksums are aws-chunked, which some S3-compatible servers store verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
  return {
    async put(bucket, key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length }));
    },
    close() {
      client.destroy();
    },
  };
}

/** Objects as files under `root/<bucket>/<key>`. */
export function directoryObjectStore(root: string): ObjectStore {
  const base = resolve(root);
  return {
    async put(bucket, key, body) {
      const path = resolve(base, bucket, key);
      // Keys are built from the configuration; a key that would leave the bucket's folder is refused.
      if (!path.startsWith(resolve(base, bucket) + sep)) throw new Error(`object key ${key} leaves bucket ${bucket}`);
      await mkdir(dirname(path), { recursive: true });
      const tmp = join(dirname(path), `.tmp-${randomBytes(6).toString('hex')}`);
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await rename(tmp, path);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },
    close() {},
  };
}
