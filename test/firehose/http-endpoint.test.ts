/**
 * The HTTP endpoint destination against a local `node:http` receiver that checks the request contract: the
 * Firehose module (manual clock, nothing sleeps through a retry delay or an interval) mounted on a real server and
 * driven with @aws-sdk/client-firehose; the backup bucket is the embedded directory `<data-dir>/s3/<bucket>/…`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  type FirehoseClient,
  PutRecordBatchCommand,
  UpdateDestinationCommand,
} from '@aws-sdk/client-firehose';
import { type DeliveryEvent, type FirehoseService, createFirehoseService } from '../../src/firehose/index.js';
import { silentLogger } from '../../src/protocol/index.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import type { StorageBackend } from '../../src/storage/index.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import { ManualTimerClock } from '../helpers/timers.js';
import { ROLE, firehoseClient, listObjects, waitFor } from './helpers.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

interface Received {
  readonly headers: IncomingHttpHeaders;
  /** The request body after Content-Encoding. */
  readonly json: { requestId: string; timestamp: number; records: Array<{ data: string }> };
}

/** What the receiver answers: a status with a conforming body, or a function writing anything. */
type Answer = number | ((req: Received, res: import('node:http').ServerResponse) => void);

/** A receiver that checks the contract of every request and answers from a script (then 200). */
class Receiver {
  readonly received: Received[] = [];
  readonly violations: string[] = [];
  answers: Answer[] = [];
  #server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const h = req.headers;
        const check = (ok: boolean, what: string) => {
          if (!ok) this.violations.push(what);
        };
        check(req.method === 'POST', `method ${req.method}`);
        check(h['x-amz-firehose-protocol-version'] === '1.0', 'protocol version');
        check(h['content-type'] === 'application/json', 'content type');
        check(/^[0-9a-f-]{36}$/.test(String(h['x-amz-firehose-request-id'])), 'request id is a GUID');
        let json: Received['json'];
        try {
          const body = h['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          json = JSON.parse(body.toString('utf8')) as Received['json'];
        } catch (err) {
          this.violations.push(`body is not (gzipped) JSON: ${String(err)}`);
          res.writeHead(400).end();
          return;
        }
        check(json.requestId === h['x-amz-firehose-request-id'], 'body requestId equals the header');
        check(typeof json.timestamp === 'number', 'timestamp');
        check(json.records.length >= 1 && json.records.length <= 10_000, 'records per request');
        const got: Received = { headers: h, json };
        this.received.push(got);
        const answer = this.answers.shift() ?? 200;
        if (typeof answer === 'function') return answer(got, res);
        res.writeHead(answer, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            requestId: json.requestId,
            timestamp: Date.now(),
            ...(answer === 200 ? {} : { errorMessage: `failed with ${answer}` }),
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/ingest?x=1`;
  }

  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Record bytes received, in order. */
  records(): Buffer[] {
    return this.received.flatMap((r) => r.json.records.map((x) => Buffer.from(x.data, 'base64')));
  }
}

let dir: string;
let backend: StorageBackend;
let clock: ManualTimerClock;
let events: DeliveryEvent[];
let svc: FirehoseService;
let server: RunningServer;
let fh: FirehoseClient;
let rx: Receiver;

async function openService(): Promise<void> {
  svc = await createFirehoseService(backend, {
    region: REGION,
    accountId: ACCOUNT,
    logger: silentLogger,
    clock,
    objectDir: join(dir, 's3'),
    createMs: 0,
    deleteMs: 0,
    onEvent: (e) => events.push(e),
  });
  server = await startServer(
    { host: '127.0.0.1', port: 0, dataDir: dir, logLevel: 'error' },
    { modules: [svc], logger: silentLogger },
  );
  fh = firehoseClient(server.url, REGION);
}

async function closeService(): Promise<void> {
  fh.destroy();
  await server.close();
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trib-fh-http-'));
  backend = await openLocalBackend(join(dir, 'storage'));
  clock = new ManualTimerClock();
  events = [];
  rx = new Receiver();
  await rx.start();
  await openService();
});
afterEach(async () => {
  await closeService();
  await rx.stop();
  await backend.close();
  await rm(dir, { recursive: true, force: true });
});

function httpConfig(extra: Record<string, unknown> = {}, s3: Record<string, unknown> = {}) {
  return {
    EndpointConfiguration: { Url: rx.url, Name: 'receiver' },
    BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
    S3Configuration: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::backup', ...s3 },
    ...extra,
  };
}

async function create(name: string, config: Record<string, unknown>): Promise<string> {
  const out = await fh.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: name,
      HttpEndpointDestinationConfiguration: config as never,
    }),
  );
  return out.DeliveryStreamARN!;
}

async function put(name: string, records: Buffer[]): Promise<void> {
  const out = await fh.send(
    new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records.map((Data) => ({ Data })) }),
  );
  assert.equal(out.FailedPutCount, 0);
}

const flush = (name: string) => svc.flush(ACCOUNT, REGION, name);
const backup = () => listObjects(join(dir, 's3', 'backup'));
const count = (type: DeliveryEvent['type']) => events.filter((e) => e.type === type).length;

describe('HTTP endpoint destination: request contract', () => {
  it('POSTs the records byte for byte with the contract headers, gzip and common attributes; Describe hides the AccessKey', async () => {
    const arn = await create(
      'contract',
      httpConfig({
        EndpointConfiguration: { Url: rx.url, Name: 'receiver', AccessKey: 'secret-key-1' },
        RequestConfiguration: {
          ContentEncoding: 'GZIP',
          CommonAttributes: [
            { AttributeName: 'env', AttributeValue: 'test' },
            { AttributeName: 'team', AttributeValue: 'data' },
          ],
        },
      }),
    );
    const records = [randomBytes(1000), Buffer.from('hello\n'), Buffer.from([0, 255, 10, 13])];
    await put('contract', records);
    await flush('contract');
    assert.deepEqual(rx.violations, []);
    assert.equal(rx.received.length, 1);
    const [req] = rx.received;
    assert.equal(req!.headers['content-encoding'], 'gzip');
    assert.equal(req!.headers['x-amz-firehose-access-key'], 'secret-key-1');
    assert.equal(req!.headers['x-amz-firehose-source-arn'], arn);
    assert.deepEqual(JSON.parse(String(req!.headers['x-amz-firehose-common-attributes'])), {
      commonAttributes: { env: 'test', team: 'data' },
    });
    assert.equal(req!.json.timestamp, clock.t);
    assert.deepEqual(rx.records(), records);
    assert.equal((await backup()).size, 0, 'FailedDataOnly writes nothing for a delivered batch');

    const d = await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'contract' }));
    const dest = d.DeliveryStreamDescription!.Destinations![0]!;
    assert.equal(dest.ExtendedS3DestinationDescription, undefined);
    const http = dest.HttpEndpointDestinationDescription!;
    assert.deepEqual(http.EndpointConfiguration, { Url: rx.url, Name: 'receiver' });
    assert.deepEqual(http.RetryOptions, { DurationInSeconds: 300 });
    assert.equal(http.S3BackupMode, 'FailedDataOnly');
    assert.deepEqual(http.BufferingHints, { SizeInMBs: 1, IntervalInSeconds: 900 });
    assert.equal(http.S3DestinationDescription!.BucketARN, 'arn:aws:s3:::backup');
    assert.ok(!JSON.stringify(d).includes('secret-key-1'), 'AccessKey is never described');
  });

  it('sends no Content-Encoding, access key or attributes headers unless configured; UpdateDestination merges', async () => {
    await create('plain', httpConfig());
    await put('plain', [Buffer.from('one')]);
    await flush('plain');
    const h = rx.received[0]!.headers;
    assert.equal(h['content-encoding'], undefined);
    assert.equal(h['x-amz-firehose-access-key'], undefined);
    assert.equal(h['x-amz-firehose-common-attributes'], undefined);

    await fh.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: 'plain',
        CurrentDeliveryStreamVersionId: '1',
        DestinationId: 'destinationId-000000000001',
        HttpEndpointDestinationUpdate: {
          EndpointConfiguration: { Url: rx.url, AccessKey: 'k2' },
          RetryOptions: { DurationInSeconds: 60 },
        },
      }),
    );
    const d = await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'plain' }));
    const http = d.DeliveryStreamDescription!.Destinations![0]!.HttpEndpointDestinationDescription!;
    assert.deepEqual(http.EndpointConfiguration, { Url: rx.url, Name: 'receiver' }, 'Name kept');
    assert.deepEqual(http.RetryOptions, { DurationInSeconds: 60 });
    assert.deepEqual(http.BufferingHints, { SizeInMBs: 1, IntervalInSeconds: 900 }, 'hints kept');
    await put('plain', [Buffer.from('two')]);
    await flush('plain');
    assert.equal(rx.received[1]!.headers['x-amz-firehose-access-key'], 'k2');
    assert.deepEqual(rx.records().map(String), ['one', 'two']);
  });

  it('UpdateDestination replaces an Extended S3 destination with an HTTP endpoint and back, given the required members', async () => {
    await fh.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'switch',
        ExtendedS3DestinationConfiguration: {
          RoleARN: ROLE,
          BucketARN: 'arn:aws:s3:::lake',
          Prefix: 'lake/',
          CompressionFormat: 'GZIP',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
        },
      }),
    );
    const update = (version: string, u: Record<string, unknown>) =>
      fh.send(
        new UpdateDestinationCommand({
          DeliveryStreamName: 'switch',
          CurrentDeliveryStreamVersionId: version,
          DestinationId: 'destinationId-000000000001',
          ...u,
        }),
      );
    const describe = async () =>
      (await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'switch' }))).DeliveryStreamDescription!;
    // A different type replaces the configuration, so the members the new type requires must be given.
    await assert.rejects(update('1', { HttpEndpointDestinationUpdate: { EndpointConfiguration: { Url: rx.url } } }), {
      name: 'InvalidArgumentException',
    });
    await put('switch', [Buffer.from('to-s3\n')]);
    await flush('switch');
    await update('1', {
      HttpEndpointDestinationUpdate: {
        EndpointConfiguration: { Url: rx.url, AccessKey: 'k' },
        S3Update: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::backup' },
      },
    });
    let d = await describe();
    assert.equal(d.VersionId, '2');
    const http = d.Destinations![0]!.HttpEndpointDestinationDescription!;
    assert.equal(d.Destinations![0]!.ExtendedS3DestinationDescription, undefined);
    assert.deepEqual(http.EndpointConfiguration, { Url: rx.url });
    assert.deepEqual(http.BufferingHints, { SizeInMBs: 5, IntervalInSeconds: 300 }, 'replaced: defaults, not merged');
    assert.equal(http.S3DestinationDescription!.BucketARN, 'arn:aws:s3:::backup');
    assert.equal(http.S3DestinationDescription!.Prefix, undefined, 'the old Prefix is gone');
    await put('switch', [Buffer.from('to-http\n')]);
    await flush('switch');
    assert.deepEqual(rx.records().map(String), ['to-http\n']);
    assert.equal(rx.received[0]!.headers['x-amz-firehose-access-key'], 'k');

    await assert.rejects(update('2', { ExtendedS3DestinationUpdate: { BucketARN: 'arn:aws:s3:::lake' } }), {
      name: 'InvalidArgumentException',
    });
    await update('2', { ExtendedS3DestinationUpdate: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::lake2' } });
    d = await describe();
    assert.equal(d.VersionId, '3');
    assert.equal(d.Destinations![0]!.HttpEndpointDestinationDescription, undefined);
    const s3 = d.Destinations![0]!.ExtendedS3DestinationDescription!;
    assert.equal(s3.BucketARN, 'arn:aws:s3:::lake2');
    assert.equal(s3.CompressionFormat, 'UNCOMPRESSED');
    await put('switch', [Buffer.from('back\n')]);
    await flush('switch');
    const lake = await listObjects(join(dir, 's3', 'lake'));
    const lake2 = await listObjects(join(dir, 's3', 'lake2'));
    assert.deepEqual(
      [...lake.values()].map((b) => gunzipSync(b).toString()),
      ['to-s3\n'],
    );
    assert.deepEqual([...lake2.values()].map(String), ['back\n']);
    assert.match([...lake2.keys()][0]!, /^\d{4}\/\d{2}\/\d{2}\/\d{2}\/switch-3-/);
    assert.equal(rx.received.length, 1);
  });

  it('requires S3Configuration', async () => {
    await assert.rejects(
      fh.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'nos3',
          HttpEndpointDestinationConfiguration: { EndpointConfiguration: { Url: rx.url } } as never,
        }),
      ),
      (e: Error) => e.name === 'ValidationException' || e.name === 'InvalidArgumentException',
    );
  });
});

describe('HTTP endpoint destination: responses and retries', () => {
  it('retries a 500 with the same Request-Id after the backoff delay and delivers once', async () => {
    await create('retry', httpConfig());
    rx.answers = [500];
    await put('retry', [Buffer.from('again')]);
    const done = flush('retry');
    await waitFor(() => (count('retry') === 1 ? true : undefined));
    assert.equal(rx.received.length, 1);
    await clock.advance(1_150); // 1 s + 15 %
    await done;
    assert.equal(rx.received.length, 2);
    const ids = rx.received.map((r) => r.headers['x-amz-firehose-request-id']);
    assert.equal(ids[0], ids[1]);
    assert.deepEqual(rx.records().map(String), ['again', 'again']);
    assert.equal(count('posted'), 1);
    assert.equal((await backup()).size, 0);
    const m = svc.metrics().find((s) => s.deliveryStreamName === 'retry')!.metrics;
    assert.equal(m['DeliveryToHttpEndpoint.Records'], 1);
    assert.equal(m['DeliveryToHttpEndpoint.Bytes'], 5);
    assert.equal(m['DeliveryToHttpEndpoint.Success'], 0.5, 'one failed and one successful attempt');
    assert.equal(m['DeliveryToHttpEndpoint.ProcessedRecords'], 2, 'both attempts, the retry included');
    assert.equal(m['DeliveryToHttpEndpoint.ProcessedBytes'], 10);
    // The retry waited 1 s ± 15 % on the manual clock: the record was that old when the second attempt delivered it.
    const freshness = m['DeliveryToHttpEndpoint.DataFreshness']!;
    assert.ok(freshness >= 0.85 && freshness <= 1.15, `DataFreshness ${freshness}`);
    assert.equal(m['DeliveryToS3.Records'], undefined, 'nothing went to the backup bucket');
  });

  it('treats a 200 that does not echo the requestId as a failure and retries it', async () => {
    await create('echo', httpConfig());
    rx.answers = [
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ requestId: 'someone-else', timestamp: 1 }));
      },
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
      },
    ];
    await put('echo', [Buffer.from('x')]);
    const done = flush('echo');
    await waitFor(() => (count('retry') === 1 ? true : undefined));
    await clock.advance(1_150);
    await waitFor(() => (count('retry') === 2 ? true : undefined));
    await clock.advance(2_300);
    await done;
    assert.equal(rx.received.length, 3);
    assert.equal(count('posted'), 1);
  });

  it('does not retry a 413 and writes nothing to the error output', async () => {
    await create('big', httpConfig());
    rx.answers = [413];
    await put('big', [Buffer.from('too large')]);
    const done = flush('big');
    await waitFor(() => (count('discarded') + count('retry') > 0 ? true : undefined));
    assert.equal(count('retry'), 0);
    await done;
    await clock.advance(10 * 60_000);
    assert.equal(rx.received.length, 1);
    assert.equal(count('retry'), 0);
    assert.equal(count('discarded'), 1);
    assert.equal((await backup()).size, 0);
  });

  it('writes the batch to the backup bucket as http-endpoint-failed error records once RetryOptions.DurationInSeconds ran out', async () => {
    await create(
      'down',
      httpConfig(
        { RetryOptions: { DurationInSeconds: 10 } },
        { Prefix: 'data/!{timestamp:yyyy}/', ErrorOutputPrefix: 'err/!{firehose:error-output-type}/' },
      ),
    );
    rx.answers = Array.from({ length: 20 }, () => 503);
    const records = [Buffer.from('lost-1'), randomBytes(50)];
    await put('down', records);
    const done = flush('down');
    // Waits of 1, 2 and 4 s (±15 %) fit in 10 s; the next (8 s) does not: 4 attempts. Time moves by the
    // longest jittered wait each time, so the retry window is measured on exactly this clock.
    for (const [i, wait] of [1_150, 2_300, 4_600].entries()) {
      await waitFor(() => (count('retry') === i + 1 ? true : undefined));
      await clock.advance(wait);
    }
    await done;
    assert.equal(rx.received.length, 4);
    assert.equal(new Set(rx.received.map((r) => r.headers['x-amz-firehose-request-id'])).size, 1);
    const objects = await backup();
    assert.equal(objects.size, 1);
    const [key, body] = [...objects][0]!;
    assert.match(key, /^err\/http-endpoint-failed\/2026\/11\/25\/12\/down-1-2026-11-25-12-00-00-[0-9a-f-]{36}$/);
    const lines = body
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    for (const [i, line] of lines.entries()) {
      assert.equal(line.errorCode, 'HttpEndpoint.DestinationException');
      assert.equal(line.attemptsMade, 4);
      assert.match(line.errorMessage, /503.*failed with 503/);
      assert.deepEqual(Buffer.from(line.rawData, 'base64'), records[i]);
      assert.equal(typeof line.arrivalTimestamp, 'number');
      assert.equal(typeof line.attemptEndingTimestamp, 'number');
    }
    // Delivery goes on with the next batch.
    await put('down', [Buffer.from('next')]);
    rx.answers = [];
    await flush('down');
    assert.deepEqual(String(rx.records().at(-1)), 'next');
  });

  it('AllData backs up every batch under the backup Prefix', async () => {
    await create('all', httpConfig({ S3BackupMode: 'AllData' }, { Prefix: 'all/' }));
    await put('all', [Buffer.from('a1'), Buffer.from('a2')]);
    await flush('all');
    await put('all', [Buffer.from('b1')]);
    await flush('all');
    assert.deepEqual(rx.records().map(String), ['a1', 'a2', 'b1']);
    const objects = [...(await backup())].sort(([a], [b]) => (a < b ? -1 : 1));
    assert.equal(objects.length, 2);
    for (const [key] of objects) assert.match(key, /^all\/2026\/11\/25\/12\/all-1-/);
    assert.deepEqual(objects.map(([, b]) => b.toString()).sort(), ['a1a2', 'b1']);
  });
});

describe('HTTP endpoint destination: a receiver that goes away', () => {
  it('keeps retrying while the receiver is down and delivers once it is back', async () => {
    await create('flaky', httpConfig());
    const port = rx.port;
    await rx.stop();
    await put('flaky', [Buffer.from('kept')]);
    const done = flush('flaky');
    await waitFor(() => (count('retry') >= 1 ? true : undefined));
    await clock.advance(2_000);
    await waitFor(() => (count('retry') >= 2 ? true : undefined));
    await rx.start(port);
    await clock.advance(120_000);
    await done;
    assert.deepEqual(rx.records().map(String), ['kept']);
    assert.equal((await backup()).size, 0);
  });

  it('keeps undelivered records in the durable buffer across a restart of the service', async () => {
    await create('durable', httpConfig());
    const port = rx.port;
    await rx.stop();
    await put('durable', [Buffer.from('survives')]);
    void flush('durable').catch(() => {});
    await waitFor(() => (count('retry') >= 1 ? true : undefined));
    await closeService();
    await rx.start(port);
    await openService();
    await flush('durable');
    assert.deepEqual(rx.records().map(String), ['survives']);
  });
});
