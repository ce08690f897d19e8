/**
 * IAM `Condition` blocks: parsing (every operator, key and value checked when the policy loads) and evaluation
 * against a request context. Pure code, no I/O.
 *
 * Rules (IAM User Guide, "IAM JSON policy elements: Condition", "IAM JSON policy elements: Condition operators"
 * and "Multivalued context keys"):
 * 1. A block is `{ "<operator>": { "<key>": value | [values] } }`. Every operator and every key in it must hold
 *    (AND); for one key, any of the listed values may match (OR).
 * 2. Negated operators (`StringNotEquals`, `NotIpAddress`, `ArnNotLike`, …) hold when no listed value matches.
 * 3. A key missing from the request context: the condition is false, except for negated operators (true),
 *    `…IfExists` (true) and `Null` (which tests presence: `"true"` holds when the key is absent).
 * 4. Set operators on multivalued keys: `ForAllValues:` holds when every context value matches (and when the key
 *    is missing or empty); `ForAnyValue:` holds when at least one context value matches (false when missing or
 *    empty, unless `IfExists`).
 * 5. Condition key names compare case-insensitively (`aws:SourceIp` = `AWS:SOURCEIP`), tag-key parts included.
 * 6. A key the server does not supply is refused at load, naming it: a condition on a key that is never present
 *    would silently grant (negated operators) or deny, which is not what the author wrote.
 *
 * Values: strings compare case-sensitively (`…IgnoreCase` excepted; `StringLike` takes `*` and `?`); numbers as
 * decimals; dates as ISO 8601 or epoch seconds; `Bool` as `true`/`false`; `IpAddress` as IPv4/IPv6 addresses or
 * CIDR blocks; ARNs compared per colon-separated component with wildcards. Policy variables (`${…}`) are refused.
 */
import { BlockList, isIP } from 'node:net';
import { PolicyError, wildcardMatch } from './policy.js';

/**
 * The facts of one request that conditions test, keyed by lower-cased condition key. Multivalued keys
 * (`aws:TagKeys`) hold arrays.
 */
export type ConditionContext = ReadonlyMap<string, string | readonly string[]>;

/**
 * Global condition keys the server supplies (IAM User Guide, "AWS global condition context keys"), lower case.
 * `aws:RequestTag/<key>` and `aws:ResourceTag/<key>` are accepted for any tag key. Amazon Kinesis Data Streams
 * defines no service-specific keys (Service Authorization Reference, "Actions, resources, and condition keys for
 * Amazon Kinesis Data Streams": `aws:RequestTag/${TagKey}`, `aws:ResourceTag/${TagKey}`, `aws:TagKeys`).
 */
export const CONDITION_KEYS: readonly string[] = [
  'aws:SourceIp',
  'aws:SecureTransport',
  'aws:CurrentTime',
  'aws:EpochTime',
  'aws:PrincipalAccount',
  'aws:PrincipalArn',
  'aws:PrincipalType',
  'aws:username',
  'aws:RequestedRegion',
  'aws:TagKeys',
  'aws:RequestTag/<key>',
  'aws:ResourceTag/<key>',
];
const KNOWN_KEYS = new Set(CONDITION_KEYS.filter((k) => !k.endsWith('<key>')).map((k) => k.toLowerCase()));
const TAG_KEY_PREFIXES = ['aws:requesttag/', 'aws:resourcetag/'];

type Family = 'string' | 'numeric' | 'date' | 'bool' | 'ip' | 'arn' | 'null';

interface OperatorSpec {
  readonly family: Family;
  /** Comparison of one context value with one policy value (already parsed). */
  readonly compare: (context: string, policy: ParsedValue) => boolean;
  readonly negated: boolean;
}

type ParsedValue = string | number | ((ip: string) => boolean);

const str = (f: (c: string, p: string) => boolean) => (c: string, p: ParsedValue) => f(c, p as string);
const num = (f: (c: number, p: number) => boolean) => (c: string, p: ParsedValue) => {
  const n = parseNumber(c);
  return n !== undefined && f(n, p as number);
};
const date = (f: (c: number, p: number) => boolean) => (c: string, p: ParsedValue) => {
  const t = parseDate(c);
  return t !== undefined && f(t, p as number);
};

const eq = (a: number, b: number) => a === b;
const lt = (a: number, b: number) => a < b;
const le = (a: number, b: number) => a <= b;
const gt = (a: number, b: number) => a > b;
const ge = (a: number, b: number) => a >= b;

const OPERATORS: Readonly<Record<string, OperatorSpec>> = {
  StringEquals: { family: 'string', negated: false, compare: str((c, p) => c === p) },
  StringNotEquals: { family: 'string', negated: true, compare: str((c, p) => c === p) },
  StringEqualsIgnoreCase: { family: 'string', negated: false, compare: str((c, p) => c.toLowerCase() === p) },
  StringNotEqualsIgnoreCase: { family: 'string', negated: true, compare: str((c, p) => c.toLowerCase() === p) },
  StringLike: { family: 'string', negated: false, compare: str((c, p) => wildcardMatch(p, c)) },
  StringNotLike: { family: 'string', negated: true, compare: str((c, p) => wildcardMatch(p, c)) },
  NumericEquals: { family: 'numeric', negated: false, compare: num(eq) },
  NumericNotEquals: { family: 'numeric', negated: true, compare: num(eq) },
  NumericLessThan: { family: 'numeric', negated: false, compare: num(lt) },
  NumericLessThanEquals: { family: 'numeric', negated: false, compare: num(le) },
  NumericGreaterThan: { family: 'numeric', negated: false, compare: num(gt) },
  NumericGreaterThanEquals: { family: 'numeric', negated: false, compare: num(ge) },
  DateEquals: { family: 'date', negated: false, compare: date(eq) },
  DateNotEquals: { family: 'date', negated: true, compare: date(eq) },
  DateLessThan: { family: 'date', negated: false, compare: date(lt) },
  DateLessThanEquals: { family: 'date', negated: false, compare: date(le) },
  DateGreaterThan: { family: 'date', negated: false, compare: date(gt) },
  DateGreaterThanEquals: { family: 'date', negated: false, compare: date(ge) },
  Bool: { family: 'bool', negated: false, compare: str((c, p) => c.toLowerCase() === p) },
  IpAddress: { family: 'ip', negated: false, compare: (c, p) => (p as (ip: string) => boolean)(c) },
  NotIpAddress: { family: 'ip', negated: true, compare: (c, p) => (p as (ip: string) => boolean)(c) },
  ArnEquals: { family: 'arn', negated: false, compare: str(arnMatch) },
  ArnLike: { family: 'arn', negated: false, compare: str(arnMatch) },
  ArnNotEquals: { family: 'arn', negated: true, compare: str(arnMatch) },
  ArnNotLike: { family: 'arn', negated: true, compare: str(arnMatch) },
  Null: { family: 'null', negated: false, compare: () => false },
};

/** One `operator → key → values` entry of a condition block, parsed. */
export interface Condition {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  readonly operator: string;
  /** The condition key as written; {@link key} is its lower-case form used for look-ups. */
  readonly keyName: string;
  readonly key: string;
  readonly set: 'ForAllValues' | 'ForAnyValue' | undefined;
  readonly ifExists: boolean;
  readonly spec: OperatorSpec;
  readonly values: readonly ParsedValue[];
}

/** Parses a statement's `Condition` element. Throws {@link PolicyError} naming the operator, key or value. */
export function parseConditionBlock(raw: unknown, path: string): Condition[] {
  if (!isObject(raw)) throw new PolicyError(path, 'must be an object of condition operators');
  const out: Condition[] = [];
  for (const [operator, entries] of Object.entries(raw)) {
    const opPath = `${path}.${operator}`;
    let name = operator;
    let set: Condition['set'];
    for (const prefix of ['ForAllValues', 'ForAnyValue'] as const) {
      if (name.startsWith(`${prefix}:`)) {
        set = prefix;
        name = name.slice(prefix.length + 1);
      }
    }
    let ifExists = false;
    if (name.endsWith('IfExists') && name !== 'IfExists') {
      ifExists = true;
      name = name.slice(0, -'IfExists'.length);
    }
    const spec = OPERATORS[name];
    if (spec === undefined) {
      throw new PolicyError(
        path,
        `condition operator '${operator}' is not supported (supported: ${Object.keys(OPERATORS).join(', ')}, with the IfExists suffix and the ForAllValues:/ForAnyValue: prefixes)`,
      );
    }
    if (spec.family === 'null' && (ifExists || set !== undefined)) {
      throw new PolicyError(path, `condition operator '${operator}': Null takes neither IfExists nor a set prefix`);
    }
    if (!isObject(entries)) throw new PolicyError(opPath, 'must be an object of condition keys');
    for (const [keyName, rawValues] of Object.entries(entries)) {
      const keyPath = `${opPath}.${keyName}`;
      checkKey(keyName, keyPath);
      const list = Array.isArray(rawValues) ? rawValues : [rawValues];
      if (list.length === 0) throw new PolicyError(keyPath, 'must hold at least one value');
      const values = list.map((v: unknown) => parseValue(spec.family, v, keyPath));
      out.push({ operator, keyName, key: keyName.toLowerCase(), set, ifExists, spec, values });
    }
  }
  return out;
}

function checkKey(keyName: string, path: string): void {
  if (keyName.includes('${')) throw new PolicyError(path, `policy variables are not supported ('${keyName}')`);
  const key = keyName.toLowerCase();
  if (KNOWN_KEYS.has(key)) return;
  if (TAG_KEY_PREFIXES.some((p) => key.startsWith(p) && key.length > p.length)) return;
  throw new PolicyError(
    path,
    `condition key '${keyName}' is not supported by this server (supported: ${CONDITION_KEYS.join(', ')})`,
  );
}

function parseValue(family: Family, raw: unknown, path: string): ParsedValue {
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    throw new PolicyError(path, 'values must be strings, numbers or booleans');
  }
  const text = String(raw);
  if (text.includes('${')) throw new PolicyError(path, `policy variables are not supported ('${text}')`);
  switch (family) {
    case 'string':
    case 'arn':
      return text;
    case 'numeric': {
      const n = parseNumber(text);
      if (n === undefined) throw new PolicyError(path, `'${text}' is not a number`);
      return n;
    }
    case 'date': {
      const t = parseDate(text);
      if (t === undefined) throw new PolicyError(path, `'${text}' is not a date (ISO 8601 or epoch seconds)`);
      return t;
    }
    case 'bool':
    case 'null': {
      const b = text.toLowerCase();
      if (b !== 'true' && b !== 'false') throw new PolicyError(path, `'${text}' is not 'true' or 'false'`);
      return b;
    }
    case 'ip': {
      const match = parseCidr(text);
      if (match === undefined) throw new PolicyError(path, `'${text}' is not an IPv4 or IPv6 address or CIDR block`);
      return match;
    }
  }
}

/** The `…IgnoreCase` operators compare lower-cased values; the policy side is lowered once at load. */
function normalise(conditions: Condition[]): Condition[] {
  return conditions.map((c) =>
    c.operator.includes('IgnoreCase') ? { ...c, values: c.values.map((v) => (v as string).toLowerCase()) } : c,
  );
}

/** {@link parseConditionBlock} with policy-side normalisation applied (what statements keep). */
export function compileConditions(raw: unknown, path: string): Condition[] {
  return normalise(parseConditionBlock(raw, path));
}

/** Whether every condition holds for the context (rule 1: AND across operators and keys). */
export function conditionsHold(conditions: readonly Condition[], context: ConditionContext): boolean {
  for (const c of conditions) if (!conditionHolds(c, context)) return false;
  return true;
}

/** One operator + key against the context (rules 2–4). */
export function conditionHolds(c: Condition, context: ConditionContext): boolean {
  const raw = context.get(c.key);
  const values: readonly string[] = raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw;
  const present = values.length > 0;
  if (c.spec.family === 'null') {
    // Null: "true" → the key must be absent; "false" → present. Several values: any may hold.
    return c.values.some((v) => (v === 'true' ? !present : present));
  }
  // Whether one context value satisfies the operator (for negated operators: matches none of the values).
  const satisfies = (value: string): boolean => {
    const hit = c.values.some((p) => c.spec.compare(value, p));
    return c.spec.negated ? !hit : hit;
  };
  if (c.set === 'ForAllValues') return values.every(satisfies);
  if (!present) return c.ifExists || (c.set === undefined && c.spec.negated);
  if (c.set === 'ForAnyValue') return values.some(satisfies);
  // A single-valued operator on a key with several values: the positive form holds when any value matches,
  // the negated form when none does.
  if (c.spec.negated) return values.every(satisfies);
  return values.some(satisfies);
}

/** ARN comparison: the six colon-separated components each matched with `*`/`?` wildcards, case-sensitively. */
function arnMatch(arn: string, pattern: string): boolean {
  const a = splitArn(arn);
  const p = splitArn(pattern);
  if (a === undefined || p === undefined) return wildcardMatch(pattern, arn);
  return p.every((part, i) => wildcardMatch(part, a[i]!));
}

function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function parseNumber(text: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim())) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** ISO 8601 (`2026-01-01`, `2026-01-01T00:00:00Z`) or epoch seconds (`1767225600`) → epoch ms. */
export function parseDate(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/** An address (`::ffff:` IPv4-mapped forms become IPv4), or undefined when not an IP address. */
export function normaliseIp(ip: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const text = ip.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  const address = mapped ? mapped[1]! : text;
  const family = isIP(address);
  if (family === 4) return { address, family: 'ipv4' };
  if (family === 6) return { address, family: 'ipv6' };
  return undefined;
}

/** `203.0.113.0/24`, `2001:db8::/32` or a bare address → a membership test. */
function parseCidr(text: string): ((ip: string) => boolean) | undefined {
  const slash = text.indexOf('/');
  const base = normaliseIp(slash < 0 ? text : text.slice(0, slash));
  if (base === undefined) return undefined;
  const max = base.family === 'ipv4' ? 32 : 128;
  const bits = slash < 0 ? max : /^\d{1,3}$/.test(text.slice(slash + 1)) ? Number(text.slice(slash + 1)) : Number.NaN;
  if (!(bits >= 0 && bits <= max)) return undefined;
  const list = new BlockList();
  list.addSubnet(base.address, bits, base.family);
  return (ip) => {
    const candidate = normaliseIp(ip);
    return candidate !== undefined && candidate.family === base.family && list.check(candidate.address, base.family);
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
