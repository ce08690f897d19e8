/**
 * Security end to end: a real server with a credentials file, the AWS SDK v3 (HTTP/2), raw
 * requests, the aws CLI and boto3. Every auth error, two principals under load, reloads, modes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListStreamsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { signRaw, type Creds } from '../auth/sign.js';
import { requireTool } from '../helpers/tools.js';
import { rejects } from '../helpers/assert.js';

const run = promisify(execFile);
const ACCOUNT = '111111111111';
const ADMIN: Creds = { accessKeyId: 'AKIAADMIN0000001', secretAccessKey: 'admin-secret' };
const WRITER: Creds = { accessKeyId: 'AKIAWRITER000001', secretAccessKey: 'writer-secret' };
const READER: Creds = { accessKeyId: 'AKIAREADER000001', secretAccessKey: 'reader-secret' };
const TAILER: Creds = { accessKeyId: 'AKIATAILER000001', secretAccessKey: 'tailer-secret' };

const credentialsFile = (extra: object[] = []) => ({
  principals: [
    {
      name: 'admin',
      accountId: ACCOUNT,
      accessKeys: [ADMIN],
      policies: [{ Statement: [{ Effect: 'Allow', Action: 'kinesis:*', Resource: '*' }] }],
    },
    {
      name: 'writer',
      accountId: ACCOUNT,
      accessKeys: [WRITER],
      policies: [
        {
          Statement: [
            {
              Effect: 'Allow',
              Action: ['kinesis:PutRecord', 'kinesis:PutRecords'],
              Resource: `arn:aws:kinesis:*:${ACCOUNT}:stream/w-*`,
            },
          ],
        },
      ],
    },
    {
      name: 'reader',
      accountId: ACCOUNT,
      accessKeys: [READER],
      policies: [
        {
          Statement: [
            { Effect: 'Allow', Action: ['kinesis:Get*', 'kinesis:Describe*', 'kinesis:List*'], Resource: '*' },
            { Effect: 'Deny', Action: 'kinesis:*', Resource: `arn:aws:kinesis:*:${ACCOUNT}:stream/w-private` },
          ],
        },
      ],
    },
    {
      name: 'tailer',
      accountId: ACCOUNT,
      accessKeys: [TAILER],
      policies: [
        {
          Statement: [
            {
              Effect: 'Allow',
              Action: ['kinesis:GetShardIterator', 'kinesis:GetRecords'],
              Resource: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/other`,
            },
          ],
        },
      ],
    },
    ...extra,
  ],
});

function client(url: string, creds: Creds): KinesisClient {
  return new KinesisClient({ endpoint: url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
}

describe('security: SigV4 + policies against a real server', () => {
  let dir: string;
  let file: string;
  let server: RunningServer;
  let admin: KinesisClient;
  let writer: KinesisClient;
  let reader: KinesisClient;
  const host = () => new URL(server.url).host;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-sec-'));
    file = join(dir, 'credentials.json');
    await writeFile(file, JSON.stringify(credentialsFile()));
    server = (await startTestServer({ authConfig: file, logLevel: 'silent' }, dir)).server;
    admin = client(server.url, ADMIN);
    writer = client(server.url, WRITER);
    reader = client(server.url, READER);
    for (const name of ['w-public', 'w-private', 'other'])
      await admin.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  });
  after(async () => {
    for (const c of [admin, writer, reader]) c.destroy();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('authorizes GetRecords against the stream its shard iterator names', async () => {
    const tailer = client(server.url, TAILER);
    try {
      const own = await tailer.send(
        new GetShardIteratorCommand({
          StreamName: 'other',
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const got = await tailer.send(new GetRecordsCommand({ ShardIterator: own.ShardIterator! }));
      assert.ok(Array.isArray(got.Records));
      // An iterator of another stream (obtained by someone allowed to) does not let the tailer read that stream.
      const foreign = await admin.send(
        new GetShardIteratorCommand({
          StreamName: 'w-public',
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      await rejects(
        tailer.send(new GetRecordsCommand({ ShardIterator: foreign.ShardIterator! })),
        'AccessDeniedException',
        new RegExp(
          `^User: arn:aws:iam::${ACCOUNT}:user/tailer is not authorized to perform: kinesis:GetRecords on resource: arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/w-public`,
        ),
      );
    } finally {
      tailer.destroy();
    }
  });

  it('runs in enforce mode', () => {
    assert.equal(server.securityMode, 'enforce');
  });

  it('SDK: correct keys pass, the principal account owns the streams', async () => {
    const summary = await admin.send(new DescribeStreamSummaryCommand({ StreamName: 'w-public' }));
    assert.equal(summary.StreamDescriptionSummary!.StreamARN, `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/w-public`);
  });

  it('SDK: wrong secret → InvalidSignatureException; unknown key → UnrecognizedClientException', async () => {
    const bad = client(server.url, { ...ADMIN, secretAccessKey: 'not-the-secret' });
    await rejects(
      bad.send(new ListStreamsCommand({})),
      'InvalidSignatureException',
      /^The request signature we calculated does not match the signature you provided\./,
    );
    bad.destroy();
    const unknown = client(server.url, { accessKeyId: 'AKIANOBODY000001', secretAccessKey: 'x' });
    await rejects(
      unknown.send(new ListStreamsCommand({})),
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
    unknown.destroy();
  });

  it('SDK: a denied call → AccessDeniedException and nothing is written', async () => {
    await rejects(
      writer.send(new PutRecordCommand({ StreamName: 'other', PartitionKey: 'k', Data: Buffer.from('no') })),
      'AccessDeniedException',
      `User: arn:aws:iam::${ACCOUNT}:user/writer is not authorized to perform: kinesis:PutRecord on resource: arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/other because no identity-based policy allows the kinesis:PutRecord action`,
    );
    const it0 = await admin.send(
      new GetShardIteratorCommand({
        StreamName: 'other',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const got = await admin.send(new GetRecordsCommand({ ShardIterator: it0.ShardIterator! }));
    assert.equal(got.Records!.length, 0);
  });

  it('raw: every authentication error with AWS types', async () => {
    const url = server.url;
    const body = '{}';
    const base = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.ListStreams' };
    const send = async (path: string, headers: Record<string, string>) => {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers, body });
      return { status: res.status, json: (await res.json()) as { __type: string; message?: string } };
    };
    assert.equal((await send('/', base)).json.__type, 'MissingAuthenticationTokenException');
    const incomplete = await send('/', {
      ...base,
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIAADMIN0000001/20261125/us-east-1/kinesis/aws4_request',
    });
    assert.equal(incomplete.json.__type, 'IncompleteSignatureException');
    const good = await signRaw(ADMIN, { host: host(), headers: base, body });
    assert.equal((await send(good.path, good.headers)).status, 200);
    const wrongKey = await signRaw(
      { accessKeyId: 'AKIANOBODY000001', secretAccessKey: 'x' },
      { host: host(), headers: base, body },
    );
    assert.equal((await send(wrongKey.path, wrongKey.headers)).json.__type, 'UnrecognizedClientException');
    const old = await signRaw(ADMIN, {
      host: host(),
      headers: base,
      body,
      signingDate: new Date(Date.now() - 20 * 60_000),
    });
    const expired = await send(old.path, old.headers);
    assert.equal(expired.json.__type, 'InvalidSignatureException');
    assert.match(
      expired.json.message!,
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
    );
    const tampered = await send(good.path, { ...good.headers, 'x-amz-target': 'Kinesis_20131202.DescribeLimits' });
    assert.equal(tampered.json.__type, 'InvalidSignatureException');
    const presigned = await signRaw(ADMIN, { host: host(), headers: base, body, presign: { expiresIn: 60 } });
    assert.equal((await send(presigned.path, { ...base, host: host() })).status, 200);
    const bothForms = await send(presigned.path, {
      ...base,
      authorization: good.headers['authorization']!,
      'x-amz-date': good.headers['x-amz-date']!,
    });
    assert.equal(bothForms.json.__type, 'InvalidSignatureException');
  });

  it('two principals under load reach exactly what their policies allow', async () => {
    const calls: Array<{ who: string; op: string; stream: string; promise: Promise<unknown> }> = [];
    for (let i = 0; i < 40; i++) {
      for (const stream of ['w-public', 'w-private', 'other']) {
        calls.push({
          who: 'writer',
          op: 'put',
          stream,
          promise: writer.send(
            new PutRecordCommand({ StreamName: stream, PartitionKey: `k${i}`, Data: Buffer.from(`${i}`) }),
          ),
        });
        calls.push({
          who: 'reader',
          op: 'put',
          stream,
          promise: reader.send(
            new PutRecordCommand({ StreamName: stream, PartitionKey: `k${i}`, Data: Buffer.from(`${i}`) }),
          ),
        });
        calls.push({
          who: 'writer',
          op: 'describe',
          stream,
          promise: writer.send(new DescribeStreamSummaryCommand({ StreamName: stream })),
        });
        calls.push({
          who: 'reader',
          op: 'describe',
          stream,
          promise: reader.send(new DescribeStreamSummaryCommand({ StreamName: stream })),
        });
      }
    }
    const expected = (who: string, op: string, stream: string): boolean =>
      who === 'writer' ? op === 'put' && stream.startsWith('w-') : op === 'describe' && stream !== 'w-private';
    const outcomes = await Promise.allSettled(calls.map((c) => c.promise));
    outcomes.forEach((o, i) => {
      const c = calls[i]!;
      const allowed = expected(c.who, c.op, c.stream);
      if (allowed)
        assert.equal(
          o.status,
          'fulfilled',
          `${c.who} ${c.op} ${c.stream}: ${o.status === 'rejected' ? (o.reason as Error).message : ''}`,
        );
      else {
        assert.equal(o.status, 'rejected', `${c.who} ${c.op} ${c.stream} should be denied`);
        assert.equal((o.reason as Error).name, 'AccessDeniedException');
      }
    });
    // Exactly the writer's 40 records landed in each w- stream, none elsewhere.
    for (const [stream, count] of [
      ['w-public', 40],
      ['w-private', 40],
      ['other', 0],
    ] as const) {
      const { ShardIterator } = await admin.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const got = await admin.send(new GetRecordsCommand({ ShardIterator: ShardIterator! }));
      assert.equal(got.Records!.length, count, stream);
    }
  });

  it('reloads credentials: on demand, on file change, and keeps the old set when the new file is bad', async () => {
    const newbie: Creds = { accessKeyId: 'AKIANEWBIE000001', secretAccessKey: 'newbie-secret' };
    const c = client(server.url, newbie);
    await rejects(c.send(new ListStreamsCommand({})), 'UnrecognizedClientException');
    await writeFile(
      file,
      JSON.stringify(
        credentialsFile([
          {
            name: 'newbie',
            accountId: ACCOUNT,
            accessKeys: [newbie],
            policies: [{ Statement: { Effect: 'Allow', Action: 'kinesis:List*', Resource: '*' } }],
          },
        ]),
      ),
    );
    assert.equal(await server.reloadCredentials(), true);
    await c.send(new ListStreamsCommand({}));
    await writeFile(file, '{ not json');
    assert.equal(await server.reloadCredentials(), false);
    await c.send(new ListStreamsCommand({}));
    // Back to the original file: the watcher notices without a call (polls every second).
    await writeFile(file, JSON.stringify(credentialsFile()));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = await c.send(new ListStreamsCommand({})).then(
        () => 'ok',
        (e: Error) => e.name,
      );
      if (r === 'UnrecognizedClientException') break;
      assert.ok(Date.now() < deadline, 'file change not picked up');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    c.destroy();
  });

  const awsSkip = requireTool('aws CLI', { cmd: '/usr/bin/aws', args: ['--version'] });
  it('aws CLI signs requests that pass; a wrong secret fails', { skip: awsSkip }, async () => {
    const env = (secret: string) => ({
      ...process.env,
      AWS_ACCESS_KEY_ID: ADMIN.accessKeyId,
      AWS_SECRET_ACCESS_KEY: secret,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
    });
    const { stdout } = await run(
      '/usr/bin/aws',
      ['--endpoint-url', server.url, '--output', 'json', 'kinesis', 'list-streams'],
      { env: env(ADMIN.secretAccessKey) },
    );
    assert.ok((JSON.parse(stdout) as { StreamNames: string[] }).StreamNames.includes('w-public'));
    await assert.rejects(
      run('/usr/bin/aws', ['--endpoint-url', server.url, 'kinesis', 'list-streams'], { env: env('wrong-secret') }),
      (e: Error & { stderr?: string }) => {
        assert.match(e.stderr ?? '', /InvalidSignatureException/);
        return true;
      },
    );
  });

  const botoSkip = requireTool('python3-boto3', { cmd: 'python3', args: ['-c', 'import boto3'] });
  it('boto3 signs requests that pass; a wrong secret fails', { skip: botoSkip }, async () => {
    const script = (secret: string) =>
      `import boto3,json\nk=boto3.client('kinesis',endpoint_url='${server.url}',region_name='us-east-1',aws_access_key_id='${ADMIN.accessKeyId}',aws_secret_access_key='${secret}')\nprint(json.dumps(k.list_streams()['StreamNames']))`;
    const { stdout } = await run('python3', ['-c', script(ADMIN.secretAccessKey)]);
    assert.ok((JSON.parse(stdout) as string[]).includes('w-public'));
    await assert.rejects(run('python3', ['-c', script('wrong-secret')]), (e: Error & { stderr?: string }) => {
      assert.match(e.stderr ?? '', /InvalidSignatureException/);
      return true;
    });
  });
});

describe('security: start-up modes', () => {
  it('refuses a non-loopback address without credentials, allows it with --allow-anonymous', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-sec-'));
    try {
      await assert.rejects(startServer({ host: '0.0.0.0', port: 0, dataDir: dir, logLevel: 'silent' }), {
        code: 'TRIB_ERR_INSECURE',
      });
      const open = await startServer({
        host: '0.0.0.0',
        port: 0,
        dataDir: dir,
        logLevel: 'silent',
        allowAnonymous: true,
        audit: 'off',
      });
      assert.equal(open.securityMode, 'open');
      await open.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loopback without credentials accepts any well-formed signature (open mode)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-sec-'));
    const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir, logLevel: 'silent' });
    const c = client(server.url, { accessKeyId: 'anything', secretAccessKey: 'whatever' });
    try {
      assert.equal(server.securityMode, 'open');
      await c.send(new ListStreamsCommand({}));
    } finally {
      c.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
