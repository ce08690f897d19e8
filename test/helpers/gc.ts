/**
 * A full garbage collection on demand, for tests that assert that something is no longer retained (a WeakRef's
 * target is gone). `--expose-gc` set at run time makes `gc` available to contexts created afterwards.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Collects garbage until the WeakRefs' targets are collectable: a WeakRef keeps its target for the rest of the job
 * that created or read it, so a macrotask passes between two collections.
 */
export async function collectGarbage(): Promise<void> {
  gc();
  await new Promise<void>((resolve) => setImmediate(resolve));
  gc();
}
