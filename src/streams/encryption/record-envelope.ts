/**
 * Encrypted record envelope: how a record written to an encrypted stream is stored. Pure: no I/O.
 *
 * A stored record whose attributes carry {@link RecordAttribute.encrypted} has an empty storage key and
 * this value (the flag lives outside the value, so plaintext can never be mistaken for an envelope):
 *
 * ```
 * byte   size  field
 *    0      1  envelope version (1)
 *    1      1  L = length of the key id
 *    2      L  key id (ASCII) of the local KMS key the data key derives from
 *  2+L     12  nonce (random per record)
 * 14+L      n  AES-256-GCM ciphertext of: partition key length (uint16 BE) || partition key (UTF-8) || data
 * 14+L+n   16  GCM authentication tag
 * ```
 *
 * Additional authenticated data: the header (bytes 0 … 2+L) followed by the log id of the shard, so an
 * envelope copied into another stream or shard, or an altered key id, fails authentication.
 * Data key: HKDF-SHA256 of the KMS key's material with the stream incarnation id as salt (one data key per
 * stream and master key, as KMS hands Kinesis data keys), so nonces only need to be unique per stream.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomFillSync } from 'node:crypto';

/** Application attribute bits stored with each record (`AppendEntry.attributes`). */
export const RecordAttribute = {
  /** The value is an encrypted envelope. */
  encrypted: 0x01,
} as const;

const ENVELOPE_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_INFO = Buffer.from('tributary kinesis record data key v1');

/** Derives the 256-bit data key of one stream from a KMS key's material. */
export function deriveDataKey(material: Uint8Array, streamId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', material, Buffer.from(streamId, 'utf8'), HKDF_INFO, 32));
}

/** Encrypts one record (partition key and data) into an envelope. */
export function sealRecord(
  record: { partitionKey: string; data: Uint8Array },
  options: { keyId: string; dataKey: Uint8Array; logId: string },
): Buffer {
  const keyIdBytes = Buffer.from(options.keyId, 'ascii');
  if (keyIdBytes.length > 255) throw new RangeError('key id longer than 255 bytes');
  const pk = Buffer.from(record.partitionKey, 'utf8');
  const headerLength = 2 + keyIdBytes.length;
  const plainLength = 2 + pk.length + record.data.length;
  const out = Buffer.allocUnsafe(headerLength + NONCE_BYTES + plainLength + TAG_BYTES);
  out[0] = ENVELOPE_VERSION;
  out[1] = keyIdBytes.length;
  keyIdBytes.copy(out, 2);
  const nonce = out.subarray(headerLength, headerLength + NONCE_BYTES);
  randomFillSync(nonce);
  const cipher = createCipheriv('aes-256-gcm', options.dataKey, nonce);
  cipher.setAAD(Buffer.concat([out.subarray(0, headerLength), Buffer.from(options.logId, 'utf8')]));
  const lengthPrefix = Buffer.allocUnsafe(2);
  lengthPrefix.writeUInt16BE(pk.length, 0);
  let pos = headerLength + NONCE_BYTES;
  for (const part of [lengthPrefix, pk, record.data]) {
    const enc = cipher.update(part);
    enc.copy(out, pos);
    pos += enc.length;
  }
  const final = cipher.final();
  final.copy(out, pos);
  pos += final.length;
  cipher.getAuthTag().copy(out, pos);
  return out;
}

/** The key id an envelope names, without decrypting; undefined when the bytes are not an envelope. */
export function envelopeKeyId(value: Uint8Array): string | undefined {
  if (value.length < 2 || value[0] !== ENVELOPE_VERSION) return undefined;
  const length = value[1]!;
  if (value.length < 2 + length + NONCE_BYTES + 2 + TAG_BYTES) return undefined;
  return Buffer.from(value.buffer, value.byteOffset + 2, length).toString('ascii');
}

/** Decrypts an envelope; throws when it is malformed or fails authentication. */
export function openRecord(
  value: Uint8Array,
  options: { dataKey: Uint8Array; logId: string },
): { partitionKey: string; data: Uint8Array } {
  const buf = Buffer.from(value.buffer, value.byteOffset, value.length);
  if (envelopeKeyId(buf) === undefined) throw new Error('not an encrypted record envelope');
  const headerLength = 2 + buf[1]!;
  const nonce = buf.subarray(headerLength, headerLength + NONCE_BYTES);
  const tag = buf.subarray(buf.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', options.dataKey, nonce);
  decipher.setAAD(Buffer.concat([buf.subarray(0, headerLength), Buffer.from(options.logId, 'utf8')]));
  decipher.setAuthTag(tag);
  const plain = Buffer.concat([
    decipher.update(buf.subarray(headerLength + NONCE_BYTES, buf.length - TAG_BYTES)),
    decipher.final(),
  ]);
  const pkLength = plain.readUInt16BE(0);
  if (2 + pkLength > plain.length) throw new Error('encrypted record envelope has a bad partition key length');
  return { partitionKey: plain.toString('utf8', 2, 2 + pkLength), data: plain.subarray(2 + pkLength) };
}
