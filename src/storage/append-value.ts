/** Helpers for {@link AppendValue}s, shared by the backends. */
import type { AppendValue } from './types.js';

/** Bytes of an {@link AppendValue}. */
export function appendValueLength(value: AppendValue): number {
  if (value instanceof Uint8Array) return value.length;
  let n = 0;
  for (const part of value) n += part.length;
  return n;
}

/** Whether `value` is an {@link AppendValue}: a Uint8Array, or an array of them. */
export function isAppendValue(value: unknown): value is AppendValue {
  return value instanceof Uint8Array || (Array.isArray(value) && value.every((p) => p instanceof Uint8Array));
}
