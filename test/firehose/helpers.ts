/** Shared helpers of the Firehose tests: SDK client, object listing, waiting on conditions. */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { TEST_CREDENTIALS } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';

export const ROLE = 'arn:aws:iam::000000000000:role/firehose';

export function firehoseClient(url: string, region = 'us-east-1'): FirehoseClient {
  return new FirehoseClient({ endpoint: url, region, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
}

/** Every file under `root` as `key → bytes` (keys relative to root, `/`-separated, temporary files left out). */
export async function listObjects(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (!e.name.startsWith('.tmp-')) out.set(relative(root, path).split('\\').join('/'), await readFile(path));
    }
  };
  await walk(root);
  return out;
}

/**
 * Waits until `check` returns a value (not undefined), re-checking after each event-loop turn and short pause;
 * fails after `attempts` checks. It waits for a condition, never asserts on a duration.
 */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, attempts = 2000): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('condition not reached');
}

/** The key layout of a default-prefix object: `YYYY/MM/dd/HH/<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><ext>`. */
export function defaultKeyPattern(stream: string, version: number, ext = ''): RegExp {
  const escaped = ext.replace(/\./g, '\\.');
  return new RegExp(
    `^(\\d{4})/(\\d{2})/(\\d{2})/(\\d{2})/${stream}-${version}-\\1-\\2-\\3-\\4-\\d{2}-\\d{2}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}${escaped}$`,
  );
}

const here = dirname(fileURLToPath(import.meta.url));
const snappyDecodeScript = join(here, '..', '..', '..', 'test', 'firehose', 'fixtures', 'snappy_decode.py');
/** False when Debian's python3-snappy is importable, else the skip message (a failure under CI=true). */
export function snappySkip(): false | string {
  return requireTool('python3-snappy', {
    cmd: '/usr/bin/python3',
    args: ['-c', 'import snappy, snappy.hadoop_snappy'],
  });
}

/** Decodes `body` with python-snappy (`framed` or `hadoop`). */
export function pythonSnappy(kind: 'framed' | 'hadoop', body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      '/usr/bin/python3',
      [snappyDecodeScript, kind],
      { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout)),
    );
    child.stdin!.end(body);
  });
}
