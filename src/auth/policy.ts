/**
 * IAM-style identity policies: parsing (with clear errors for what we do not support) and
 * evaluation. Pure code, no I/O.
 *
 * Document grammar (the subset of the IAM policy language we implement):
 *   { "Version"?: "2012-10-17" | "2008-10-17", "Id"?: string,
 *     "Statement": Statement | Statement[] }
 *   Statement = { "Sid"?: string, "Effect": "Allow" | "Deny",
 *                 ("Action" | "NotAction"): string | string[],
 *                 ("Resource" | "NotResource"): string | string[] }
 * `Condition`, `Principal` and policy variables are refused at load time rather than ignored:
 * ignoring a condition would grant more than the author wrote.
 */
import { TribError, TribErrorCode } from '../errors/index.js';

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
}

/** A parsed policy document. */
export interface Policy {
  readonly statements: readonly PolicyStatement[];
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
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource']);

/**
 * Parses one policy document (an object or its JSON text). Throws {@link PolicyError} naming the
 * offending element.
 */
export function parsePolicy(document: unknown, path = 'policy'): Policy {
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
  return { statements: list.map((s, i) => parseStatement(s, `${path}.Statement[${i}]`)) };
}

function parseStatement(raw: unknown, path: string): PolicyStatement {
  if (!isObject(raw)) throw new PolicyError(path, 'must be an object');
  for (const key of Object.keys(raw)) {
    if (!STATEMENT_KEYS.has(key)) {
      throw new PolicyError(path, `'${key}' is not supported (supported: ${[...STATEMENT_KEYS].join(', ')})`);
    }
  }
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
  };
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

function statementApplies(s: PolicyStatement, action: string, resource: string): boolean {
  const actionHit = s.actions.some((pattern) => wildcardMatch(pattern, action));
  if (actionHit === s.notAction) return false;
  const resourceHit = s.resources.some((pattern) => wildcardMatch(pattern, resource));
  return resourceHit !== s.notResource;
}

/**
 * Evaluates identity policies for one action on one or more resources, following the IAM
 * evaluation logic (IAM User Guide, "Policy evaluation logic", identity-based policies only):
 * 1. an explicit Deny in any statement that applies wins;
 * 2. otherwise the request is allowed when an Allow statement applies — for every resource;
 * 3. otherwise it is implicitly denied (default deny).
 * Actions compare case-insensitively, resources case-sensitively, as IAM does.
 */
export function evaluatePolicies(
  policies: readonly Policy[],
  action: string,
  resources: readonly string[],
): PolicyDecision {
  const act = action.toLowerCase();
  let allowedAll = resources.length > 0;
  for (const resource of resources) {
    let allowed = false;
    for (const policy of policies) {
      for (const s of policy.statements) {
        if (!statementApplies(s, act, resource)) continue;
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
