/**
 * Object compression of the S3 destination ("Configure destination settings", CompressionFormat): the whole
 * object is compressed after buffering; buffer sizes are measured before compression.
 * - GZIP: one gzip member (node:zlib).
 * - ZIP: one archive holding one deflated entry named after the object (without `.zip`).
 * - Snappy: the Snappy framing format; HADOOP_SNAPPY: Hadoop's Snappy block format (src/firehose/snappy.ts).
 */
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import type { CompressionFormat } from './shapes/index.js';
import { hadoopSnappy, snappyFramed } from './snappy.js';

export function compress(format: CompressionFormat, body: Buffer, entryName: string): Buffer {
  switch (format) {
    case 'GZIP':
      return gzipSync(body);
    case 'ZIP':
      return zipOne(entryName, body);
    case 'Snappy':
      return snappyFramed(body);
    case 'HADOOP_SNAPPY':
      return hadoopSnappy(body);
    default:
      return body;
  }
}

/** A ZIP archive with one deflated entry (PKWARE APPNOTE: local header, data, central directory, end record). */
function zipOne(name: string, data: Buffer): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const deflated = deflateRawSync(data);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed
  local.writeUInt16LE(0x0800, 6); // UTF-8 names
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(0, 10); // time, date
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(deflated.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  local.writeUInt16LE(0, 28);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0x0800, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(0, 12);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(deflated.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  // extra, comment, disk, internal attrs, external attrs, local header offset: all 0
  const centralOffset = local.length + nameBytes.length + deflated.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, nameBytes, deflated, central, nameBytes, end]);
}
