/**
 * The `tributary` command's logic (src/cli/main.ts is the executable that calls {@link main}).
 *
 *   tributary serve [flags]   run the server until SIGINT/SIGTERM
 *   tributary --help | -h     usage
 *   tributary --version | -v  package version
 *
 * Exit codes: 0 success, 1 the server failed (start-up or shutdown), 2 bad usage (message on stderr).
 */
import { readFileSync } from 'node:fs';
import {
  CONFIG_OPTIONS,
  ConfigError,
  DEFAULT_CONFIG,
  loadConfig,
  startServer,
  type RunningServer,
  type ServerConfig,
} from '../server/index.js';

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Top-level usage text. */
export function mainHelp(): string {
  return [
    'Usage: tributary <command> [flags]',
    '',
    'A self-hosted server that speaks the AWS Kinesis APIs.',
    '',
    'Commands:',
    '  serve          start the server (tributary serve --help for its flags)',
    '',
    'Flags:',
    '  -h, --help     show this help',
    '  -v, --version  show the version',
    '',
  ].join('\n');
}

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
    'Serves Kinesis Data Streams (AWS JSON 1.1 over HTTP/1.1 and h2c) on one port.',
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
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stderr.write(mainHelp());
    return EXIT.usage;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(mainHelp());
    return EXIT.ok;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  if (command !== 'serve') {
    process.stderr.write(`tributary: unknown command '${command}'\n\n${mainHelp()}`);
    return EXIT.usage;
  }
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
