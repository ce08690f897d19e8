/** Raw JSON 1.1 calls over HTTP/1.1 (fetch), with a SigV4-shaped Authorization header. */

export const SIGV4_HEADERS = {
  authorization:
    'AWS4-HMAC-SHA256 Credential=AKIDRAWTEST/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000',
  'x-amz-date': '20261125T000000Z',
} as const;

export interface RawResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** POSTs `body` to `Kinesis_20131202.<operation>` and parses the JSON answer. */
export async function kinesisCall(
  url: string,
  operation: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `Kinesis_20131202.${operation}`,
      ...SIGV4_HEADERS,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** Every record of one shard from TRIM_HORIZON, as [SequenceNumber, data as UTF-8] pairs. */
export async function readShard(url: string, streamName: string, shardId: string): Promise<Array<[string, string]>> {
  let it = (
    await kinesisCall(url, 'GetShardIterator', {
      StreamName: streamName,
      ShardId: shardId,
      ShardIteratorType: 'TRIM_HORIZON',
    })
  ).body.ShardIterator;
  const out: Array<[string, string]> = [];
  for (;;) {
    const r = await kinesisCall(url, 'GetRecords', { ShardIterator: it, Limit: 10000 });
    if (r.status !== 200) throw new Error(`GetRecords answered ${r.status}: ${r.text}`);
    for (const rec of r.body.Records) out.push([rec.SequenceNumber, Buffer.from(rec.Data, 'base64').toString()]);
    it = r.body.NextShardIterator;
    if (r.body.Records.length === 0) return out;
  }
}
