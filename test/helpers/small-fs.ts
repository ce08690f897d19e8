/**
 * A small file system for full-disk tests: a tmpfs of a few MiB mounted on a temporary directory (needs root;
 * CI runs as root). Outside root the tests skip with a message; under `CI=true`, not being able to mount fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { open, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A mounted small file system. */
export interface SmallFs {
  readonly dir: string;
  /** Writes a filler file so that about `leaveBytes` stay free (idempotent with {@link free}). */
  fill(leaveBytes: number): Promise<void>;
  /** Deletes the filler file (no-op when there is none). */
  free(): Promise<void>;
  /** Unmounts and removes the directory. */
  unmount(): Promise<void>;
}

/**
 * Mounts a tmpfs of `sizeMiB`, or returns why it cannot (then the caller skips). Under `CI=true` a failure to
 * mount throws instead, so CI never silently skips the full-disk tests.
 */
export function mountSmallFs(sizeMiB: number): SmallFs | string {
  const why = (reason: string): string => {
    if (process.env.CI === 'true') throw new Error(`full-disk tests need a tmpfs mount under CI: ${reason}`);
    return reason;
  };
  if (process.platform !== 'linux') return why('needs Linux to mount a tmpfs');
  if (process.getuid?.() !== 0) return why('needs root to mount a tmpfs');
  const dir = mkdtempSync(join(tmpdir(), 'trib-small-fs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    spawnSync('rmdir', [dir]);
    return why(`mount -t tmpfs failed: ${(r.stderr || r.error?.message || '').trim()}`);
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    async fill(leaveBytes: number): Promise<void> {
      const st = await statfs(dir);
      let left = st.bavail * st.bsize - leaveBytes;
      const chunk = Buffer.alloc(1024 * 1024, 0x5a);
      const fh = await open(filler, 'a');
      try {
        // Real bytes, not a sparse file: a tmpfs only counts written pages.
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          await fh.write(chunk, 0, n);
          left -= n;
        }
      } finally {
        await fh.close();
      }
    },
    async free(): Promise<void> {
      await rm(filler, { force: true });
    },
    async unmount(): Promise<void> {
      const u = spawnSync('umount', [dir], { encoding: 'utf8' });
      if (u.status !== 0) spawnSync('umount', ['-l', dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
