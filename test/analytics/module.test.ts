/**
 * The Analytics modules as the server mounts them (enforce mode): both API versions authorize
 * `kinesisanalytics:<Operation>` on `arn:aws:kinesisanalytics:<region>:<account>:application/<name>`, tagging calls
 * on the ResourceARN, account-level calls on `*`; control-plane bodies are capped at 1 MiB; the sample endpoint
 * is authorized as DescribeApplication.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateApplicationCommand as CreateV1,
  DescribeApplicationCommand as DescribeV1,
  KinesisAnalyticsClient,
  ListApplicationsCommand as ListV1,
} from '@aws-sdk/client-kinesis-analytics';
import {
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { signRaw } from '../auth/sign.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ACCOUNT = '222222222222';
const USER = { accessKeyId: 'AKIAANALYTICS0001', secretAccessKey: 'analytics-secret' };
const ALLOWED = `arn:aws:kinesisanalytics:us-east-1:${ACCOUNT}:application/allowed`;

let t: TestServer;
let v1: KinesisAnalyticsClient;
let v2: KinesisAnalyticsV2Client;

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trib-an-auth-'));
  const file = join(dir, 'auth.json');
  await writeFile(
    file,
    JSON.stringify({
      principals: [
        {
          name: 'analyst',
          accountId: ACCOUNT,
          accessKeys: [USER],
          policies: [
            {
              Statement: [
                { Effect: 'Allow', Action: ['kinesisanalytics:CreateApplication'], Resource: ALLOWED },
                { Effect: 'Allow', Action: ['kinesisanalytics:ListApplications'], Resource: '*' },
              ],
            },
          ],
        },
      ],
    }),
  );
  t = await startTestServer({ authConfig: file, analyticsTransitionMs: 0 }, dir);
  const options = { endpoint: t.server.url, region: 'us-east-1', credentials: USER, maxAttempts: 1 };
  v1 = new KinesisAnalyticsClient(options);
  v2 = new KinesisAnalyticsV2Client(options);
});
after(async () => {
  v1.destroy();
  v2.destroy();
  await t.close();
});

function denied(action: string, resource: string) {
  return (e: Error) => {
    assert.equal(e.name, 'AccessDeniedException');
    assert.ok(e.message.includes(`not authorized to perform: ${action} on resource: ${resource} `), e.message);
    return true;
  };
}

describe('the Analytics modules', () => {
  it('authorize kinesisanalytics:<Operation> on the application ARN through both APIs', async () => {
    await v1.send(new CreateV1({ ApplicationName: 'allowed' }));
    assert.deepEqual(
      (await v1.send(new ListV1({}))).ApplicationSummaries?.map((a) => a.ApplicationName),
      ['allowed'],
    );
    await assert.rejects(
      v1.send(new DescribeV1({ ApplicationName: 'allowed' })),
      denied('kinesisanalytics:DescribeApplication', ALLOWED),
    );
    await assert.rejects(
      v2.send(new DescribeApplicationCommand({ ApplicationName: 'allowed' })),
      denied('kinesisanalytics:DescribeApplication', ALLOWED),
    );
    await assert.rejects(
      v2.send(new ListTagsForResourceCommand({ ResourceARN: ALLOWED })),
      denied('kinesisanalytics:ListTagsForResource', ALLOWED),
    );
    await assert.rejects(
      v1.send(new CreateV1({ ApplicationName: 'other' })),
      denied('kinesisanalytics:CreateApplication', ALLOWED.replace('allowed', 'other')),
    );
  });

  it('authorizes the sample endpoint as DescribeApplication', async () => {
    const url = new URL(t.server.url);
    const query = { ApplicationName: 'allowed', Stream: 'S' };
    const signed = await signRaw(USER, {
      host: url.host,
      method: 'GET',
      path: '/analytics/sample',
      query,
      headers: {},
      body: '',
      service: 'kinesisanalytics',
    });
    const res = await fetch(`${t.server.url}${signed.path}`, { headers: signed.headers });
    assert.equal(res.headers.get('x-amzn-errortype'), 'AccessDeniedException');
    assert.match(await res.text(), /kinesisanalytics:DescribeApplication/);
  });

  it('caps control-plane bodies at 1 MiB', async () => {
    await assert.rejects(
      v1.send(new CreateV1({ ApplicationName: 'allowed', ApplicationCode: 'x'.repeat(1_100_000) })),
      (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 413,
    );
  });
});
