/**
 * AWS-style constraint validation of a decoded operation input (wire-independent: JSON and CBOR share it).
 *
 * Runs after the type checks (docs/architecture.md, "Request lifecycle") on values that already have their wire types
 * resolved: strings, numbers, booleans, `Uint8Array` blobs, `Date` timestamps, arrays, plain objects.
 * AWS's rules reproduced here (observed from AWS; docs/principles.md, principle 1):
 * 1. Members are checked in AWS's order (`validationOrder` from the generator's override tables,
 *    else model order); a structure's member check recurses into nested structures, lists and maps
 *    at that member's position.
 * 2. Per member: a missing required member gives `Member must not be null` and nothing else; otherwise
 *    strings check enum, pattern (a full match, like Java's `matches()`), then min and max length in
 *    UTF-16 units; numbers min then max value; blobs min then max byte length; lists and maps min then
 *    max size. Every failing rule adds one item.
 * 3. List elements that are structures (or containers) are checked under `<list>.<i>.member` (1-based);
 *    scalar list elements are checked as one rule on the list: `Member must satisfy constraint: [...]`;
 *    map keys and scalar map values likewise (`Map keys must satisfy constraint: [...]`,
 *    `Map value must satisfy constraint: [...]`), listing the element shape's rules.
 * 4. At most 10 items are collected; the message is `<n> validation error(s) detected: a; b`.
 *
 * Validators are compiled once per model and shape (closures cached in a WeakMap): no regex is
 * compiled per call and a valid input allocates almost nothing, since PutRecords with 500 records
 * runs through here on the hot path.
 */
import { CommonErrors } from './errors.js';
import { ServiceError } from './service-error.js';
import type { ServiceModel, Shape } from './shapes.js';

/** AWS lists at most this many items in one ValidationException (observed; docs/principles.md, principle 1). */
export const MAX_VALIDATION_ITEMS = 10;

interface Ctx {
  readonly items: string[];
  /**
   * Whether checks build the paths of what they visit (`records.12.member`). A valid request, the common case, needs
   * none: building a path string per list element was ~120 bytes of garbage per PutRecords record. So a request is
   * checked once without paths, and only one that fails is checked again with them, for the messages
   * ({@link validationMessage}).
   */
  readonly paths: boolean;
}

/** Checks a non-null value found at member `name` under `parent` (both path strings, `''` at the top). */
type Check = (v: unknown, parent: string, name: string, ctx: Ctx) => void;

/** A scalar shape's rules as a predicate plus their texts, for the aggregated list/map element rules. */
interface ScalarRules {
  readonly ok: (v: unknown) => boolean;
  /** Rule texts in AWS's aggregated order (`less than` before `greater than`). */
  readonly texts: readonly string[];
}

interface Compiled {
  readonly checks: Map<string, Check | null>;
  readonly scalars: Map<string, ScalarRules | null>;
  readonly renderers: Map<string, (v: unknown) => string>;
}

const cache = new WeakMap<ServiceModel, Compiled>();

function compiledFor(model: ServiceModel): Compiled {
  let c = cache.get(model);
  if (!c) {
    c = { checks: new Map(), scalars: new Map(), renderers: new Map() };
    cache.set(model, c);
  }
  return c;
}

function join(parent: string, name: string): string {
  if (parent === '') return name;
  if (name === '') return parent;
  return `${parent}.${name}`;
}

function lowerFirst(s: string): string {
  return s.length === 0 ? s : s[0]!.toLowerCase() + s.slice(1);
}

function add(ctx: Ctx, rendered: string, path: string, rule: string): void {
  if (ctx.items.length >= MAX_VALIDATION_ITEMS) return;
  ctx.items.push(`Value ${rendered} at '${path}' failed to satisfy constraint: ${rule}`);
}

const ruleText = {
  notNull: 'Member must not be null',
  lenMax: (n: number) => `Member must have length less than or equal to ${n}`,
  lenMin: (n: number) => `Member must have length greater than or equal to ${n}`,
  valMax: (n: number) => `Member must have value less than or equal to ${n}`,
  valMin: (n: number) => `Member must have value greater than or equal to ${n}`,
  pattern: (p: string) => `Member must satisfy regular expression pattern: ${p}`,
  enumSet: (e: readonly string[]) => `Member must satisfy enum value set: [${e.join(', ')}]`,
} as const;

/**
 * Compiles a model pattern for a full match (Java `String.matches` semantics). Exported for the test that compiles
 * every pattern of the served models (test/protocol/validate.test.ts).
 */
export function compilePattern(pattern: string): RegExp {
  const js = withoutPossessiveCounts(pattern);
  try {
    return new RegExp(`^(?:${js})$`, 'u');
  } catch {
    // Java accepts escapes (e.g. `\-` outside a class) that the `u` flag rejects.
    return new RegExp(`^(?:${js})$`);
  }
}

/**
 * Java's possessive form of a fixed count, `X{n}+`, which JavaScript does not have, as `X{n}`: a fixed count has
 * nothing to give back, so possessive and greedy match the same strings (kinesisanalytics' KinesisAnalyticsARN
 * writes `\d{1}+:\d{12}+`). Other possessive quantifiers (`*+`, `++`, `?+`, `{n,m}+`) would match differently and
 * stay, so `new RegExp` refuses them; no served model has one.
 */
function withoutPossessiveCounts(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      out += pattern.slice(i, i + 2);
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '{') {
      const m = /^\{\d+\}\+/.exec(pattern.slice(i));
      if (m) {
        out += m[0].slice(0, -1);
        i += m[0].length - 1;
        continue;
      }
    }
    out += c;
  }
  return out;
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16);
}

/** Java's Double.toString for the common cases: integral values keep a `.0`. */
function javaDouble(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e7 ? n.toFixed(1) : String(n);
}

function shapeOf(model: ServiceModel, name: string): Shape {
  const s = model.shapes[name];
  if (!s) throw new Error(`model has no shape ${name}`);
  return s;
}

/**
 * How AWS prints a value inside a ValidationException item, unquoted: strings as is, blobs as the
 * Java ByteBuffer's toString, lists as `[a, b]`, maps as `{k=v}`, structures as a Java object string.
 */
function rendererFor(model: ServiceModel, name: string): (v: unknown) => string {
  const c = compiledFor(model);
  const hit = c.renderers.get(name);
  if (hit) return hit;
  const shape = shapeOf(model, name);
  let r: (v: unknown) => string;
  switch (shape.type) {
    case 'blob':
      r = (v) => {
        const n = (v as Uint8Array).byteLength;
        return `java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]`;
      };
      break;
    case 'double':
    case 'float':
      r = (v) => javaDouble(v as number);
      break;
    case 'structure': {
      // The Java SDK object's toString; the hash part cannot match AWS's identity hash, so it is a
      // stable digest of the shape name.
      const text = `com.amazonaws.${model.metadata.endpointPrefix}.v${model.metadata.apiVersion.replace(/-/g, '')}.${name}@${fnv1a(name)}`;
      r = () => text;
      break;
    }
    case 'list': {
      const member = shape.member.shape;
      r = (v) => {
        const inner = rendererFor(model, member);
        return `[${(v as unknown[]).map((e) => (e == null ? 'null' : inner(e))).join(', ')}]`;
      };
      break;
    }
    case 'map': {
      const value = shape.value.shape;
      r = (v) => {
        const inner = rendererFor(model, value);
        const o = v as Record<string, unknown>;
        return (
          '{' +
          Object.keys(o)
            .map((k) => `${k}=${o[k] == null ? 'null' : inner(o[k])}`)
            .join(', ') +
          '}'
        );
      };
      break;
    }
    case 'timestamp':
      r = (v) => String(v);
      break;
    default:
      r = (v) => String(v);
  }
  c.renderers.set(name, r);
  return r;
}

function quoted(render: (v: unknown) => string, v: unknown): string {
  return `'${render(v)}'`;
}

/** The aggregated form of a scalar shape's rules, or null when it has none. */
function scalarRulesFor(model: ServiceModel, name: string): ScalarRules | null {
  const c = compiledFor(model);
  if (c.scalars.has(name)) return c.scalars.get(name)!;
  const shape = shapeOf(model, name);
  let rules: ScalarRules | null = null;
  switch (shape.type) {
    case 'string': {
      const { min, max, pattern } = shape;
      const set = shape.enum ? new Set(shape.enum) : undefined;
      const re = pattern !== undefined ? compilePattern(pattern) : undefined;
      const texts: string[] = [];
      if (max !== undefined) texts.push(ruleText.lenMax(max));
      if (min !== undefined) texts.push(ruleText.lenMin(min));
      if (pattern !== undefined) texts.push(ruleText.pattern(pattern));
      if (shape.enum) texts.push(ruleText.enumSet(shape.enum));
      if (texts.length) {
        rules = {
          texts,
          ok: (v) => {
            const s = v as string;
            return (
              (max === undefined || s.length <= max) &&
              (min === undefined || s.length >= min) &&
              (re === undefined || re.test(s)) &&
              (set === undefined || set.has(s))
            );
          },
        };
      }
      break;
    }
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      const { min, max } = shape;
      const texts: string[] = [];
      if (max !== undefined) texts.push(ruleText.valMax(max));
      if (min !== undefined) texts.push(ruleText.valMin(min));
      if (texts.length) {
        rules = {
          texts,
          ok: (v) => (max === undefined || (v as number) <= max) && (min === undefined || (v as number) >= min),
        };
      }
      break;
    }
    case 'blob': {
      const { min, max } = shape;
      const texts: string[] = [];
      if (max !== undefined) texts.push(ruleText.lenMax(max));
      if (min !== undefined) texts.push(ruleText.lenMin(min));
      if (texts.length) {
        rules = {
          texts,
          ok: (v) => {
            const n = (v as Uint8Array).byteLength;
            return (max === undefined || n <= max) && (min === undefined || n >= min);
          },
        };
      }
      break;
    }
    default:
      rules = null;
  }
  c.scalars.set(name, rules);
  return rules;
}

function isContainer(shape: Shape): boolean {
  return shape.type === 'structure' || shape.type === 'list' || shape.type === 'map';
}

/** The compiled check for a shape, or null when values of it can never fail validation. */
function checkFor(model: ServiceModel, name: string): Check | null {
  const c = compiledFor(model);
  if (c.checks.has(name)) return c.checks.get(name)!;
  // Recursive shapes: callers reaching this shape while it compiles get a forwarding check.
  let real: Check | null = null;
  c.checks.set(name, (v, parent, n, ctx) => real?.(v, parent, n, ctx));
  real = buildCheck(model, name);
  c.checks.set(name, real);
  return real;
}

function buildCheck(model: ServiceModel, name: string): Check | null {
  const shape = shapeOf(model, name);
  const render = rendererFor(model, name);
  switch (shape.type) {
    case 'string': {
      const { min, max, pattern } = shape;
      const set = shape.enum ? new Set(shape.enum) : undefined;
      const enumMsg = shape.enum ? ruleText.enumSet(shape.enum) : '';
      const re = pattern !== undefined ? compilePattern(pattern) : undefined;
      const patMsg = pattern !== undefined ? ruleText.pattern(pattern) : '';
      if (min === undefined && max === undefined && !set && !re) return null;
      return (v, parent, n, ctx) => {
        const s = v as string;
        if (set !== undefined && !set.has(s)) add(ctx, quoted(render, s), join(parent, n), enumMsg);
        if (re !== undefined && !re.test(s)) add(ctx, quoted(render, s), join(parent, n), patMsg);
        if (min !== undefined && s.length < min) add(ctx, quoted(render, s), join(parent, n), ruleText.lenMin(min));
        if (max !== undefined && s.length > max) add(ctx, quoted(render, s), join(parent, n), ruleText.lenMax(max));
      };
    }
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      const { min, max } = shape;
      if (min === undefined && max === undefined) return null;
      return (v, parent, n, ctx) => {
        const x = v as number;
        if (min !== undefined && x < min) add(ctx, quoted(render, x), join(parent, n), ruleText.valMin(min));
        if (max !== undefined && x > max) add(ctx, quoted(render, x), join(parent, n), ruleText.valMax(max));
      };
    }
    case 'blob': {
      const { min, max } = shape;
      if (min === undefined && max === undefined) return null;
      return (v, parent, n, ctx) => {
        const len = (v as Uint8Array).byteLength;
        if (min !== undefined && len < min) add(ctx, quoted(render, v), join(parent, n), ruleText.lenMin(min));
        if (max !== undefined && len > max) add(ctx, quoted(render, v), join(parent, n), ruleText.lenMax(max));
      };
    }
    case 'boolean':
    case 'timestamp':
      return null;
    case 'list': {
      const { min, max } = shape;
      const memberName = shape.member.shape;
      const memberShape = shapeOf(model, memberName);
      const elemCheck = isContainer(memberShape) ? checkFor(model, memberName) : null;
      const elemRules = isContainer(memberShape) ? null : scalarRulesFor(model, memberName);
      const elemMsg = elemRules ? `Member must satisfy constraint: [${elemRules.texts.join(', ')}]` : '';
      if (min === undefined && max === undefined && !elemCheck && !elemRules) return null;
      return (v, parent, n, ctx) => {
        const arr = v as unknown[];
        if (min !== undefined && arr.length < min) add(ctx, quoted(render, arr), join(parent, n), ruleText.lenMin(min));
        if (max !== undefined && arr.length > max) add(ctx, quoted(render, arr), join(parent, n), ruleText.lenMax(max));
        if (elemRules !== null) {
          for (const e of arr) {
            if (e != null && !elemRules.ok(e)) {
              add(ctx, quoted(render, arr), join(parent, n), elemMsg);
              break;
            }
          }
        }
        if (elemCheck !== null) {
          const path = ctx.paths ? join(parent, n) : '';
          for (let i = 0; i < arr.length; i++) {
            if (ctx.items.length >= MAX_VALIDATION_ITEMS) return;
            const e = arr[i];
            if (e != null) elemCheck(e, ctx.paths ? `${path}.${i + 1}` : '', 'member', ctx);
          }
        }
      };
    }
    case 'map': {
      const { min, max } = shape;
      const keyRules = scalarRulesFor(model, shape.key.shape);
      const keyMsg = keyRules ? `Map keys must satisfy constraint: [${keyRules.texts.join(', ')}]` : '';
      const valueName = shape.value.shape;
      const valueShape = shapeOf(model, valueName);
      const valueCheck = isContainer(valueShape) ? checkFor(model, valueName) : null;
      const valueRules = isContainer(valueShape) ? null : scalarRulesFor(model, valueName);
      const valueMsg = valueRules ? `Map value must satisfy constraint: [${valueRules.texts.join(', ')}]` : '';
      if (min === undefined && max === undefined && !keyRules && !valueRules && !valueCheck) return null;
      return (v, parent, n, ctx) => {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        if (min !== undefined && keys.length < min) add(ctx, quoted(render, o), join(parent, n), ruleText.lenMin(min));
        if (max !== undefined && keys.length > max) add(ctx, quoted(render, o), join(parent, n), ruleText.lenMax(max));
        if (keyRules !== null && !keys.every((k) => keyRules.ok(k)))
          add(ctx, quoted(render, o), join(parent, n), keyMsg);
        if (valueRules !== null && !keys.every((k) => o[k] == null || valueRules.ok(o[k]))) {
          add(ctx, quoted(render, o), join(parent, n), valueMsg);
        }
        if (valueCheck !== null) {
          const path = ctx.paths ? join(parent, n) : '';
          for (const k of keys) {
            if (ctx.items.length >= MAX_VALIDATION_ITEMS) return;
            if (o[k] != null) valueCheck(o[k], path, k, ctx);
          }
        }
      };
    }
    case 'structure': {
      const required = new Set(shape.required ?? []);
      const order = shape.validationOrder ?? Object.keys(shape.members);
      const members = order
        .map((m) => ({
          name: m,
          lower: lowerFirst(m),
          required: required.has(m),
          check: checkFor(model, shape.members[m]!.shape),
        }))
        .filter((m) => m.required || m.check !== null);
      if (members.length === 0) return null;
      return (v, parent, n, ctx) => {
        const o = v as Record<string, unknown>;
        const path = ctx.paths ? join(parent, n) : '';
        for (const m of members) {
          if (ctx.items.length >= MAX_VALIDATION_ITEMS) return;
          const mv = o[m.name];
          if (mv === undefined || mv === null) {
            if (m.required) add(ctx, 'null', join(path, m.lower), ruleText.notNull);
          } else if (m.check !== null) {
            m.check(mv, path, m.lower, ctx);
          }
        }
      };
    }
  }
}

/** Whether `check` finds anything wrong with `value` (building no paths: messages from this run are dropped). */
function failsCheck(check: Check, value: unknown): boolean {
  const ctx: Ctx = { items: [], paths: false };
  check(value, '', '', ctx);
  return ctx.items.length > 0;
}

/**
 * Validates a value of shape `shapeName` and returns AWS's ValidationException message, or undefined
 * when the value is valid. `value` must already have wire types resolved (see the file comment).
 */
export function validationMessage(model: ServiceModel, shapeName: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const check = checkFor(model, shapeName);
  if (check === null) return undefined;
  // First without paths (a valid value, the common case, builds none); a failing one again with them.
  if (!failsCheck(check, value)) return undefined;
  const ctx: Ctx = { items: [], paths: true };
  check(value, '', '', ctx);
  const n = ctx.items.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${ctx.items.join('; ')}`;
}

/**
 * Checks a decoded operation input against the model's constraints (docs/architecture.md, "Request lifecycle") and
 * throws `ServiceError(CommonErrors.ValidationException, <AWS message>)` on the first request that fails. Operations
 * without an input shape accept anything.
 */
export function validateInput(model: ServiceModel, operation: string, input: Record<string, unknown>): void {
  const op = model.operations[operation];
  if (!op) throw new ServiceError(CommonErrors.UnknownOperationException);
  if (op.input === undefined) return;
  const msg = validationMessage(model, op.input, input);
  if (msg !== undefined) throw new ServiceError(CommonErrors.ValidationException, msg);
}
