/** Kinesis Video test helpers: an SDK v3 client for a test server and an error matcher. */
import assert from 'node:assert/strict';
import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { TEST_CREDENTIALS } from '../helpers/server.js';

export function videoClient(url: string, region = 'us-east-1'): KinesisVideoClient {
  return new KinesisVideoClient({ endpoint: url, region, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
}

/** Waits for `p` to reject with the AWS error type `name` (and the message, when given). */
export async function expectError(
  p: Promise<unknown>,
  name: string,
  message?: string | RegExp,
  status?: number,
): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, name, `${e.name}: ${e.message}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    if (status !== undefined) assert.equal(e.$metadata?.httpStatusCode, status);
    return true;
  });
}

/**
 * Polls `check` until it returns a value (status transitions run on the scheduler's timers and end with a durable
 * metadata write, so they finish a few I/O rounds later). Waits a millisecond between attempts so a slow disk does
 * not exhaust the attempts; gives up after `attempts` (a failure, not a timing assertion).
 */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, attempts = 10_000): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error('condition not reached');
}
