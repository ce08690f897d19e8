/**
 * The client commands of `tributary` (src/cli/program.ts), run as users run them: the compiled CLI in a child
 * process against a real server, output and exit codes checked.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { synthMkv } from '../video/fixtures.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
// No settings of the caller's shell: throw-away credentials, no config files.
const ENV: NodeJS.ProcessEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('TRIBUTARY_') && !k.startsWith('AWS_')),
  ),
  AWS_ACCESS_KEY_ID: 'AKIDCLITEST',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
};

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end (asynchronously: the server answers in this process). */
function cli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: options.env ?? ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

describe('tributary client commands', () => {
  let t: TestServer;
  let dir: string;
  let run: (args: string[], input?: string) => Promise<Result>;
  before(async () => {
    t = await startTestServer({ analyticsTransitionMs: 0 });
    dir = await mkdtemp(join(tmpdir(), 'tributary-cli-'));
    run = (args, input) => cli(['--endpoint-url', t.server.url, ...args], input === undefined ? {} : { input });
  });
  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('streams create, ls, describe (table and --json)', async () => {
    let r = await run(['streams', 'create', 'c1', '--shards', '2', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created c1/);
    assert.match(r.stdout, /Open shards:\s+2/);
    r = await run(['streams', 'ls']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^NAME\s+STATUS\s+MODE\s+CREATED$/m);
    assert.match(r.stdout, /^c1\s+ACTIVE\s+PROVISIONED\s/m);
    r = await run(['streams', 'ls', '--json']);
    const list = JSON.parse(r.stdout) as Array<{ StreamName: string }>;
    assert.ok(list.some((s) => s.StreamName === 'c1'));
    // Global options also go before the command.
    r = await cli(['--json', 'streams', 'describe', 'c1', '--endpoint-url', t.server.url]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { StreamStatus: string; OpenShardCount: number };
    assert.equal(summary.StreamStatus, 'ACTIVE');
    assert.equal(summary.OpenShardCount, 2);
  });

  it('put a value, JSON lines from stdin with a key field, and tail them back as JSON', async () => {
    assert.equal((await run(['streams', 'create', 'p1', '--wait'])).code, 0);
    let r = await run(['put', 'p1', 'hello', '--key', 'k0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^put 1 records \(7 bytes\) to p1 in [\d.]+ s$/m);
    const lines = ['{"id":"a","n":1}', '{"id":"b","n":2}', '', '{"id":"a","n":3}'].join('\n');
    r = await run(['put', 'p1', '--key-field', 'id', '--json'], lines);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { records: number; failed: number };
    assert.deepEqual([summary.records, summary.failed], [3, 0]);
    r = await run(['tail', 'p1', '--no-follow', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const records = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { partitionKey: string; data: unknown; shardId: string; sequenceNumber: string });
    assert.deepEqual(
      records.map((x) => [x.partitionKey, x.data]),
      [
        ['k0', 'hello'],
        ['a', { id: 'a', n: 1 }],
        ['b', { id: 'b', n: 2 }],
        ['a', { id: 'a', n: 3 }],
      ],
    );
    assert.equal(records[0]!.shardId, 'shardId-000000000000');
    r = await run(['tail', 'p1', '--no-follow', '--format', 'hex', '--show-shard', '--limit', '1']);
    assert.equal(r.stdout, `shardId-000000000000 ${Buffer.from('hello').toString('hex')}\n`);
  });

  it('refuses a non-JSON line with --json-lines (exit 2) and writes nothing of it', async () => {
    assert.equal((await run(['streams', 'create', 'p2', '--wait'])).code, 0);
    const r = await run(['put', 'p2', '--json-lines'], '{"ok":1}\nnot json\n');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /line 2 is not JSON/);
    const tail = await run(['tail', 'p2', '--no-follow']);
    assert.equal(tail.stdout, '');
  });

  it('exit codes: AWS errors 1, usage 2, unreachable endpoint 1', async () => {
    let r = await run(['streams', 'describe', 'absent']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tributary: ResourceNotFoundException: Stream absent under account \d{12} not found\.$/m);
    r = await run(['streams', 'create']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing required argument 'stream'/);
    r = await run(['streams', 'create', 'x', '--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--bogus'/);
    r = await run(['tail', 'x', '--from', 'middle']);
    assert.equal(r.code, 2);
    r = await run(['put', 'x', 'v', '--retries', 'many']);
    assert.equal(r.code, 2);
    r = await cli(['--endpoint-url', 'http://127.0.0.1:9', 'streams', 'ls']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /could not reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
  });

  it('works without any AWS credentials against a local endpoint', async () => {
    const env = Object.fromEntries(
      Object.entries(ENV).filter(([k]) => !k.startsWith('AWS_ACCESS') && !k.startsWith('AWS_SECRET')),
    );
    const r = await cli(['--endpoint-url', t.server.url, 'streams', 'ls', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
  });

  it('--help on every command, and a completion script that completes', async () => {
    for (const args of [
      ['--help'],
      ['streams', '--help'],
      ['streams', 'scale', '--help'],
      ['put', '--help'],
      ['tail', '--help'],
      ['firehose', '--help'],
      ['firehose', 'put', '--help'],
      ['analytics', 'start', '--help'],
      ['video', 'create', '--help'],
    ]) {
      const r = await cli(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /Usage: tributary/);
    }
    assert.match((await cli(['put', '--help'])).stdout, /--key-field <field>/);
    const script = await cli(['completion', 'bash']);
    assert.equal(script.code, 0);
    const file = join(dir, 'completion.bash');
    await writeFile(file, script.stdout);
    const complete = (words: string) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn('bash', [
          '-c',
          `source ${file}; COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _tributary_complete; echo "\${COMPREPLY[*]}"`,
        ]);
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('error', reject);
        child.on('close', () => resolve(out.trim()));
      });
    assert.equal(await complete('tributary str'), 'streams');
    assert.deepEqual((await complete("tributary streams ''")).split(' ').slice(0, 5), [
      'ls',
      'create',
      'describe',
      'delete',
      'scale',
    ]);
    assert.match(await complete('tributary tail s1 --fr'), /^--from$/);
    assert.deepEqual((await complete("tributary firehose ''")).split(' ').slice(0, 5), [
      'ls',
      'create',
      'describe',
      'delete',
      'put',
    ]);
    assert.deepEqual((await complete("tributary analytics ''")).split(' ').slice(0, 5), [
      'ls',
      'describe',
      'start',
      'stop',
      'sample',
    ]);
    assert.match(await complete("tributary video ''"), /^ls create describe delete/);
  });

  it('scale reshards; shards draws the lineage; tail and export/import read parents then children', async () => {
    assert.equal((await run(['streams', 'create', 'r1', '--shards', '1', '--wait'])).code, 0);
    await run(['put', 'r1', '--lines', '--key', 'same'], 'one\ntwo\n');
    let r = await run(['streams', 'scale', 'r1', '--shards', '2', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /scaling r1 from 1 to 2 shards: done/);
    await run(['put', 'r1', '--lines', '--key', 'same'], 'three\nfour\n');
    r = await run(['shards', 'r1']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^shardId-000000000000 closed 0\.\.\d+$/m);
    assert.match(r.stdout, /^[├└]─ shardId-000000000001 open /m);
    assert.match(r.stdout, /^└─ shardId-000000000002 open /m);
    r = await run(['shards', 'r1', '--no-tree']);
    assert.match(r.stdout, /^shardId-000000000001\s+open\s+0\s/m);
    r = await run(['tail', 'r1', '--no-follow']);
    assert.equal(r.stdout, 'one\ntwo\nthree\nfour\n');

    const file = join(dir, 'r1.jsonl');
    r = await run(['export', 'r1', '--to', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /exported 4 records of r1/);
    const exported = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { data: string });
    assert.deepEqual(
      exported.map((e) => Buffer.from(e.data, 'base64').toString()),
      ['one', 'two', 'three', 'four'],
    );
    assert.equal((await run(['streams', 'create', 'r2', '--wait'])).code, 0);
    r = await run(['import', 'r2', '--from', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /imported 4 records/);
    r = await run(['tail', 'r2', '--no-follow', '--format', 'json']);
    assert.deepEqual(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { partitionKey: string; data: string }).data),
      ['one', 'two', 'three', 'four'],
    );
  });

  it('tail follows across a resharding while it runs, and stops cleanly on Ctrl-C', async () => {
    assert.equal((await run(['streams', 'create', 'f1', '--wait'])).code, 0);
    const child = spawn(process.execPath, [CLI, '--endpoint-url', t.server.url, 'tail', 'f1', '--poll-ms', '20'], {
      env: ENV,
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const next = async () => (await lines.next()).value as string;
    await run(['put', 'f1', 'before', '--key', 'k']);
    assert.equal(await next(), 'before');
    assert.equal((await run(['streams', 'scale', 'f1', '--shards', '2', '--wait'])).code, 0);
    await run(['put', 'f1', '--lines', '--key', 'k'], 'after-1\nafter-2\n');
    assert.equal(await next(), 'after-1');
    assert.equal(await next(), 'after-2');
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.equal(stderr, '');
    // Nothing came twice: after the last record, the output ended.
    const rest: string[] = [];
    for (;;) {
      const { value, done } = await lines.next();
      if (done) break;
      rest.push(value as string);
    }
    assert.deepEqual(rest, []);
  });

  it('tail --consumer reads through enhanced fan-out (registering the consumer)', async () => {
    assert.equal((await run(['streams', 'create', 'e1', '--wait'])).code, 0);
    await run(['put', 'e1', '--lines', '--key', 'k'], 'x\ny\n');
    const r = await run(['tail', 'e1', '--consumer', 'cli-test', '--limit', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'x\ny\n');
  });

  it('analytics sample answers AWS errors for an unknown application (exit 1)', async () => {
    const r = await run(['analytics', 'sample', 'no-such-app', 'SOURCE_SQL_STREAM_001']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tributary: ResourceNotFoundException: /m);
  });

  it('draws a progress line on a terminal (pseudo-terminal through script(1))', async (ctx) => {
    const missing = requireTool('script', { cmd: 'script', args: ['--version'] });
    if (missing) return ctx.skip(missing);
    assert.equal((await run(['streams', 'create', 'g1', '--wait'])).code, 0);
    const file = join(dir, 'lines.txt');
    await writeFile(file, Array.from({ length: 1200 }, (_, i) => `line ${i}`).join('\n'));
    const command = [process.execPath, CLI, '--endpoint-url', t.server.url, 'put', 'g1', '--lines', '--file', file]
      .map((a) => `'${a}'`)
      .join(' ');
    const r = await new Promise<Result>((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: ENV });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr: '' }));
    });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /\[#{20}\] 100% put g1: 1200 records, \d+ rec\/s, [\d.]+ MB\/s, ETA 0 s/);
    assert.match(r.stdout, /put 1200 records \(\d+ bytes\) to g1/);
  });

  it('firehose create, ls, describe, put (lines and a value, PutRecordBatch), delete', async () => {
    let r = await run(['firehose', 'create', 'fh1', '--bucket', 'cli-bucket', '--prefix', 'in/', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created fh1/);
    assert.match(r.stdout, /Destination:\s+S3 arn:aws:s3:::cli-bucket\/in\//);
    r = await run(['firehose', 'ls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+STATUS\s+SOURCE\s+DESTINATION$/m);
    assert.match(r.stdout, /^fh1\s+ACTIVE\s+Direct PUT\s+S3 arn:aws:s3:::cli-bucket\/in\/$/m);
    r = await run(['firehose', 'describe', 'fh1', '--json']);
    assert.equal((JSON.parse(r.stdout) as { DeliveryStreamStatus: string }).DeliveryStreamStatus, 'ACTIVE');
    r = await run(['firehose', 'put', 'fh1', '--json'], 'a\nbb\n\nccc\n');
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as {
      DeliveryStreamName: string;
      records: number;
      bytes: number;
      failed: number;
    };
    // Each line keeps its line end: 2 + 3 + 4 bytes.
    assert.deepEqual([summary.DeliveryStreamName, summary.records, summary.bytes, summary.failed], ['fh1', 3, 9, 0]);
    r = await run(['firehose', 'put', 'fh1', 'one value']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^put 1 records \(9 bytes\) to fh1 in [\d.]+ s$/m);
    // What the server took in: Firehose's own IncomingRecords / IncomingBytes.
    const metrics = await (await fetch(`${t.server.url}/metrics`)).text();
    assert.match(metrics, /^aws_firehose_incoming_records_total\{[^}]*delivery_stream_name="fh1"[^}]*\} 4$/m);
    assert.match(metrics, /^aws_firehose_incoming_bytes_total\{[^}]*delivery_stream_name="fh1"[^}]*\} 18$/m);
    r = await run(['firehose', 'put', 'nope', 'x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tributary: ResourceNotFoundException: /m);
    r = await run(['firehose', 'create', 'fh2', '--bucket', 'b', '--buffer-mb', '500']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--buffer-mb must be a whole number from 1 to 128/);
    r = await run(['firehose', 'delete', 'fh1', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'deleted fh1\n');
    assert.equal((await run(['firehose', 'describe', 'fh1'])).code, 1);
  });

  it('analytics ls, describe, start --from trim-horizon --wait, stop --wait (v2 API)', async () => {
    const { CreateApplicationCommand, KinesisAnalyticsV2Client } = await import('@aws-sdk/client-kinesis-analytics-v2');
    assert.equal((await run(['streams', 'create', 'an-in', '--wait'])).code, 0);
    const ka = new KinesisAnalyticsV2Client({
      endpoint: t.server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDCLITEST', secretAccessKey: 'secret' },
    });
    try {
      await ka.send(
        new CreateApplicationCommand({
          ApplicationName: 'cli-app',
          RuntimeEnvironment: 'SQL-1_0',
          ServiceExecutionRole: 'arn:aws:iam::000000000000:role/analytics',
          ApplicationConfiguration: {
            SqlApplicationConfiguration: {
              Inputs: [
                {
                  NamePrefix: 'SOURCE_SQL_STREAM',
                  KinesisStreamsInput: { ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/an-in' },
                  InputSchema: {
                    RecordFormat: {
                      RecordFormatType: 'JSON',
                      MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } },
                    },
                    RecordColumns: [{ Name: 'N', SqlType: 'INTEGER', Mapping: '$.n' }],
                  },
                },
              ],
            },
          },
        }),
      );
    } finally {
      ka.destroy();
    }
    let r = await run(['analytics', 'ls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+STATUS\s+RUNTIME\s+VERSION$/m);
    assert.match(r.stdout, /^cli-app\s+READY\s+SQL-1_0\s+1$/m);
    r = await run(['analytics', 'describe', 'cli-app']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Input 1\.1:\s+SOURCE_SQL_STREAM ← arn:aws:kinesis:us-east-1:000000000000:stream\/an-in/m);
    r = await run(['analytics', 'start', 'cli-app', '--from', 'trim-horizon', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^started cli-app$/m);
    assert.match(r.stdout, /^Status:\s+RUNNING$/m);
    assert.match(r.stdout, /\(from TRIM_HORIZON\)/);
    r = await run(['analytics', 'stop', 'cli-app', '--wait', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { ApplicationStatus: string }).ApplicationStatus, 'READY');
    r = await run(['analytics', 'start', 'cli-app', '--from', 'sometime']);
    assert.equal(r.code, 2);
    r = await run(['analytics', 'stop', 'no-such-app']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tributary: ResourceNotFoundException: /m);
  });

  it('video create, ls, describe, delete', async () => {
    let r = await run(['video', 'create', 'cam-cli', '--retention-hours', '2', '--media-type', 'video/h264', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^created cam-cli$/m);
    assert.match(r.stdout, /^Retention:\s+2 h$/m);
    r = await run(['video', 'ls']);
    assert.match(r.stdout, /^cam-cli\s+ACTIVE\s+video\/h264\s+2 h\s/m);
    r = await run(['video', 'describe', 'cam-cli', '--json']);
    const info = JSON.parse(r.stdout) as { StreamARN: string; Status: string };
    assert.equal(info.Status, 'ACTIVE');
    assert.match(info.StreamARN, /^arn:aws:kinesisvideo:us-east-1:000000000000:stream\/cam-cli\/\d+$/);
    // PutMedia of an MKV file: three one-second fragments, each acknowledged up to PERSISTED.
    const mkv = join(dir, 'three.mkv');
    await writeFile(
      mkv,
      synthMkv({
        clusters: Array.from({ length: 3 }, (_, i) => ({
          timecode: i * 1000,
          unknownWidth: 8,
          blocks: [
            ...Array.from({ length: 25 }, (_, f) => ({ track: 1, rel: f * 40, key: f === 0, size: 100 })),
            { track: 2, rel: 3, key: true, size: 20 },
          ],
        })),
      }),
    );
    r = await run(['video', 'put', 'cam-cli', mkv]);
    assert.equal(r.code, 0, r.stderr);
    const persisted = r.stdout.split('\n').filter((l) => l.startsWith('PERSISTED'));
    assert.equal(persisted.length, 3, r.stdout);
    assert.match(persisted[2]!, /^PERSISTED\s+2000\s+\d{47}$/);
    assert.match(r.stdout, /: 3 fragments received, 3 persisted, 0 errors$/m);
    r = await run(['video', 'put', 'cam-cli', mkv, '--json']);
    const acks = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { EventType: string });
    assert.equal(acks.filter((a) => a.EventType === 'PERSISTED').length, 3);
    // GetMedia from the earliest fragment: the first four whole fragments (three of the first upload, one of the
    // second) written to a file.
    const got = join(dir, 'got.mkv');
    r = await run(['video', 'get', 'cam-cli', '--to', got, '--fragments', '4']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^got 4 fragments \(\d+ bytes\) of cam-cli$/m);
    const media = await readFile(got);
    assert.equal(media.toString('latin1').split('AWS_KINESISVIDEO_CONTINUATION_TOKEN').length - 1, 4);
    assert.equal(media.subarray(0, 4).toString('hex'), '1a45dfa3');
    r = await run(['video', 'put', 'no-such-cam', mkv]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tributary: ResourceNotFoundException: /m);
    r = await run(['video', 'create', 'cam-cli']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tributary: ResourceInUseException: /m);
    r = await run(['video', 'delete', 'cam-cli', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    r = await run(['video', 'describe', 'cam-cli']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tributary: ResourceNotFoundException: /m);
  });
});
