/** SigV4 verification against requests signed by @smithy/signature-v4 (what the JS SDK uses). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSigV4Verifier, parseCredentials, type SignedRequest } from '../../src/auth/index.js';
import { signRaw, type Creds } from './sign.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const ALICE: Creds = { accessKeyId: 'AKIAALICE0000001', secretAccessKey: 'alice-secret' };
const TEMP: Creds = {
  accessKeyId: 'ASIATEMP00000001',
  secretAccessKey: 'temp-secret',
  sessionToken: 'session-token-1',
};
const store = parseCredentials({
  principals: [
    { name: 'alice', accountId: '111111111111', accessKeys: [ALICE] },
    { name: 'temp', accountId: '222222222222', accessKeys: [TEMP] },
  ],
});
const verify = createSigV4Verifier({ credentials: () => store, now: () => NOW });
const HOST = '127.0.0.1:4567';
const BODY = '{"StreamName":"orders"}';
const BASE_HEADERS = {
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': 'Kinesis_20131202.DescribeStream',
};

async function signed(creds: Creds, extra: Partial<Parameters<typeof signRaw>[1]> = {}): Promise<SignedRequest> {
  const body = extra.body ?? BODY;
  const { headers, path } = await signRaw(creds, {
    host: HOST,
    headers: BASE_HEADERS,
    body,
    signingDate: new Date(NOW),
    ...extra,
  });
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  return { method: 'POST', url: path, headers: lower, body: Buffer.from(body) };
}

async function fails(req: SignedRequest, code: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(verify(req, 'kinesis'), (e: Error & { code?: string }) => {
    assert.equal(e.code, code, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}

describe('SigV4 verification', () => {
  it('accepts a correctly signed header-form request and names the principal', async () => {
    const ok = await verify(await signed(ALICE), 'kinesis');
    assert.equal(ok.key.principal.name, 'alice');
    assert.equal(ok.region, 'us-east-1');
  });

  it('accepts HTTP/2 requests where the host arrives as :authority', async () => {
    const req = await signed(ALICE);
    const { host, ...rest } = req.headers;
    assert.ok(host);
    assert.ok(await verify({ ...req, headers: { ...rest, ':authority': host } }, 'kinesis'));
  });

  it('wrong secret → InvalidSignatureException with the canonical string and string to sign', async () => {
    await fails(
      await signed({ ...ALICE, secretAccessKey: 'wrong-secret' }),
      'InvalidSignatureException',
      /^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\. Consult the service documentation for details\.\n\nThe Canonical String for this request should have been\n'POST\n\/\n\n[\s\S]*'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20261125T120000Z\n20261125\/us-east-1\/kinesis\/aws4_request\n[0-9a-f]{64}'\n$/,
    );
  });

  it('a tampered body or header → InvalidSignatureException', async () => {
    const req = await signed(ALICE);
    await fails({ ...req, body: Buffer.from('{"StreamName":"other"}') }, 'InvalidSignatureException');
    await fails(
      { ...req, headers: { ...req.headers, 'x-amz-target': 'Kinesis_20131202.DeleteStream' } },
      'InvalidSignatureException',
    );
  });

  it('unknown access key → UnrecognizedClientException', async () => {
    await fails(
      await signed({ accessKeyId: 'AKIANOBODY000001', secretAccessKey: 'x' }),
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  });

  it('temporary credentials need their session token', async () => {
    assert.ok(await verify(await signed(TEMP), 'kinesis'));
    await fails(
      await signed({ ...TEMP, sessionToken: 'other' }),
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
    const { sessionToken: _omit, ...noToken } = TEMP;
    await fails(await signed(noToken), 'UnrecognizedClientException');
  });

  it('signature older than the skew window → Signature expired', async () => {
    await fails(
      await signed(ALICE, { signingDate: new Date(NOW - 16 * 60_000) }),
      'InvalidSignatureException',
      'Signature expired: 20261125T114400Z is now earlier than 20261125T114500Z (20261125T120000Z - 15 min.)',
    );
  });

  it('signature from the future → Signature not yet current', async () => {
    await fails(
      await signed(ALICE, { signingDate: new Date(NOW + 16 * 60_000) }),
      'InvalidSignatureException',
      'Signature not yet current: 20261125T121600Z is still later than 20261125T121500Z (20261125T120000Z + 15 min.)',
    );
  });

  it('credential scope for another service → InvalidSignatureException', async () => {
    await fails(
      await signed(ALICE, { service: 'firehose' }),
      'InvalidSignatureException',
      "Credential should be scoped to correct service: 'kinesis'. ",
    );
  });

  it('scope date differing from X-Amz-Date → InvalidSignatureException', async () => {
    const req = await signed(ALICE);
    const auth = req.headers['authorization']!.replace('/20261125/', '/20261124/');
    await fails(
      { ...req, headers: { ...req.headers, authorization: auth } },
      'InvalidSignatureException',
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261124' != '20261125', from '20261125T120000Z'.",
    );
  });

  it('malformed X-Amz-Date → IncompleteSignatureException', async () => {
    const req = await signed(ALICE);
    await fails(
      { ...req, headers: { ...req.headers, 'x-amz-date': '2026-11-25' } },
      'IncompleteSignatureException',
      /^Date must be in ISO-8601 'basic format'/,
    );
  });

  it('unsigned host → InvalidSignatureException', async () => {
    const req = await signed(ALICE);
    const auth = req.headers['authorization']!.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=content-type;x-amz-date');
    await fails(
      { ...req, headers: { ...req.headers, authorization: auth } },
      'InvalidSignatureException',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  });

  it('UNSIGNED-PAYLOAD is honoured; a wrong X-Amz-Content-Sha256 is caught', async () => {
    const unsigned = await signed(ALICE, { headers: { ...BASE_HEADERS, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    assert.ok(await verify({ ...unsigned, body: Buffer.from('{"any":"body"}') }, 'kinesis'));
    const wrong = await signed(ALICE, { headers: { ...BASE_HEADERS, 'x-amz-content-sha256': '0'.repeat(64) } });
    await fails(
      wrong,
      'InvalidSignatureException',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  });

  it('aws-chunked streaming payloads are refused clearly', async () => {
    const req = await signed(ALICE, {
      headers: { ...BASE_HEADERS, 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' },
    });
    await fails(req, 'InvalidSignatureException', /Streaming payload signing .* is not supported/);
  });

  it('presigned query form: valid, tampered, expired', async () => {
    const req = await signed(ALICE, { presign: { expiresIn: 300 }, body: '' });
    assert.equal(req.headers['authorization'], undefined);
    assert.ok(await verify(req, 'kinesis'));
    await fails(
      { ...req, url: req.url.replace('X-Amz-Expires=300', 'X-Amz-Expires=900') },
      'InvalidSignatureException',
    );
    const late = createSigV4Verifier({ credentials: () => store, now: () => NOW + 301_000 });
    await assert.rejects(late(req, 'kinesis'), /Signature expired/);
  });

  it('a credentials reload takes effect on the next request', async () => {
    let current = store;
    const v = createSigV4Verifier({ credentials: () => current, now: () => NOW });
    const req = await signed(ALICE);
    assert.ok(await v(req));
    current = parseCredentials({ principals: [] });
    await assert.rejects(v(req), { code: 'UnrecognizedClientException' });
  });
});
