/**
 * TLS material: a certificate and key from files, or a self-signed certificate generated at
 * start-up. Node can generate keys and sign but not build an X.509 certificate, so a minimal DER
 * writer assembles one (RFC 5280 §4.1):
 *
 *   Certificate  ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertificate ::= SEQUENCE { [0] version(v3=2), serialNumber INTEGER, signature AlgId,
 *                                 issuer Name, validity SEQUENCE { notBefore, notAfter },
 *                                 subject Name, subjectPublicKeyInfo, [3] extensions }
 *
 * Key: ECDSA P-256, signature ecdsa-with-SHA256 (OID 1.2.840.10045.4.3.2, no parameters, RFC 5758).
 * Extensions: subjectAltName (the bound host, localhost, 127.0.0.1, ::1), basicConstraints CA:TRUE
 * (so the certificate can be trusted directly as its own anchor) and keyUsage.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';

/** PEM certificate and key for a TLS server. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint of the certificate, colon-separated upper-case hex (as openssl prints it). */
  readonly fingerprint256: string;
  /** True when generated at start-up. */
  readonly selfSigned: boolean;
}

/** Reads a PEM certificate (chain) and private key. Throws with the file name on failure. */
export async function loadTlsFiles(certPath: string, keyPath: string): Promise<TlsMaterial> {
  const [cert, key] = await Promise.all([readPem(certPath), readPem(keyPath)]);
  const x509 = new X509Certificate(cert);
  if (!x509.checkPrivateKey((await import('node:crypto')).createPrivateKey(key))) {
    throw new Error(`TLS key ${keyPath} does not belong to the certificate ${certPath}`);
  }
  return { cert, key, fingerprint256: x509.fingerprint256, selfSigned: false };
}

async function readPem(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Options of {@link generateSelfSigned}. */
export interface SelfSignedOptions {
  /** Names and addresses for subjectAltName besides localhost, 127.0.0.1 and ::1. */
  readonly hosts?: readonly string[];
  /** Validity in days from now. Default 365. */
  readonly days?: number;
  /** Common name. Default `Tributary self-signed`. */
  readonly commonName?: string;
}

/** Generates a fresh P-256 key and a self-signed certificate for it. */
export function generateSelfSigned(options: SelfSignedOptions = {}): TlsMaterial {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const hosts = [...new Set(['localhost', '127.0.0.1', '::1', ...(options.hosts ?? [])])].filter(
    (h) => h !== '' && h !== '0.0.0.0' && h !== '::',
  );
  const now = Date.now();
  // Back-date a little so clients with a slightly slow clock accept it at once.
  const notBefore = new Date(now - 60 * 60_000);
  const notAfter = new Date(now + (options.days ?? 365) * 86_400_000);
  const name = seq(set(seq(oid('2.5.4.3'), utf8(options.commonName ?? 'Tributary self-signed'))));
  const algorithm = seq(oid('1.2.840.10045.4.3.2'));
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // positive INTEGER
  const san = seq(
    ...hosts.map((h) => {
      const ip = isIP(h);
      if (ip === 4) return tlv(0x87, Buffer.from(h.split('.').map(Number)));
      if (ip === 6) return tlv(0x87, ipv6Bytes(h));
      return tlv(0x82, Buffer.from(h, 'ascii'));
    }),
  );
  const extensions = tlv(
    0xa3,
    seq(
      seq(oid('2.5.29.17'), octets(san)),
      seq(oid('2.5.29.19'), tlv(0x01, Buffer.from([0xff])), octets(seq(tlv(0x01, Buffer.from([0xff]))))),
      // keyUsage: digitalSignature (bit 0) and keyCertSign (bit 5) → 0b10000100, 2 unused bits.
      seq(oid('2.5.29.15'), tlv(0x01, Buffer.from([0xff])), octets(tlv(0x03, Buffer.from([0x02, 0x84])))),
    ),
  );
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    algorithm,
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    spki,
    extensions,
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const der = seq(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const cert = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { cert, key, fingerprint256: fingerprint(der), selfSigned: true };
}

/** SHA-256 of DER bytes as `AB:CD:…`. */
function fingerprint(der: Buffer): string {
  return createHash('sha256')
    .update(der)
    .digest('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');
}

// --- minimal DER (X.690) writer -------------------------------------------------------------

function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

function seq(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

function octets(body: Buffer): Buffer {
  return tlv(0x04, body);
}

function utf8(text: string): Buffer {
  return tlv(0x0c, Buffer.from(text, 'utf8'));
}

function integer(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && b[1]! < 0x80) b = b.subarray(1);
  if (b[0]! >= 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function oid(text: string): Buffer {
  const parts = text.split('.').map(Number);
  const out: number[] = [parts[0]! * 40 + parts[1]!];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime before 2050, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii'))
    : tlv(0x18, Buffer.from(iso, 'ascii'));
}

function ipv6Bytes(text: string): Buffer {
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(parseInt(g, 16) || 0, i * 2);
  return out;
}
