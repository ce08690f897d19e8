/** Network helpers for tests that start servers as child processes. */
import { createServer } from 'node:net';

/** A loopback TCP port that was free a moment ago (for children that need a port on their command line). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
