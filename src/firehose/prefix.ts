/**
 * S3 object keys as Firehose builds them ("Amazon S3 object name format" and "Understand custom prefixes for
 * Amazon S3 objects", Amazon Data Firehose Developer Guide).
 *
 * Rules:
 * 1. Key = `<evaluated prefix><stream name>-<stream version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><file extension>`.
 * 2. No Prefix → `YYYY/MM/dd/HH/`. A Prefix without a `timestamp` expression gets `!{timestamp:yyyy/MM/dd/HH/}`
 *    appended.
 * 3. Expressions are `!{namespace:value}`: `timestamp:<Java DateTimeFormatter pattern>` (every occurrence uses the
 *    same instant: the arrival time of the oldest record in the object; UTC unless CustomTimeZone),
 *    `firehose:random-string` (11 characters, new per occurrence), `firehose:error-output-type` (ErrorOutputPrefix
 *    only). `partitionKeyFromQuery` / `partitionKeyFromLambda` need dynamic partitioning (not supported yet).
 * 4. `!{` may appear only as the start of an expression; evaluated prefixes are at most 512 characters.
 * 5. ErrorOutputPrefix may be omitted only when Prefix has no expressions; an ErrorOutputPrefix with expressions
 *    must contain `!{firehose:error-output-type}`, which Prefix must not contain. Without an ErrorOutputPrefix,
 *    error objects go under `<Prefix><error-output-type>/` plus the default time path.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { firehoseError } from './errors.js';

/** One parsed piece of a prefix: literal text or an expression. */
export type PrefixPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'timestamp'; readonly format: readonly FormatToken[] }
  | { readonly kind: 'random' }
  | { readonly kind: 'errorType' };

/** A piece of a timestamp pattern. */
export type FormatToken = { readonly literal: string } | { readonly field: string; readonly width: number };

const MAX_EVALUATED = 512;
const DEFAULT_TIME_PATH = 'yyyy/MM/dd/HH/';
const RANDOM_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** Pattern letters this evaluator supports (the DateTimeFormatter letters Firehose users put in prefixes). */
const FIELDS = new Set(['y', 'u', 'M', 'd', 'H', 'h', 'm', 's', 'S', 'a', 'D']);

// TODO(#firehose-texts): AWS's exact wording of prefix validation errors is not known; these name the rule.
function badPrefix(message: string): Error {
  return firehoseError('InvalidArgumentException', message);
}

/** Parses a Java DateTimeFormatter pattern (letters are fields, `'…'` is literal text, `''` a quote). */
export function parseTimestampFormat(pattern: string): FormatToken[] {
  const out: FormatToken[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw badPrefix(`The timestamp format '${pattern}' has an unterminated quote.`);
      out.push({ literal: end === i + 1 ? "'" : pattern.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      if (!FIELDS.has(c))
        throw badPrefix(`The timestamp format '${pattern}' uses the unsupported pattern letter '${c}'.`);
      out.push({ field: c, width: j - i });
      i = j;
    } else {
      out.push({ literal: c });
      i++;
    }
  }
  return out;
}

/** Parses a prefix into parts; rejects malformed or unknown expressions (rule 4). */
export function parsePrefix(prefix: string, what: 'Prefix' | 'ErrorOutputPrefix'): PrefixPart[] {
  const parts: PrefixPart[] = [];
  let i = 0;
  while (i < prefix.length) {
    const start = prefix.indexOf('!{', i);
    if (start < 0) {
      parts.push({ kind: 'text', text: prefix.slice(i) });
      break;
    }
    if (start > i) parts.push({ kind: 'text', text: prefix.slice(i, start) });
    const end = prefix.indexOf('}', start);
    if (end < 0) throw badPrefix(`${what} '${prefix}' has an unterminated expression: '!{' must start an expression.`);
    const body = prefix.slice(start + 2, end);
    const colon = body.indexOf(':');
    const namespace = colon < 0 ? body : body.slice(0, colon);
    const value = colon < 0 ? '' : body.slice(colon + 1);
    if (namespace === 'timestamp') {
      if (value === '') throw badPrefix(`${what} '${prefix}': the timestamp expression needs a format.`);
      parts.push({ kind: 'timestamp', format: parseTimestampFormat(value) });
    } else if (namespace === 'firehose' && value === 'random-string') {
      parts.push({ kind: 'random' });
    } else if (namespace === 'firehose' && value === 'error-output-type') {
      parts.push({ kind: 'errorType' });
    } else if (namespace === 'partitionKeyFromQuery' || namespace === 'partitionKeyFromLambda') {
      throw badPrefix(
        `${what} '${prefix}' uses !{${namespace}:...}, which needs dynamic partitioning; it is not supported yet.`,
      );
    } else {
      throw badPrefix(`${what} '${prefix}' has an unsupported expression '!{${body}}'.`);
    }
    i = end + 1;
  }
  return parts;
}

const hasExpression = (parts: readonly PrefixPart[]): boolean => parts.some((p) => p.kind !== 'text');

/** A destination's prefixes, parsed and checked against rule 5. */
export interface KeyLayout {
  readonly prefix: readonly PrefixPart[];
  readonly errorPrefix: readonly PrefixPart[];
}

/** Validates Prefix / ErrorOutputPrefix together (rules 2, 4, 5) and returns the parsed layout. */
export function keyLayout(prefix: string | undefined, errorOutputPrefix: string | undefined): KeyLayout {
  const p = parsePrefix(prefix ?? '', 'Prefix');
  const e =
    errorOutputPrefix === undefined || errorOutputPrefix === ''
      ? undefined
      : parsePrefix(errorOutputPrefix, 'ErrorOutputPrefix');
  if (p.some((x) => x.kind === 'errorType'))
    throw badPrefix(`Prefix '${prefix}' must not contain !{firehose:error-output-type}.`);
  if (hasExpression(p) && e === undefined)
    // AWS's text, typo included, as CreateDeliveryStream answers it (reported verbatim in
    // hashicorp/terraform-provider-aws pull request 13416 and serverless/serverless issue 6015).
    throw badPrefix(
      'Ths supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix cannot be null or empty when Prefix contains expressions',
    );
  if (e && hasExpression(e) && !e.some((x) => x.kind === 'errorType'))
    throw badPrefix(`ErrorOutputPrefix '${errorOutputPrefix}' must contain !{firehose:error-output-type}.`);
  const withTime = (parts: PrefixPart[]): PrefixPart[] =>
    parts.some((x) => x.kind === 'timestamp')
      ? parts
      : [...parts, { kind: 'timestamp', format: parseTimestampFormat(DEFAULT_TIME_PATH) }];
  const errorParts: PrefixPart[] = e ?? [
    ...p.filter((x) => x.kind === 'text'),
    { kind: 'errorType' },
    { kind: 'text', text: '/' },
  ];
  return { prefix: withTime(p), errorPrefix: withTime(errorParts) };
}

/** Calendar fields of an instant in a time zone (UTC unless given). */
interface Fields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millis: number;
  readonly dayOfYear: number;
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function fieldsAt(epochMs: number, timeZone: string | undefined): Fields {
  let shifted = epochMs;
  if (timeZone && timeZone !== 'UTC') {
    let fmt = zoneFormatters.get(timeZone);
    if (!fmt) {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
      zoneFormatters.set(timeZone, fmt);
    }
    const get: Record<string, number> = {};
    for (const part of fmt.formatToParts(new Date(epochMs))) get[part.type] = Number(part.value);
    shifted =
      Date.UTC(get['year']!, get['month']! - 1, get['day']!, get['hour']!, get['minute']!, get['second']!) +
      (epochMs % 1000);
  }
  const d = new Date(shifted);
  const year = d.getUTCFullYear();
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millis: d.getUTCMilliseconds(),
    dayOfYear: Math.floor((Date.UTC(year, d.getUTCMonth(), d.getUTCDate()) - Date.UTC(year, 0, 1)) / 86_400_000) + 1,
  };
}

/** True when `zone` is an IANA time zone this runtime knows. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Formats an instant with a parsed DateTimeFormatter pattern. */
export function formatTimestamp(tokens: readonly FormatToken[], epochMs: number, timeZone?: string): string {
  const f = fieldsAt(epochMs, timeZone);
  let out = '';
  for (const t of tokens) {
    if ('literal' in t) {
      out += t.literal;
      continue;
    }
    switch (t.field) {
      case 'y':
      case 'u':
        out += t.width === 2 ? pad(f.year % 100, 2) : pad(f.year, t.width);
        break;
      case 'M':
        out += pad(f.month, t.width);
        break;
      case 'd':
        out += pad(f.day, t.width);
        break;
      case 'D':
        out += pad(f.dayOfYear, t.width);
        break;
      case 'H':
        out += pad(f.hour, t.width);
        break;
      case 'h':
        out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, t.width);
        break;
      case 'a':
        out += f.hour < 12 ? 'AM' : 'PM';
        break;
      case 'm':
        out += pad(f.minute, t.width);
        break;
      case 's':
        out += pad(f.second, t.width);
        break;
      case 'S':
        out += pad(f.millis, 3).slice(0, t.width).padEnd(t.width, '0');
        break;
    }
  }
  return out;
}

function randomString(): string {
  const bytes = randomBytes(11);
  let out = '';
  for (const b of bytes) out += RANDOM_ALPHABET[b % RANDOM_ALPHABET.length];
  return out;
}

/** Evaluates parsed prefix parts for an object whose oldest record arrived at `epochMs` (rule 3). */
export function evaluatePrefix(
  parts: readonly PrefixPart[],
  epochMs: number,
  timeZone: string | undefined,
  errorType?: string,
): string {
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') out += part.text;
    else if (part.kind === 'timestamp') out += formatTimestamp(part.format, epochMs, timeZone);
    else if (part.kind === 'random') out += randomString();
    else out += errorType ?? '';
  }
  if (out.length > MAX_EVALUATED)
    // TODO(#firehose-texts): AWS's wording for an evaluated prefix over 512 characters.
    throw badPrefix(`The evaluated prefix is longer than ${MAX_EVALUATED} characters.`);
  return out;
}

const SUFFIX_FORMAT = parseTimestampFormat('yyyy-MM-dd-HH-mm-ss');

/** Rule 1: the object name after the prefix. */
export function objectName(
  streamName: string,
  versionId: string | number,
  epochMs: number,
  timeZone: string | undefined,
  extension: string,
): string {
  return `${streamName}-${versionId}-${formatTimestamp(SUFFIX_FORMAT, epochMs, timeZone)}-${randomUUID()}${extension}`;
}
