/**
 * Waiting for a resource to reach a state (`--wait` of the create, delete and start/stop commands): the service is
 * asked every 200 ms until `check` says done or the time is up.
 */

/** Calls `check` until it returns true; throws after `timeoutMs` naming `what`. */
export async function pollUntil(check: () => Promise<boolean>, what: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Whether `e` is the service's ResourceNotFoundException (a deleted resource is gone). */
export function isNotFound(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === 'ResourceNotFoundException';
}
