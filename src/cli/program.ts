/**
 * The client commands of `tributary`, declared with commander (docs/adr/0030-cli.md): every command has `--help`,
 * takes the global `--endpoint-url`, `--region`, `--profile` and `--json` (before or after the command name), and
 * ends with an exit code of ./output.ts. `serve` is listed here for help and completion; ./run.ts runs it.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { completionScript } from './completion.js';
import { type Connection, connect, DEFAULT_ENDPOINT } from './client.js';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { analyticsSample } from './commands/analytics.js';
import {
  applicationsDescribe,
  applicationsLs,
  applicationsStart,
  applicationsStop,
  START_POSITIONS,
} from './commands/applications.js';
import {
  type FirehoseCreateOptions,
  type FirehosePutOptions,
  firehoseCreate,
  firehoseDelete,
  firehoseDescribe,
  firehoseLs,
  firehosePut,
} from './commands/firehose.js';
import { putCommand } from './commands/put.js';
import {
  shardsCommand,
  streamsCreate,
  streamsDelete,
  streamsDescribe,
  streamsLs,
  streamsScale,
} from './commands/streams.js';
import { TAIL_FORMATS, tailCommand } from './commands/tail.js';
import { exportCommand, importCommand } from './commands/transfer.js';
import { type VideoCreateOptions, videoCreate, videoDelete, videoDescribe, videoLs } from './commands/video.js';
import { describeError, EXIT, type Io, UsageError } from './output.js';

interface GlobalOptions {
  readonly endpointUrl?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly json?: boolean;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? '0.0.0';
}

/** What an action needs: the connection (made on first use), the output, the global flags and a stop signal. */
interface ActionContext {
  readonly io: Io;
  readonly json: boolean;
  readonly signal: AbortSignal;
  connection(): Promise<Connection>;
}

/** What a run leaves: the exit code of the action, and the connection it made (closed at the end). */
interface RunState {
  code: number;
  connection: Connection | undefined;
}

/** Builds the command tree; actions store their exit code (none: 0) and connection in `state`. */
export function buildProgram(io: Io, env: NodeJS.ProcessEnv, signal: AbortSignal, state: RunState): Command {
  const program = new Command('tributary');
  program
    .usage('<command> [options]')
    .description(
      'A self-hosted server that speaks the AWS Kinesis APIs, and a client for any Kinesis endpoint.\n' +
        `Client commands use the AWS SDK's credential and region chain; the endpoint defaults to ${DEFAULT_ENDPOINT}.`,
    )
    .version(packageVersion(), '-v, --version', 'show the version')
    .helpOption('-h, --help', 'show help')
    .option(
      '--endpoint-url <url>',
      `Kinesis endpoint (default: AWS_ENDPOINT_URL or ${DEFAULT_ENDPOINT}; 'aws' for AWS)`,
    )
    .option('--region <region>', 'AWS region (default: the SDK chain, AWS_DEFAULT_REGION, us-east-1)')
    .option('--profile <name>', 'profile of the shared AWS config and credentials files')
    .option('--json', 'print results as JSON (for scripts)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showSuggestionAfterError(true);

  const action =
    <A extends unknown[]>(fn: (ctx: ActionContext, ...args: A) => Promise<unknown>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals<GlobalOptions>();
      const ctx: ActionContext = {
        io,
        json: globals.json === true,
        signal,
        async connection() {
          state.connection ??= await connect(
            {
              ...(globals.endpointUrl ? { endpointUrl: globals.endpointUrl } : {}),
              ...(globals.region ? { region: globals.region } : {}),
              ...(globals.profile ? { profile: globals.profile } : {}),
            },
            env,
          );
          return state.connection;
        },
      };
      const code = await fn(ctx, ...(args.slice(0, -1) as A));
      state.code = typeof code === 'number' ? code : EXIT.ok;
    };
  const kinesis = async (ctx: ActionContext) => (await ctx.connection()).kinesis;

  program
    .command('serve')
    .description('run the server (tributary serve --help for its flags)')
    .helpOption(false)
    .allowUnknownOption(true);

  const streams = program.command('streams').description('list, create, describe, delete and scale streams');
  streams
    .command('ls')
    .alias('list')
    .description('list the streams of the account and region')
    .action(action(async (ctx) => streamsLs(await kinesis(ctx), ctx.io, ctx.json)));
  streams
    .command('create <stream>')
    .description('create a stream (provisioned with --shards, or --on-demand)')
    .option('--shards <n>', 'shard count (default 1)')
    .option('--on-demand', 'on-demand capacity mode')
    .option('--wait', 'wait until the stream is ACTIVE')
    .action(
      action(async (ctx, name: string, options: { shards?: string; onDemand?: boolean; wait?: boolean }) =>
        streamsCreate(await kinesis(ctx), ctx.io, ctx.json, name, options),
      ),
    );
  streams
    .command('describe <stream>')
    .description('show a stream: status, mode, shards, retention, encryption, consumers')
    .action(action(async (ctx, name: string) => streamsDescribe(await kinesis(ctx), ctx.io, ctx.json, name)));
  streams
    .command('delete <stream>')
    .description('delete a stream')
    .option('--force', 'also delete its enhanced fan-out consumers')
    .option('--wait', 'wait until the stream is gone')
    .action(
      action(async (ctx, name: string, options: { wait?: boolean; force?: boolean }) =>
        streamsDelete(await kinesis(ctx), ctx.io, ctx.json, name, options),
      ),
    );
  streams
    .command('scale <stream>')
    .description('change the shard count (UpdateShardCount, uniform scaling)')
    .requiredOption('--shards <n>', 'target shard count')
    .option('--wait', 'wait until resharding is done')
    .action(
      action(async (ctx, name: string, options: { shards: string; wait?: boolean }) =>
        streamsScale(await kinesis(ctx), ctx.io, ctx.json, name, options),
      ),
    );

  program
    .command('shards <stream>')
    .description('list the shards of a stream; a lineage tree once it was resharded')
    .option('--tree', 'always draw the lineage tree')
    .option('--no-tree', 'always print the table')
    .action(
      action(async (ctx, stream: string, options: { tree?: boolean }) =>
        shardsCommand(await kinesis(ctx), ctx.io, ctx.json, stream, options),
      ),
    );

  program
    .command('put <stream> [value]')
    .description('write records: a VALUE, a --file, or lines / JSON lines from stdin (batched, retried)')
    .option('--file <path>', 'the record(s) from a file (one record, or one a line with --lines / --json-lines)')
    .option('--lines', 'one record per line')
    .option('--json-lines', 'one JSON record per line (checked)')
    .option('--key <partition-key>', 'partition key of every record (default: a random one per record)')
    .option('--key-field <field>', 'partition key from this field of each JSON line')
    .option('--retries <n>', 'retries of records that PutRecords refused', '5')
    .addHelpText('after', '\nWithout VALUE or --file, records are read from stdin, one a line.')
    .action(
      action(async (ctx, stream: string, value: string | undefined, options) =>
        putCommand(await kinesis(ctx), ctx.io, ctx.json, stream, value, options as never),
      ),
    );

  program
    .command('tail <stream>')
    .description('print records as they arrive, from every shard, following resharding')
    .addOption(
      new Option('--from <position>', 'where to start')
        .choices(['trim-horizon', 'latest', 'at-timestamp'])
        .default('trim-horizon'),
    )
    .option('--timestamp <time>', 'with --from at-timestamp: ISO 8601 or epoch seconds')
    .addOption(new Option('--format <format>', 'record output').choices([...TAIL_FORMATS]).default('text'))
    .option('--show-shard', 'prefix each record with its shard id (text, hex)')
    .option('--show-seq', 'prefix each record with its sequence number (text, hex)')
    .option('--consumer <name>', 'read through this enhanced fan-out consumer (registered when missing)')
    .option('--limit <n>', 'stop after this many records')
    .option('--no-follow', 'stop at the newest record instead of waiting for more')
    .option('--poll-ms <ms>', 'wait between reads at the tip', '1000')
    .action(
      action(async (ctx, stream: string, options) => {
        await tailCommand(await kinesis(ctx), ctx.io, ctx.json, stream, options as never, ctx.signal);
      }),
    );

  program
    .command('export <stream>')
    .description("write a stream's records to a file as JSON lines (base64 data), oldest first per shard")
    .requiredOption('--to <file>', "output file ('-' for stdout)")
    .action(
      action(async (ctx, stream: string, options: { to: string }) =>
        exportCommand(await kinesis(ctx), ctx.io, ctx.json, stream, options, ctx.signal),
      ),
    );
  program
    .command('import <stream>')
    .description('write the records of an export file to a stream (batched, retried)')
    .requiredOption('--from <file>', "input file ('-' for stdin)")
    .option('--retries <n>', 'retries of records that PutRecords refused', '5')
    .action(
      action(async (ctx, stream: string, options: { from: string; retries: string }) =>
        importCommand(await kinesis(ctx), ctx.io, ctx.json, stream, options),
      ),
    );

  const firehose = program
    .command('firehose')
    .description('list, create, describe and delete Firehose delivery streams; put records');
  // Service clients other than Kinesis load on first use, so other commands start as fast as before.
  const firehoseClient = async (ctx: ActionContext) =>
    (await ctx.connection()).client((await import('@aws-sdk/client-firehose')).FirehoseClient);
  firehose
    .command('ls')
    .alias('list')
    .description('list the delivery streams: status, source, destination')
    .action(action(async (ctx) => firehoseLs(await firehoseClient(ctx), ctx.io, ctx.json)));
  firehose
    .command('create <delivery-stream>')
    .description('create a delivery stream to S3 (Direct PUT, or reading a Kinesis stream with --source-stream)')
    .requiredOption('--bucket <bucket>', 'destination bucket name or ARN')
    .option('--prefix <prefix>', 'object key prefix')
    .option('--role-arn <arn>', 'IAM role Firehose assumes (AWS needs one; Tributary does not assume roles)')
    .option('--buffer-mb <n>', 'buffer size hint, 1-128 MiB')
    .option('--buffer-seconds <n>', 'buffer interval hint, 0-900 s')
    .addOption(
      new Option('--compression <format>', 'object compression').choices([
        'UNCOMPRESSED',
        'GZIP',
        'ZIP',
        'Snappy',
        'HADOOP_SNAPPY',
      ]),
    )
    .option('--source-stream <stream>', 'read this Kinesis stream (name or ARN) instead of Direct PUT')
    .option('--wait', 'wait until the delivery stream is ACTIVE')
    .action(
      action(async (ctx, name: string, options: FirehoseCreateOptions) => {
        const connection = await ctx.connection();
        const kinesisArn = async (stream: string) =>
          (await connection.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream })))
            .StreamDescriptionSummary!.StreamARN!;
        await firehoseCreate(await firehoseClient(ctx), ctx.io, ctx.json, name, options, kinesisArn);
      }),
    );
  firehose
    .command('describe <delivery-stream>')
    .description('show a delivery stream: status, source, destination, buffering, encryption')
    .action(action(async (ctx, name: string) => firehoseDescribe(await firehoseClient(ctx), ctx.io, ctx.json, name)));
  firehose
    .command('delete <delivery-stream>')
    .description('delete a delivery stream')
    .option('--wait', 'wait until it is gone')
    .action(
      action(async (ctx, name: string, options: { wait?: boolean }) =>
        firehoseDelete(await firehoseClient(ctx), ctx.io, ctx.json, name, options),
      ),
    );
  firehose
    .command('put <delivery-stream> [value]')
    .description('write records: a VALUE, a --file, or lines / JSON lines from stdin (PutRecordBatch, retried)')
    .option('--file <path>', 'the record(s) from a file (one record, or one a line with --lines / --json-lines)')
    .option('--lines', 'one record per line')
    .option('--json-lines', 'one JSON record per line (checked)')
    .option('--no-newline', 'send line records without their line end')
    .option('--retries <n>', 'retries of records that PutRecordBatch refused', '5')
    .addHelpText('after', '\nWithout VALUE or --file, records are read from stdin, one a line (each keeps its "\\n").')
    .action(
      action(async (ctx, name: string, value: string | undefined, options: FirehosePutOptions) =>
        firehosePut(await firehoseClient(ctx), ctx.io, ctx.json, name, value, options),
      ),
    );

  const analytics = program.command('analytics').description('Kinesis Data Analytics applications');
  const analyticsClient = async (ctx: ActionContext) =>
    (await ctx.connection()).client((await import('@aws-sdk/client-kinesis-analytics-v2')).KinesisAnalyticsV2Client);
  analytics
    .command('ls')
    .alias('list')
    .description('list the applications: status, runtime, version')
    .action(action(async (ctx) => applicationsLs(await analyticsClient(ctx), ctx.io, ctx.json)));
  analytics
    .command('describe <application>')
    .description('show an application: status, runtime, inputs and outputs')
    .action(
      action(async (ctx, name: string) => applicationsDescribe(await analyticsClient(ctx), ctx.io, ctx.json, name)),
    );
  analytics
    .command('start <application>')
    .description('start an application, every input from the --from position')
    .addOption(
      new Option('--from <position>', 'where SQL inputs start reading')
        .choices(Object.keys(START_POSITIONS))
        .default('now'),
    )
    .option('--wait', 'wait until the application is RUNNING')
    .action(
      action(async (ctx, name: string, options: { from: string; wait?: boolean }) =>
        applicationsStart(await analyticsClient(ctx), ctx.io, ctx.json, name, options),
      ),
    );
  analytics
    .command('stop <application>')
    .description('stop an application')
    .option('--force', 'stop at once (Flink applications: without a snapshot)')
    .option('--wait', 'wait until the application is READY')
    .action(
      action(async (ctx, name: string, options: { force?: boolean; wait?: boolean }) =>
        applicationsStop(await analyticsClient(ctx), ctx.io, ctx.json, name, options),
      ),
    );
  analytics
    .command('sample <application> <in-application-stream>')
    .description("the latest rows of a running application's in-application stream (Tributary's sample endpoint)")
    .option('--limit <n>', 'rows (0 to 1000, default 100)')
    .option('--follow', 'keep printing new rows until Ctrl-C')
    .action(
      action(async (ctx, app: string, stream: string, options: { limit?: string; follow?: boolean }) =>
        analyticsSample(await ctx.connection(), ctx.io, ctx.json, app, stream, options, ctx.signal),
      ),
    );

  const video = program.command('video').description('list, create, describe and delete Kinesis video streams');
  const videoClient = async (ctx: ActionContext) =>
    (await ctx.connection()).client((await import('@aws-sdk/client-kinesis-video')).KinesisVideoClient);
  video
    .command('ls')
    .alias('list')
    .description('list the video streams: status, media type, retention')
    .action(action(async (ctx) => videoLs(await videoClient(ctx), ctx.io, ctx.json)));
  video
    .command('create <stream>')
    .description('create a video stream')
    .option('--retention-hours <n>', 'hours media is kept (0: not stored, live only)')
    .option('--media-type <type>', "the stream's media type, e.g. video/h264")
    .option('--device-name <name>', 'the producing device')
    .option('--wait', 'wait until the stream is ACTIVE')
    .action(
      action(async (ctx, name: string, options: VideoCreateOptions) =>
        videoCreate(await videoClient(ctx), ctx.io, ctx.json, name, options),
      ),
    );
  video
    .command('describe <stream>')
    .description('show a video stream')
    .action(action(async (ctx, name: string) => videoDescribe(await videoClient(ctx), ctx.io, ctx.json, name)));
  video
    .command('delete <stream>')
    .description('delete a video stream and its media')
    .option('--wait', 'wait until it is gone')
    .action(
      action(async (ctx, name: string, options: { wait?: boolean }) =>
        videoDelete(await videoClient(ctx), ctx.io, ctx.json, name, options),
      ),
    );

  video
    .command('put <stream> <file>')
    .description('upload an MKV file with PutMedia and print the acknowledgements as they arrive')
    .option('--absolute', "the file's cluster timecodes are absolute times (default: relative to now)")
    .action(
      action(async (ctx, stream: string, file: string, options: { absolute?: boolean }) => {
        const connection = await ctx.connection();
        const { videoPut } = await import('./commands/video-media.js');
        return videoPut(await videoClient(ctx), connection, ctx.io, ctx.json, stream, file, options);
      }),
    );

  video
    .command('get <stream>')
    .description('read media with GetMedia into a file (MKV) until --fragments N or Ctrl-C')
    .requiredOption('--to <file>', "output file ('-' for stdout)")
    .addOption(new Option('--from <position>', 'where to start').choices(['earliest', 'now']).default('earliest'))
    .option('--fragments <n>', 'stop after this many whole fragments')
    .action(
      action(async (ctx, stream: string, options: { to: string; from: 'earliest' | 'now'; fragments?: string }) => {
        const connection = await ctx.connection();
        const { videoGet } = await import('./commands/video-media.js');
        await videoGet(await videoClient(ctx), connection, ctx.io, ctx.json, stream, options, ctx.signal);
      }),
    );

  program
    .command('completion')
    .description('print a shell completion script: source <(tributary completion bash)')
    .argument('<shell>', 'bash or zsh')
    .action(
      action(async (ctx, shell: string) => {
        if (shell !== 'bash' && shell !== 'zsh') throw new UsageError(`shell must be bash or zsh, got '${shell}'`);
        ctx.io.stdout.write(completionScript(program, shell));
      }),
    );
  return program;
}

/** Runs a client command; resolves with the exit code. */
export async function runClient(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  // The SDK's notice that its later releases need Node 22 would precede every command's output; this package pins
  // the SDK (dependencies.md), so the notice says nothing to a CLI user. Their own setting wins.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const stop = new AbortController();
  const state: RunState = { code: EXIT.ok, connection: undefined };
  const program = buildProgram(io, env, stop.signal, state);
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return EXIT.usage;
  }
  // Ctrl-C stops a running tail or sample cleanly; a second one exits at once.
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with exit code 0; every parse error is a usage error.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof UsageError) {
      io.stderr.write(`tributary: ${e.message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`tributary: ${describeError(e, state.connection?.endpoint ?? endpointForError(argv, env))}\n`);
    return EXIT.failure;
  } finally {
    process.off('SIGINT', onSigint);
    state.connection?.destroy();
  }
}

/** The endpoint an error message names when the failure came before the connection was stored. */
function endpointForError(argv: string[], env: NodeJS.ProcessEnv): string | undefined {
  const at = argv.indexOf('--endpoint-url');
  const given = at >= 0 ? argv[at + 1] : argv.find((a) => a.startsWith('--endpoint-url='))?.slice(15);
  const chosen = given ?? env['AWS_ENDPOINT_URL_KINESIS'] ?? env['AWS_ENDPOINT_URL'] ?? DEFAULT_ENDPOINT;
  return chosen === 'aws' ? undefined : chosen;
}
