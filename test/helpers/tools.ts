/**
 * External tools a test needs (aws CLI, boto3, ...). Outside CI a missing tool skips the test with a
 * clear message; with CI=true it is a failure (CI must install everything).
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Returns false when available, else the skip message; throws under CI=true. */
export function requireTool(name: string, probe: { cmd: string; args: string[] }): false | string {
  const r = spawnSync(probe.cmd, probe.args, { stdio: 'ignore' });
  if (r.status === 0) return false;
  const message = `${name} is not available (${probe.cmd} ${probe.args.join(' ')} failed); run .ci/run or install it`;
  if (process.env.CI === 'true') throw new Error(`CI: ${message}`);
  return message;
}

/**
 * The Debian aws CLI against `endpoint` for one service (`kinesis`, `firehose`, ...), with throw-away
 * credentials and no config files: `await aws('create-stream', '--stream-name', 's')` resolves with the parsed JSON
 * output (`{}` when the command prints nothing).
 */
export function awsCli(endpoint: string, service: string): (...args: string[]) => Promise<Record<string, any>> {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'AKIDCLI',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  return async (...args) => {
    const { stdout } = await run('/usr/bin/aws', ['--endpoint-url', endpoint, '--output', 'json', service, ...args], {
      env,
    });
    return stdout.trim() ? JSON.parse(stdout) : {};
  };
}
