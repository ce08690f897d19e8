/**
 * Counts the fdatasync/fsync calls of this process by wrapping FileHandle's methods (benchmarks only): bench:video
 * reports them for its server, inline or in its child process. An O_DSYNC write (ADR 0045) is not a call counted.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';

let calls = 0;
let wrapped = false;

/** Starts counting (once per process). */
export async function countSyncCalls(): Promise<void> {
  if (wrapped) return;
  wrapped = true;
  const probe = await open(tmpdir(), 'r');
  const proto = Object.getPrototypeOf(probe) as Record<'datasync' | 'sync', (this: FileHandle) => Promise<void>>;
  await probe.close();
  for (const name of ['datasync', 'sync'] as const) {
    const original = proto[name];
    proto[name] = function (this: FileHandle): Promise<void> {
      calls++;
      return original.call(this);
    };
  }
}

/** fdatasync/fsync calls since {@link countSyncCalls}. */
export function syncCalls(): number {
  return calls;
}
