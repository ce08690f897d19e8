/**
 * Resource-based policies and IAM conditions end to end: a real server in enforce mode with principals in two
 * accounts, the AWS SDK v3. Cross-account access needs both the stream's resource policy and the caller's identity
 * policy; an explicit Deny in the resource policy wins; same-account access is the union; conditions on the
 * source IP, TLS and tags.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  DeleteResourcePolicyCommand,
  DescribeStreamSummaryCommand,
  GetResourcePolicyCommand,
  KinesisClient,
  ListStreamsCommand,
  PutRecordCommand,
  PutResourcePolicyCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RunningServer } from '../../src/server/index.js';
import type { Creds } from '../auth/sign.js';
import { rejects } from '../helpers/assert.js';
import { startTlsTestServer, type TlsTestServer, startTestServer } from '../helpers/server.js';

const A = '111111111111';
const B = '222222222222';
const OWNER: Creds = { accessKeyId: 'AKIAOWNERA000001', secretAccessKey: 'owner-secret' };
const COLLEAGUE: Creds = { accessKeyId: 'AKIACOLLEAGUE001', secretAccessKey: 'colleague-secret' };
const PARTNER: Creds = { accessKeyId: 'AKIAPARTNERB0001', secretAccessKey: 'partner-secret' };
const STRANGER: Creds = { accessKeyId: 'AKIASTRANGERB001', secretAccessKey: 'stranger-secret' };
const FENCED: Creds = { accessKeyId: 'AKIAFENCEDA00001', secretAccessKey: 'fenced-secret' };
const TLS_ONLY: Creds = { accessKeyId: 'AKIATLSONLYA0001', secretAccessKey: 'tlsonly-secret' };
const TAGGER: Creds = { accessKeyId: 'AKIATAGGERA00001', secretAccessKey: 'tagger-secret' };

const allowAll = { Statement: [{ Effect: 'Allow', Action: 'kinesis:*', Resource: '*' }] };
const credentials = {
  principals: [
    { name: 'owner', accountId: A, accessKeys: [OWNER], policies: [allowAll] },
    { name: 'colleague', accountId: A, accessKeys: [COLLEAGUE], policies: [] },
    {
      name: 'partner',
      accountId: B,
      accessKeys: [PARTNER],
      policies: [
        { Statement: [{ Effect: 'Allow', Action: 'kinesis:*', Resource: `arn:aws:kinesis:*:${A}:stream/*` }] },
      ],
    },
    { name: 'stranger', accountId: B, accessKeys: [STRANGER], policies: [] },
    {
      name: 'fenced',
      accountId: A,
      accessKeys: [FENCED],
      policies: [
        {
          Statement: [
            { Effect: 'Allow', Action: 'kinesis:*', Resource: '*' },
            // Loopback is "outside the office network" for this principal.
            {
              Effect: 'Deny',
              Action: 'kinesis:*',
              Resource: '*',
              Condition: { NotIpAddress: { 'aws:SourceIp': ['198.51.100.0/24', '2001:db8::/32'] } },
            },
          ],
        },
      ],
    },
    {
      name: 'tls-only',
      accountId: A,
      accessKeys: [TLS_ONLY],
      policies: [
        {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'kinesis:*',
              Resource: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'true' } },
            },
          ],
        },
      ],
    },
    {
      name: 'tagger',
      accountId: A,
      accessKeys: [TAGGER],
      policies: [
        {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'kinesis:DescribeStreamSummary',
              Resource: '*',
              Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } },
            },
            {
              Effect: 'Allow',
              Action: 'kinesis:CreateStream',
              Resource: '*',
              Condition: {
                StringEquals: { 'aws:RequestTag/team': 'blue' },
                'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'env'] },
              },
            },
          ],
        },
      ],
    },
  ],
};

const client = (url: string, creds: Creds, options: Partial<ConstructorParameters<typeof KinesisClient>[0]> = {}) =>
  new KinesisClient({ endpoint: url, region: 'us-east-1', credentials: creds, maxAttempts: 1, ...options });

const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('resource policies and conditions against a real server', () => {
  let dir: string;
  let file: string;
  let server: RunningServer;
  const clients: KinesisClient[] = [];
  const as = (creds: Creds): KinesisClient => {
    const c = client(server.url, creds);
    clients.push(c);
    return c;
  };
  const SHARED = `arn:aws:kinesis:us-east-1:${A}:stream/shared`;
  const put = (c: KinesisClient) =>
    c.send(new PutRecordCommand({ StreamARN: SHARED, PartitionKey: 'k', Data: Buffer.from('x') }));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-respol-'));
    file = join(dir, 'credentials.json');
    await writeFile(file, JSON.stringify(credentials));
    server = (await startTestServer({ authConfig: file, logLevel: 'silent' }, dir)).server;
    const owner = as(OWNER);
    await owner.send(new CreateStreamCommand({ StreamName: 'shared', ShardCount: 1 }));
    await owner.send(new CreateStreamCommand({ StreamName: 'blue', ShardCount: 1, Tags: { team: 'blue' } }));
    await owner.send(new CreateStreamCommand({ StreamName: 'red', ShardCount: 1, Tags: { team: 'red' } }));
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('cross account: allowed only with the resource policy and the identity policy', async () => {
    const owner = as(OWNER);
    const partner = as(PARTNER);
    const stranger = as(STRANGER);
    await rejects(
      put(partner),
      'AccessDeniedException',
      `User: arn:aws:iam::${B}:user/partner is not authorized to perform: kinesis:PutRecord on resource: ${SHARED} because no resource-based policy allows the kinesis:PutRecord action`,
    );
    await owner.send(
      new PutResourcePolicyCommand({
        ResourceARN: SHARED,
        Policy: policy({ Effect: 'Allow', Principal: { AWS: B }, Action: 'kinesis:PutRecord', Resource: SHARED }),
      }),
    );
    const written = await put(partner);
    assert.equal(written.ShardId, 'shardId-000000000000');
    // The resource policy grants account B, but this principal of B has no identity policy.
    await rejects(
      put(stranger),
      'AccessDeniedException',
      `User: arn:aws:iam::${B}:user/stranger is not authorized to perform: kinesis:PutRecord on resource: ${SHARED} because no identity-based policy allows the kinesis:PutRecord action`,
    );
    // Only PutRecord was granted.
    await rejects(
      partner.send(new DescribeStreamSummaryCommand({ StreamARN: SHARED })),
      'AccessDeniedException',
      /because no resource-based policy allows the kinesis:DescribeStreamSummary action$/,
    );
    // Resource policies are managed by the owner's account only (PutResourcePolicy API reference).
    await owner.send(
      new PutResourcePolicyCommand({
        ResourceARN: SHARED,
        Policy: policy({ Effect: 'Allow', Principal: { AWS: B }, Action: 'kinesis:*', Resource: SHARED }),
      }),
    );
    await rejects(partner.send(new GetResourcePolicyCommand({ ResourceARN: SHARED })), 'AccessDeniedException');
    await owner.send(new DeleteResourcePolicyCommand({ ResourceARN: SHARED }));
    await rejects(put(partner), 'AccessDeniedException', /no resource-based policy allows/);
  });

  it('an explicit Deny in the resource policy wins over every Allow', async () => {
    const owner = as(OWNER);
    await owner.send(
      new PutResourcePolicyCommand({
        ResourceARN: SHARED,
        Policy: policy(
          { Effect: 'Allow', Principal: '*', Action: 'kinesis:*', Resource: SHARED },
          {
            Effect: 'Deny',
            Principal: { AWS: `arn:aws:iam::${B}:user/partner` },
            Action: 'kinesis:PutRecord',
            Resource: SHARED,
          },
        ),
      }),
    );
    await rejects(
      put(as(PARTNER)),
      'AccessDeniedException',
      `User: arn:aws:iam::${B}:user/partner is not authorized to perform: kinesis:PutRecord on resource: ${SHARED} with an explicit deny in a resource-based policy`,
    );
    await put(owner);
    await owner.send(new DeleteResourcePolicyCommand({ ResourceARN: SHARED }));
  });

  it('same account: the resource policy alone can allow', async () => {
    const colleague = as(COLLEAGUE);
    await rejects(
      colleague.send(new DescribeStreamSummaryCommand({ StreamName: 'shared' })),
      'AccessDeniedException',
      /because no identity-based policy allows the kinesis:DescribeStreamSummary action$/,
    );
    await as(OWNER).send(
      new PutResourcePolicyCommand({
        ResourceARN: SHARED,
        Policy: policy({
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${A}:user/colleague` },
          Action: 'kinesis:DescribeStreamSummary',
          Resource: SHARED,
        }),
      }),
    );
    const summary = await colleague.send(new DescribeStreamSummaryCommand({ StreamName: 'shared' }));
    assert.equal(summary.StreamDescriptionSummary!.StreamARN, SHARED);
    await rejects(put(colleague), 'AccessDeniedException', /no identity-based policy allows/);
    await as(OWNER).send(new DeleteResourcePolicyCommand({ ResourceARN: SHARED }));
  });

  it('PutResourcePolicy refuses a policy it cannot evaluate, naming the problem', async () => {
    const owner = as(OWNER);
    await rejects(
      owner.send(
        new PutResourcePolicyCommand({
          ResourceARN: SHARED,
          Policy: policy({
            Effect: 'Allow',
            Principal: '*',
            Action: 'kinesis:*',
            Resource: SHARED,
            Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1' } },
          }),
        }),
      ),
      'InvalidArgumentException',
      /condition key 'aws:SourceVpce' is not supported/,
    );
    await rejects(
      owner.send(
        new PutResourcePolicyCommand({
          ResourceARN: SHARED,
          Policy: policy({ Effect: 'Allow', Action: 'kinesis:*', Resource: SHARED }),
        }),
      ),
      'InvalidArgumentException',
      /needs 'Principal'/,
    );
    const stored = await owner.send(new GetResourcePolicyCommand({ ResourceARN: SHARED }));
    assert.equal(stored.Policy, '{}');
  });

  it('aws:SourceIp: a Deny outside the allowed networks applies to loopback callers', async () => {
    await rejects(
      as(FENCED).send(new ListStreamsCommand({})),
      'AccessDeniedException',
      `User: arn:aws:iam::${A}:user/fenced is not authorized to perform: kinesis:ListStreams on resource: * with an explicit deny in an identity-based policy`,
    );
  });

  it('aws:SecureTransport is false over cleartext', async () => {
    await rejects(as(TLS_ONLY).send(new ListStreamsCommand({})), 'AccessDeniedException', /no identity-based policy/);
  });

  it('aws:ResourceTag and aws:RequestTag / aws:TagKeys', async () => {
    const tagger = as(TAGGER);
    const blue = await tagger.send(new DescribeStreamSummaryCommand({ StreamName: 'blue' }));
    assert.equal(blue.StreamDescriptionSummary!.StreamName, 'blue');
    await rejects(
      tagger.send(new DescribeStreamSummaryCommand({ StreamName: 'red' })),
      'AccessDeniedException',
      /kinesis:DescribeStreamSummary on resource: arn:aws:kinesis:us-east-1:111111111111:stream\/red because no identity-based policy/,
    );
    await tagger.send(
      new CreateStreamCommand({ StreamName: 'made-blue', ShardCount: 1, Tags: { team: 'blue', env: 'dev' } }),
    );
    await rejects(
      tagger.send(new CreateStreamCommand({ StreamName: 'made-red', ShardCount: 1, Tags: { team: 'red' } })),
      'AccessDeniedException',
    );
    await rejects(
      tagger.send(
        new CreateStreamCommand({ StreamName: 'made-extra', ShardCount: 1, Tags: { team: 'blue', cost: '1' } }),
      ),
      'AccessDeniedException',
    );
    await rejects(
      tagger.send(new CreateStreamCommand({ StreamName: 'made-bare', ShardCount: 1 })),
      'AccessDeniedException',
    );
  });
});

describe('aws:SecureTransport over TLS', () => {
  let tls: TlsTestServer;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-respol-tls-'));
    const file = join(dir, 'credentials.json');
    await writeFile(file, JSON.stringify(credentials));
    tls = await startTlsTestServer({ authConfig: file });
  });
  after(async () => {
    await tls.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a policy requiring TLS allows requests that arrive over TLS', async () => {
    const c = client(tls.server.url, TLS_ONLY, {
      requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: tls.server.tls!.cert }) }),
    });
    try {
      const r = await c.send(new ListStreamsCommand({}));
      assert.deepEqual(r.StreamNames, []);
    } finally {
      c.destroy();
    }
  });
});
