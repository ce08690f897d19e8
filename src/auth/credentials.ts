/**
 * The credentials file: principals with access keys and identity policies. Parsing is pure;
 * {@link loadCredentialsFile} and {@link watchCredentialsFile} do the file I/O and the reloads.
 *
 * File format (JSON):
 *   { "principals": [
 *       { "name": "alice", "accountId": "123456789012",
 *         "arn"?: "arn:aws:iam::123456789012:user/alice",          // default: user/<name>
 *         "accessKeys": [ { "accessKeyId": "AKIA…", "secretAccessKey": "…", "sessionToken"?: "…" } ],
 *         "policies": [ { "Version": "2012-10-17", "Statement": [ … ] } ] } ] }
 */
import { watchFile, unwatchFile, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../protocol/index.js';
import { parsePolicy, PolicyError, type Policy } from './policy.js';
import { TribError, TribErrorCode } from '../errors/index.js';

/** Who made a request, once its signature has been verified. */
export interface Principal {
  /** User (or role session) name, e.g. `alice`. */
  readonly name: string;
  /** 12-digit account id; resources the principal creates live in this account. */
  readonly accountId: string;
  /** IAM ARN, e.g. `arn:aws:iam::123456789012:user/alice`. */
  readonly arn: string;
  /** CloudTrail `userIdentity.type`: `IAMUser`, or `AssumedRole` for `:assumed-role/` ARNs. */
  readonly type: 'IAMUser' | 'AssumedRole';
  readonly policies: readonly Policy[];
}

/** One access key of a principal. */
export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** When set, requests must carry it as `X-Amz-Security-Token` (temporary credentials). */
  readonly sessionToken?: string;
  readonly principal: Principal;
}

/** An immutable snapshot of the credentials file, indexed by access key id. */
export interface CredentialStore {
  readonly principals: readonly Principal[];
  /** The key, or undefined when no principal has it. */
  lookup(accessKeyId: string): AccessKey | undefined;
}

/** A credentials file that cannot be used. `code` is `TRIB_ERR_AUTH_CONFIG`. */
export class CredentialsError extends TribError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(TribErrorCode.AUTH_CONFIG, message, options);
    this.name = 'CredentialsError';
  }
}

/** An empty store (nothing is recognised). */
export const EMPTY_CREDENTIALS: CredentialStore = Object.freeze({ principals: [], lookup: () => undefined });

/** Parses and validates the credentials document (object or JSON text). Throws {@link CredentialsError}. */
export function parseCredentials(document: unknown): CredentialStore {
  let doc = document;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch (e) {
      throw new CredentialsError(`credentials file is not valid JSON: ${(e as Error).message}`, { cause: e });
    }
  }
  if (!isObject(doc) || !Array.isArray(doc['principals'])) {
    throw new CredentialsError("credentials file must be an object with a 'principals' array");
  }
  const keys = new Map<string, AccessKey>();
  const principals: Principal[] = [];
  const names = new Set<string>();
  doc['principals'].forEach((raw: unknown, i: number) => {
    const path = `principals[${i}]`;
    if (!isObject(raw)) throw new CredentialsError(`${path} must be an object`);
    const name = raw['name'];
    // IAM user names: 1–64 of [\w+=,.@-] (IAM API reference, CreateUser UserName).
    if (typeof name !== 'string' || !/^[\w+=,.@-]{1,64}$/.test(name)) {
      throw new CredentialsError(`${path}.name must be 1–64 characters of letters, digits and +=,.@_-`);
    }
    if (names.has(name)) throw new CredentialsError(`${path}.name '${name}' is used twice`);
    names.add(name);
    const accountId = raw['accountId'];
    if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId))
      throw new CredentialsError(`${path}.accountId must be 12 digits`);
    const arn = raw['arn'] ?? `arn:aws:iam::${accountId}:user/${name}`;
    if (typeof arn !== 'string' || !/^arn:aws[a-z-]*:(iam|sts)::\d{12}:\S+$/.test(arn)) {
      throw new CredentialsError(`${path}.arn must be an IAM or STS ARN like arn:aws:iam::${accountId}:user/${name}`);
    }
    let policies: Policy[];
    try {
      const rawPolicies = raw['policies'] ?? [];
      if (!Array.isArray(rawPolicies)) throw new PolicyError(`${path}.policies`, 'must be an array');
      policies = rawPolicies.map((p: unknown, j: number) => parsePolicy(p, `${path}.policies[${j}]`));
    } catch (e) {
      if (e instanceof PolicyError) throw new CredentialsError(e.message, { cause: e });
      throw e;
    }
    const principal: Principal = Object.freeze({
      name,
      accountId,
      arn,
      type: arn.includes(':assumed-role/') ? 'AssumedRole' : 'IAMUser',
      policies,
    });
    const rawKeys = raw['accessKeys'];
    if (!Array.isArray(rawKeys) || rawKeys.length === 0)
      throw new CredentialsError(`${path}.accessKeys must be a non-empty array`);
    rawKeys.forEach((k: unknown, j: number) => {
      const kp = `${path}.accessKeys[${j}]`;
      if (!isObject(k)) throw new CredentialsError(`${kp} must be an object`);
      const { accessKeyId, secretAccessKey, sessionToken } = k;
      // Access key ids: 16–128 word characters (IAM API reference, AccessKey.AccessKeyId).
      if (typeof accessKeyId !== 'string' || !/^\w{16,128}$/.test(accessKeyId)) {
        throw new CredentialsError(`${kp}.accessKeyId must be 16–128 letters, digits or underscores`);
      }
      if (typeof secretAccessKey !== 'string' || secretAccessKey.length < 8) {
        throw new CredentialsError(`${kp}.secretAccessKey must be a string of at least 8 characters`);
      }
      if (sessionToken !== undefined && (typeof sessionToken !== 'string' || sessionToken === '')) {
        throw new CredentialsError(`${kp}.sessionToken must be a non-empty string when given`);
      }
      if (keys.has(accessKeyId)) throw new CredentialsError(`${kp}.accessKeyId '${accessKeyId}' is used twice`);
      keys.set(
        accessKeyId,
        Object.freeze({
          accessKeyId,
          secretAccessKey,
          ...(sessionToken === undefined ? {} : { sessionToken }),
          principal,
        }),
      );
    });
    principals.push(principal);
  });
  return Object.freeze({ principals, lookup: (id: string) => keys.get(id) });
}

/** Reads and parses a credentials file. Throws {@link CredentialsError}. */
export async function loadCredentialsFile(path: string): Promise<CredentialStore> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CredentialsError(`cannot read credentials file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseCredentials(text);
}

/** Options of {@link watchCredentialsFile}. */
export interface WatchCredentialsOptions {
  readonly logger: Logger;
  /** How often the file's mtime and size are polled, ms. Default 1000. */
  readonly intervalMs?: number;
}

/** A credentials file kept current: polled for changes and reloadable on demand (SIGHUP). */
export interface CredentialsSource {
  /** The latest good snapshot. */
  readonly current: CredentialStore;
  /** Re-reads the file now. A bad file keeps the previous snapshot, logs an error and resolves false. */
  reload(): Promise<boolean>;
  /** Stops watching. */
  close(): void;
}

/**
 * Loads the file (throwing when the first load fails: a server must not start with broken
 * credentials) and then watches it. `fs.watchFile` polls the path, so editors that replace the
 * file (write to a temporary name, then rename) are noticed as well as in-place writes.
 */
export async function watchCredentialsFile(path: string, options: WatchCredentialsOptions): Promise<CredentialsSource> {
  const { logger } = options;
  let current = await loadCredentialsFile(path);
  let chain: Promise<boolean> = Promise.resolve(true);
  const reload = (): Promise<boolean> => {
    chain = chain.then(async () => {
      try {
        current = await loadCredentialsFile(path);
        logger.info({ path, principals: current.principals.length }, 'credentials reloaded');
        return true;
      } catch (e) {
        logger.error(
          { path, err: (e as Error).message },
          'credentials reload failed; keeping the previous credentials',
        );
        return false;
      }
    });
    return chain;
  };
  const onChange = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size && curr.ino === prev.ino) return;
    void reload();
  };
  watchFile(path, { interval: options.intervalMs ?? 1000, persistent: false }, onChange);
  return {
    get current() {
      return current;
    },
    reload,
    close: () => unwatchFile(path, onChange),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
