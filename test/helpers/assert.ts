/** Assertions shared by the end-to-end tests. */
import assert from 'node:assert/strict';

/** Asserts that `promise` rejects with an error named `name` (the AWS error type, as the SDKs surface it) and, when given, that message. */
export async function rejects(promise: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(promise, (err: Error) => {
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}
