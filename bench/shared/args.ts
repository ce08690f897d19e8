/**
 * One way for every benchmark to read its command line: Node's `parseArgs` (strict), plus `--help` that prints the
 * options with their defaults, and an unknown or malformed option that prints what is wrong and the usage (exit 2)
 * instead of the parser's stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type BenchOptions = NonNullable<ParseArgsConfig['options']>;

/** The usage text: the command, what it measures, each option with its default. */
export function benchUsage(command: string, summary: string, options: BenchOptions): string {
  const lines = Object.entries(options).map(([name, o]) => {
    const value = o.type === 'string' ? ' <value>' : '';
    const fallback = o.default === undefined ? '' : `  (default ${String(o.default)})`;
    return `  --${name}${value}${fallback}`;
  });
  return `Usage: ${command} [options]\n${summary}\n\nOptions:\n${lines.join('\n')}\n  --help  this text\n`;
}

/**
 * Parses `argv` (default: this process's arguments) against `options`. `--help` / `-h` print the usage and exit 0;
 * anything the parser refuses prints its message and the usage and exits 2.
 */
export function parseBenchArgs<const T extends BenchOptions>(
  command: string,
  summary: string,
  options: T,
  argv: readonly string[] = process.argv.slice(2),
): ReturnType<typeof parseArgs<{ options: T; strict: true }>>['values'] {
  const usage = benchUsage(command, summary, options);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    process.exit(0);
  }
  try {
    return parseArgs({ args: [...argv], options, strict: true }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${usage}`);
    process.exit(2);
  }
}
