/**
 * One shard-log record as one JetStream message payload (ADR 0028). The key, attributes and the commit
 * timestamp travel inside the payload rather than in headers: headers are text lines (a partition key may be
 * any Unicode, up to 64 KiB), and a fixed binary prefix costs no parsing.
 *
 * Layout: `u8 version (1) | u8 attributes | u32 keyBytes | f64 timestamp ms | key (UTF-8) | value`.
 */
import { type AppendValue, appendValueLength, StorageError, StorageErrorCode } from '../index.js';

const VERSION = 1;
const PREFIX = 14;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes one record; one allocation, the payload itself. */
export function encodeRecord(key: string, value: AppendValue, attributes: number, timestamp: number): Uint8Array {
  const keyBytes = encoder.encode(key);
  const out = new Uint8Array(PREFIX + keyBytes.length + appendValueLength(value));
  const view = new DataView(out.buffer);
  out[0] = VERSION;
  out[1] = attributes;
  view.setUint32(2, keyBytes.length);
  view.setFloat64(6, timestamp);
  out.set(keyBytes, PREFIX);
  if (value instanceof Uint8Array) out.set(value, PREFIX + keyBytes.length);
  else {
    let at = PREFIX + keyBytes.length;
    for (const part of value) {
      out.set(part, at);
      at += part.length;
    }
  }
  return out;
}

/** A decoded payload; `value` is a view on the message's bytes. */
export interface DecodedRecord {
  readonly key: string;
  readonly keyBytes: number;
  readonly value: Uint8Array;
  readonly attributes: number;
  readonly timestamp: number;
}

/** Decodes a payload written by {@link encodeRecord}; anything else is corruption. */
export function decodeRecord(data: Uint8Array, where: string): DecodedRecord {
  if (data.length < PREFIX || data[0] !== VERSION)
    throw new StorageError(StorageErrorCode.corrupt, `${where}: not a Tributary record`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const keyBytes = view.getUint32(2);
  if (PREFIX + keyBytes > data.length) throw new StorageError(StorageErrorCode.corrupt, `${where}: truncated key`);
  return {
    attributes: data[1]!,
    keyBytes,
    timestamp: view.getFloat64(6),
    key: decoder.decode(data.subarray(PREFIX, PREFIX + keyBytes)),
    value: data.subarray(PREFIX + keyBytes),
  };
}

/** Only the commit timestamp (for time searches), without decoding the key. */
export function recordTimestamp(data: Uint8Array, where: string): number {
  if (data.length < PREFIX || data[0] !== VERSION)
    throw new StorageError(StorageErrorCode.corrupt, `${where}: not a Tributary record`);
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getFloat64(6);
}
