/**
 * Names on the NATS side. Log ids ([A-Za-z0-9._-], ≤ 200 chars) and metadata keys (any string) must become
 * JetStream stream names (no `.`, no wildcards, no whitespace) and KV keys (`[-/_=.A-Za-z0-9]`, no leading or
 * trailing `.`). Both encodings are injective, so two ids never share a stream or a key.
 */
import { createHash } from 'node:crypto';

/** Longest encoded log id kept readable; longer ones are replaced by a hash (the id stays in the description). */
const MAX_READABLE = 180;

/**
 * The stream-name token of a log id: `.` → `_d`, `_` → `_u`; ids whose encoding is too long for a file-store
 * directory name become `_h<sha256>` (an encoding never contains `_h`). The original id is kept in the
 * stream's description, which is what {@link NatsLogStore.list} reports.
 */
export function logIdToken(id: string): string {
  const token = id.replace(/[._]/g, (c) => (c === '.' ? '_d' : '_u'));
  return token.length <= MAX_READABLE ? token : `_h${createHash('sha256').update(id).digest('hex')}`;
}

const KV_SAFE = /[A-Za-z0-9/-]/;

/**
 * The KV key of a metadata key: `k` then the key with letters, digits, `/` and `-` kept and every other UTF-16
 * unit as `_` + 4 hex digits (so `.` can never start, end or double inside a key, and the empty key is `k`).
 */
export function metaKeyToKv(key: string): string {
  let out = 'k';
  for (let i = 0; i < key.length; i++) {
    const c = key[i]!;
    out += KV_SAFE.test(c) ? c : `_${key.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return out;
}

/** Inverse of {@link metaKeyToKv}. */
export function kvToMetaKey(kvKey: string): string {
  return kvKey.slice(1).replace(/_([0-9a-f]{4})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
