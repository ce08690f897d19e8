/**
 * Small file helpers for the local backend. Everything is asynchronous: no file-system call runs on the event
 * loop, because any write can wait on the disk (an appending write needs a journal handle, and ext4 hands none out
 * while a journal commit waits for a stalled device), and a stalled event loop stops every stream, health check
 * and metric of the process (docs/adr/0041-video-archive-disk-bound.md measured stalls of 4.8–9.4 s).
 */
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
