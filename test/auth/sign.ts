/** Test helper: signs raw requests with the AWS-maintained signer, the way SDKs do. */
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RawSignOptions {
  host: string;
  method?: string;
  path?: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
  body: string | Buffer;
  region?: string;
  service?: string;
  signingDate?: Date;
  /** Presign instead of an Authorization header. */
  presign?: { expiresIn: number };
}

/** Returns the headers (header form) or the query (presigned) to send. */
export async function signRaw(
  creds: Creds,
  o: RawSignOptions,
): Promise<{ headers: Record<string, string>; path: string }> {
  const signer = new SignatureV4({
    credentials: creds,
    region: o.region ?? 'us-east-1',
    service: o.service ?? 'kinesis',
    sha256: Hash.bind(null, 'sha256'),
  });
  const request = {
    method: o.method ?? 'POST',
    protocol: 'http:',
    hostname: o.host.split(':')[0]!,
    path: o.path ?? '/',
    query: o.query ?? {},
    headers: { host: o.host, ...o.headers },
    body: o.body,
  };
  const signed = o.presign
    ? await signer.presign(request, {
        expiresIn: o.presign.expiresIn,
        ...(o.signingDate ? { signingDate: o.signingDate } : {}),
      })
    : await signer.sign(request, o.signingDate ? { signingDate: o.signingDate } : {});
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(signed.query ?? {})) {
    for (const item of Array.isArray(v) ? v : [v]) if (item !== null) query.append(k, item as string);
  }
  const qs = query.toString().replace(/\+/g, '%20');
  return { headers: signed.headers as Record<string, string>, path: `${signed.path}${qs ? `?${qs}` : ''}` };
}
