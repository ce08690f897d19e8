/**
 * IAM-style policies, identity-based (credentials file) and resource-based (PutResourcePolicy): parsing (with
 * clear errors for what we do not support) and evaluation. Pure code, no I/O.
 *
 * Document grammar (the subset of the IAM policy language we implement):
 *   { "Version"?: "2012-10-17" | "2008-10-17", "Id"?: string,
 *     "Statement": Statement | Statement[] }
 *   Statement = { "Sid"?: string, "Effect": "Allow" | "Deny",
 *                 "Principal": "*" | { "AWS": string | string[] },   // resource policies only, required there
 *                 ("Action" | "NotAction"): string | string[],
 *                 ("Resource" | "NotResource"): string | string[],
 *                 "Condition"?: { operator: { key: value | value[] } } }   // ./conditions.ts
 * `Principal` values are `*`, a 12-digit account id (= `arn:aws:iam::<id>:root`) or an IAM/STS ARN
 * (IAM User Guide, "AWS JSON policy elements: Principal"). `NotPrincipal`, service and federated principals,
 * unknown condition keys and policy variables are refused at load time rather than ignored: ignoring them would
 * grant more (or other) than the author wrote.
 */
import { TribError, TribErrorCode } from '../errors/index.js';
import { compileConditions, conditionsHold, type Condition, type ConditionContext } from './conditions.js';

/** The effect of one statement. */
export type PolicyEffect = 'Allow' | 'Deny';

/** One parsed statement; patterns are compiled. */
export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: PolicyEffect;
  /** Action patterns (`kinesis:Get*`), matched case-insensitively. */
  readonly actions: readonly string[];
  /** True for `NotAction`: the statement applies to every action except those listed. */
  readonly notAction: boolean;
  /** Resource ARN patterns, matched case-sensitively. */
  readonly resources: readonly string[];
  /** True for `NotResource`. */
  readonly notResource: boolean;
  /**
   * Resource policies: who the statement applies to — `*` or principal ARNs (account ids normalised to
   * `arn:aws:iam::<id>:root`). Undefined in identity policies (they apply to their principal).
   */
  readonly principals?: readonly string[];
  /** `Condition` entries; all must hold (empty: the statement is unconditional). */
  readonly conditions: readonly Condition[];
}

/** Which kind of document: identity policies have no `Principal`; resource policies require one. */
export type PolicyKind = 'identity' | 'resource';

/** A parsed policy document. */
export interface Policy {
  readonly kind: PolicyKind;
  readonly statements: readonly PolicyStatement[];
}

/** The caller, as resource-policy `Principal` matching and the `aws:Principal*` condition keys see it. */
export interface CallerPrincipal {
  readonly accountId: string;
  /** IAM user ARN or STS assumed-role session ARN. */
  readonly arn: string;
}

/** Outcome of {@link evaluatePolicies}. */
export type PolicyDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

/** A policy that cannot be used. `code` is `TRIB_ERR_POLICY`; `path` locates the problem. */
export class PolicyError extends TribError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(TribErrorCode.POLICY, `${path}: ${message}`);
    this.name = 'PolicyError';
  }
}

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const STATEMENT_KEYS = ['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'];

/**
 * Parses one policy document (an object or its JSON text). Throws {@link PolicyError} naming the
 * offending element. `kind` (default `identity`) decides whether `Principal` is refused or required.
 */
export function parsePolicy(document: unknown, path = 'policy', kind: PolicyKind = 'identity'): Policy {
  const doc = typeof document === 'string' ? parseJson(document, path) : document;
  if (!isObject(doc)) throw new PolicyError(path, 'must be a JSON object');
  for (const key of Object.keys(doc)) {
    if (key !== 'Version' && key !== 'Statement' && key !== 'Id')
      throw new PolicyError(path, `unsupported element '${key}'`);
  }
  if (doc['Version'] !== undefined && !VERSIONS.has(doc['Version'] as string)) {
    throw new PolicyError(`${path}.Version`, "must be '2012-10-17' or '2008-10-17'");
  }
  const raw = doc['Statement'];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (list.length === 0) throw new PolicyError(`${path}.Statement`, 'must hold at least one statement');
  return { kind, statements: list.map((s, i) => parseStatement(s, `${path}.Statement[${i}]`, kind)) };
}

function parseStatement(raw: unknown, path: string, kind: PolicyKind): PolicyStatement {
  if (!isObject(raw)) throw new PolicyError(path, 'must be an object');
  const allowed = kind === 'resource' ? [...STATEMENT_KEYS, 'Principal'] : STATEMENT_KEYS;
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      const why =
        key === 'Principal' ? ' in an identity-based policy (it applies to the principal it is attached to)' : '';
      throw new PolicyError(path, `'${key}' is not supported${why} (supported: ${allowed.join(', ')})`);
    }
  }
  let principals: string[] | undefined;
  if (kind === 'resource') {
    if (raw['Principal'] === undefined) throw new PolicyError(path, "a resource-based policy needs 'Principal'");
    principals = parsePrincipal(raw['Principal'], `${path}.Principal`);
  }
  const conditions = raw['Condition'] === undefined ? [] : compileConditions(raw['Condition'], `${path}.Condition`);
  const effect = raw['Effect'];
  if (effect !== 'Allow' && effect !== 'Deny') throw new PolicyError(`${path}.Effect`, "must be 'Allow' or 'Deny'");
  const actions = exactlyOne(raw, 'Action', 'NotAction', path);
  const resources = exactlyOne(raw, 'Resource', 'NotResource', path);
  const sid = raw['Sid'];
  if (sid !== undefined && typeof sid !== 'string') throw new PolicyError(`${path}.Sid`, 'must be a string');
  for (const action of actions.values) {
    // IAM actions are `<service>:<action pattern>`, or `*` alone.
    if (action !== '*' && !/^[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+$/.test(action)) {
      throw new PolicyError(
        `${path}.${actions.key}`,
        `'${action}' is not an action ('service:Action', wildcards * and ?)`,
      );
    }
  }
  for (const resource of resources.values) {
    if (resource.includes('${'))
      throw new PolicyError(`${path}.${resources.key}`, `policy variables are not supported ('${resource}')`);
    if (resource !== '*' && !resource.startsWith('arn:')) {
      throw new PolicyError(`${path}.${resources.key}`, `'${resource}' is not an ARN pattern or '*'`);
    }
  }
  return {
    ...(sid === undefined ? {} : { sid }),
    effect,
    actions: actions.values.map((a) => a.toLowerCase()),
    notAction: actions.key === 'NotAction',
    resources: resources.values,
    notResource: resources.key === 'NotResource',
    ...(principals === undefined ? {} : { principals }),
    conditions,
  };
}

/** `"*"`, `{ "AWS": "*" | account id | ARN | [...] }` → `*` or ARNs (account ids → `arn:aws:iam::<id>:root`). */
function parsePrincipal(raw: unknown, path: string): string[] {
  if (raw === '*') return ['*'];
  if (!isObject(raw))
    throw new PolicyError(path, 'must be \'*\' or an object such as { "AWS": "<account id or ARN>" }');
  const out: string[] = [];
  for (const [type, value] of Object.entries(raw)) {
    if (type !== 'AWS') {
      throw new PolicyError(path, `principal type '${type}' is not supported (supported: AWS)`);
    }
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0) throw new PolicyError(`${path}.AWS`, 'must name at least one principal');
    for (const v of values) {
      if (v === '*') out.push('*');
      else if (typeof v === 'string' && /^\d{12}$/.test(v)) out.push(`arn:aws:iam::${v}:root`);
      else if (
        typeof v === 'string' &&
        /^arn:aws[a-z-]*:(iam|sts)::\d{12}:(root|user\/\S+|role\/\S+|assumed-role\/\S+)$/.test(v)
      )
        out.push(v);
      else
        throw new PolicyError(
          `${path}.AWS`,
          `'${String(v)}' is not a principal ('*', a 12-digit account id, or an IAM user, role or assumed-role ARN)`,
        );
    }
  }
  if (out.length === 0) throw new PolicyError(path, 'must name at least one principal');
  return out;
}

/**
 * Whether a resource-policy principal entry names the caller (IAM User Guide, "AWS JSON policy elements:
 * Principal"): `*` anyone; `arn:…:iam::<account>:root` every principal of that account; the caller's ARN; a role
 * ARN covers the sessions of that role (`arn:aws:sts::<account>:assumed-role/<role>/<session>`).
 */
export function principalMatches(entry: string, caller: CallerPrincipal): boolean {
  if (entry === '*') return true;
  if (entry === caller.arn) return true;
  const root = /^arn:[^:]+:iam::(\d{12}):root$/.exec(entry);
  if (root) return root[1] === caller.accountId;
  const session = /^arn:[^:]+:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(caller.arn);
  const role = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(entry);
  return session !== null && role !== null && session[1] === role[1] && session[2] === role[2];
}

function exactlyOne(
  raw: Record<string, unknown>,
  a: string,
  b: string,
  path: string,
): { key: string; values: string[] } {
  const hasA = raw[a] !== undefined;
  const hasB = raw[b] !== undefined;
  if (hasA === hasB) throw new PolicyError(path, `needs exactly one of '${a}' and '${b}'`);
  const key = hasA ? a : b;
  const value = raw[key];
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0 || !values.every((v): v is string => typeof v === 'string' && v !== '')) {
    throw new PolicyError(`${path}.${key}`, 'must be a non-empty string or a non-empty list of strings');
  }
  return { key, values };
}

/**
 * IAM wildcard match: `*` any run of characters (also across `:` and `/`), `?` exactly one.
 * Iterative with backtracking to the last `*`, so it is linear-ish and cannot blow the stack.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

const EMPTY_CONTEXT: ConditionContext = new Map();

function statementApplies(
  s: PolicyStatement,
  action: string,
  resource: string,
  context: ConditionContext,
  caller: CallerPrincipal | undefined,
): boolean {
  const actionHit = s.actions.some((pattern) => wildcardMatch(pattern, action));
  if (actionHit === s.notAction) return false;
  const resourceHit = s.resources.some((pattern) => wildcardMatch(pattern, resource));
  if (resourceHit === s.notResource) return false;
  if (s.principals !== undefined && (caller === undefined || !s.principals.some((p) => principalMatches(p, caller))))
    return false;
  return conditionsHold(s.conditions, context);
}

/**
 * Evaluates policies of one kind for one action on one or more resources, following the IAM evaluation logic
 * (IAM User Guide, "Policy evaluation logic"):
 * 1. an explicit Deny in any statement that applies (action, resource, principal for resource policies, and
 *    every condition) wins;
 * 2. otherwise the request is allowed when an Allow statement applies — for every resource;
 * 3. otherwise it is implicitly denied (default deny).
 * Actions compare case-insensitively, resources case-sensitively, as IAM does. How identity and resource
 * policies combine (same account: either; another account: both) is the guard's rule (./guard.ts).
 */
export function evaluatePolicies(
  policies: readonly Policy[],
  action: string,
  resources: readonly string[],
  context: ConditionContext = EMPTY_CONTEXT,
  caller?: CallerPrincipal,
): PolicyDecision {
  const act = action.toLowerCase();
  let allowedAll = resources.length > 0;
  for (const resource of resources) {
    let allowed = false;
    for (const policy of policies) {
      for (const s of policy.statements) {
        if (!statementApplies(s, act, resource, context, caller)) continue;
        if (s.effect === 'Deny') return 'explicit-deny';
        allowed = true;
      }
    }
    if (!allowed) allowedAll = false;
  }
  return allowedAll ? 'allow' : 'implicit-deny';
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PolicyError(path, `is not valid JSON (${(e as Error).message})`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
