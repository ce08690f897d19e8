/**
 * External tools a test needs (aws CLI, boto3, ...). Outside CI a missing tool skips the test with a
 * clear message; with CI=true it is a failure (CI must install everything).
 */
import { spawnSync } from 'node:child_process';

/** Returns false when available, else the skip message; throws under CI=true. */
export function requireTool(name: string, probe: { cmd: string; args: string[] }): false | string {
  const r = spawnSync(probe.cmd, probe.args, { stdio: 'ignore' });
  if (r.status === 0) return false;
  const message = `${name} is not available (${probe.cmd} ${probe.args.join(' ')} failed); run .ci/run or install it`;
  if (process.env.CI === 'true') throw new Error(`CI: ${message}`);
  return message;
}
