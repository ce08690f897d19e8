/**
 * The `tributary` command's logic (src/cli/main.ts is the executable that calls {@link main}); docs/adr/0030-cli.md.
 *
 *   tributary serve [flags]              run the server until SIGINT/SIGTERM (its own flag table, src/server/config.ts)
 *   tributary streams ls|create|describe|delete|scale, shards, put, tail, export, import, analytics sample,
 *             completion                 client commands against any Kinesis endpoint (commander, ./program.ts)
 *   tributary --help | -h, --version | -v
 *
 * Exit codes (./output.ts EXIT): 0 success, 1 failure (the server answered an error, could not be reached, or the
 * server failed), 2 bad usage (message on stderr), 3 partly done (records that failed after the retries).
 */
import { readFileSync } from 'node:fs';
import { EXIT, processIo, type Io } from './output.js';
import {
  CONFIG_OPTIONS,
  ConfigError,
  DEFAULT_CONFIG,
  loadConfig,
  startServer,
  type RunningServer,
  type ServerConfig,
} from '../server/index.js';

export { EXIT } from './output.js';

/** Usage text of `serve`: every flag with its environment variable and default. */
export function serveHelp(): string {
  const rows = CONFIG_OPTIONS.map((o) => ({
    left: `--${o.flag} ${o.valueName}`,
    text: o.description,
    env: o.env,
    def: String(DEFAULT_CONFIG[o.key]),
  }));
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  const lines = [
    'Usage: tributary serve [flags]',
    '',
    'Serves Kinesis Data Streams, Firehose, Data Analytics and Video Streams (their AWS protocols over HTTP/1.1',
    'and h2c) on one port.',
    'Every flag can also be set through its environment variable; flags win.',
    '',
    'Flags:',
  ];
  for (const r of rows) {
    lines.push(`  ${r.left.padEnd(width)}${r.text}`);
    lines.push(`  ${''.padEnd(width)}env ${r.env}, default ${r.def}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(width)}show this help`, '');
  return lines.join('\n');
}

/** The version in package.json (dist/src/cli/main.js → ../../../package.json). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? '0.0.0';
}

/**
 * Runs the CLI with `argv` (without node and the script). Resolves with the exit code for
 * commands that finish; `serve` resolves once the server has stopped after a signal.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  // Client commands load the AWS SDK and the argument parser; `serve` does not need them.
  if (command !== 'serve') return (await import('./program.js')).runClient(argv, env, io);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(serveHelp());
    return EXIT.ok;
  }
  let config: ServerConfig;
  try {
    config = loadConfig(rest, env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`tributary serve: ${e.message}\nRun 'tributary serve --help' for the flags.\n`);
      return EXIT.usage;
    }
    throw e;
  }
  return serve(config);
}

async function serve(config: ReturnType<typeof loadConfig>): Promise<number> {
  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (e) {
    process.stderr.write(`tributary serve: could not start: ${(e as Error).message}\n`);
    return EXIT.failure;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second signal: the user does not want to wait for the graceful close.
        process.stderr.write(`tributary: ${signal} again, exiting now\n`);
        process.exit(EXIT.failure);
      }
      stopping = true;
      server.close().then(
        () => resolve(EXIT.ok),
        (e: unknown) => {
          process.stderr.write(`tributary: error while stopping: ${(e as Error).message}\n`);
          resolve(EXIT.failure);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
