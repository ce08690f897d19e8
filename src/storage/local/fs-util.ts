/**
 * Small file helpers for the local backend. Everything is asynchronous except {@link writeSmallFully}, whose
 * bounded cost is explained there.
 */
import { writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Writes all of `buf` at `position` (retrying short writes). */
export async function writeFully(fh: FileHandle, at: { buf: Uint8Array; position: number }): Promise<void> {
  let done = 0;
  const { buf, position } = at;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    if (bytesWritten <= 0) throw new Error('write made no progress');
    done += bytesWritten;
  }
}

/**
 * Largest write done by {@link writeSmallFully}: copying this much into the page cache takes a few
 * microseconds; larger chunks go through {@link writeFully} so a big batch never holds the event loop.
 */
export const SMALL_WRITE_BYTES = 64 * 1024;

/**
 * Writes all of `buf` (at most {@link SMALL_WRITE_BYTES}) at `position` on the calling thread. Why not
 * through libuv's thread pool: each hand-off wakes a pool thread, and on a machine with as many busy
 * threads as cores the woken thread takes the event loop's core for a while, whereas the write itself, a
 * copy into the page cache, costs about 3 µs. Only for logs fsynced after every group (`--durability
 * always`): their dirty pages stay few, so the write does not meet the kernel's write-back throttling.
 * Throws like `fs.writeSync` (ENOSPC included).
 */
export function writeSmallFully(fh: FileHandle, at: { buf: Uint8Array; position: number }): void {
  const { buf, position } = at;
  if (buf.length > SMALL_WRITE_BYTES) throw new RangeError(`writeSmallFully takes at most ${SMALL_WRITE_BYTES} bytes`);
  let done = 0;
  while (done < buf.length) {
    const written = writeSync(fh.fd, buf, done, buf.length - done, position + done);
    if (written <= 0) throw new Error('write made no progress');
    done += written;
  }
}

/** Reads into `buf` from `position` until it is full or the file ends; returns the bytes read. */
export async function readFully(fh: FileHandle, at: { buf: Uint8Array; position: number }): Promise<number> {
  let done = 0;
  const { buf, position } = at;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * fsyncs a directory so that file creations, renames and deletions in it survive a machine crash
 * (POSIX: fsync of the file alone does not persist its directory entry).
 */
export async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Whether an error is "no such file or directory". */
export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}
