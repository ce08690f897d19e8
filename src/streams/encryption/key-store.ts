/**
 * The local stand-in for AWS KMS: keys with ids, aliases and 256-bit material, read from a JSON key file
 * (or, without a file, kept in the metadata store). `alias/aws/kinesis`, the key AWS manages for Kinesis,
 * always exists: it is generated and saved the first time it is missing.
 *
 * Key file format:
 * ```json
 * { "version": 1,
 *   "keys": [ { "keyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
 *               "aliases": ["alias/orders"],
 *               "material": "<32 bytes, base64>" } ] }
 * ```
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MetaStore } from '../../storage/index.js';
import { kinesisError } from '../errors.js';
import { TribError, TribErrorCode } from '../../errors/index.js';

/** The alias of the key AWS manages for Kinesis (StartStreamEncryption API reference). */
export const KINESIS_MANAGED_ALIAS = 'alias/aws/kinesis';

/** One key as stored in the key file. */
export interface KmsKeyEntry {
  readonly keyId: string;
  readonly aliases: readonly string[];
  /** 32 bytes of key material, base64. */
  readonly material: string;
}

/** The key file document. */
export interface KmsKeyDocument {
  readonly version: 1;
  readonly keys: readonly KmsKeyEntry[];
}

/** A usable key. */
export interface LocalKmsKey {
  readonly keyId: string;
  readonly material: Buffer;
}

/** Where the key document lives. */
export interface KeyDocumentSource {
  load(): Promise<unknown | undefined>;
  save(doc: KmsKeyDocument): Promise<void>;
  /** For messages. */
  readonly description: string;
}

/** A key file that cannot be used. `code` is always `TRIB_ERR_KMS_KEY_FILE`. */
export class KmsKeyFileError extends TribError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(TribErrorCode.KMS_KEY_FILE, message, options);
    this.name = 'KmsKeyFileError';
  }
}

/** A JSON key file, written atomically (temp file + rename) and readable by its owner only. */
export function keyFileSource(path: string): KeyDocumentSource {
  return {
    description: path,
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new KmsKeyFileError(`cannot read KMS key file ${path}`, { cause: e });
      }
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        throw new KmsKeyFileError(`KMS key file ${path} is not valid JSON`, { cause: e });
      }
    },
    async save(doc) {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.tmp`;
      await writeFile(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, path);
    },
  };
}

/** The key document kept under one key of the metadata store (no key file configured). */
export function metaStoreSource(meta: MetaStore, key = 'secrets/kms-keys'): KeyDocumentSource {
  return {
    description: `metadata key ${key}`,
    load: () => meta.get(key),
    save: (doc) => meta.put(key, doc).then(() => {}),
  };
}

function validate(doc: unknown, where: string): KmsKeyEntry[] {
  const fail = (why: string): never => {
    throw new KmsKeyFileError(`KMS key file ${where}: ${why}`);
  };
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { keys?: unknown }).keys)) {
    return fail('expected an object with a "keys" array');
  }
  const seen = new Set<string>();
  const keys: KmsKeyEntry[] = [];
  for (const [i, raw] of (doc as { keys: unknown[] }).keys.entries()) {
    const k = raw as Partial<KmsKeyEntry>;
    // Key ids go into record envelopes as at most 255 ASCII bytes.
    if (typeof k.keyId !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(k.keyId) || k.keyId.startsWith('alias/')) {
      fail(`keys[${i}].keyId must be 1-255 printable ASCII characters, not starting with alias/`);
    }
    const aliases = k.aliases ?? [];
    if (!Array.isArray(aliases) || aliases.some((a) => typeof a !== 'string' || !/^alias\/[A-Za-z0-9/_-]+$/.test(a))) {
      fail(`keys[${i}].aliases must be names like alias/my-key`);
    }
    if (typeof k.material !== 'string' || Buffer.from(k.material, 'base64').length !== 32) {
      fail(`keys[${i}].material must be 32 bytes (256 bits) in base64`);
    }
    for (const name of [k.keyId!, ...aliases]) {
      if (seen.has(name)) fail(`${name} is defined twice`);
      seen.add(name);
    }
    keys.push({ keyId: k.keyId!, aliases: [...aliases], material: k.material! });
  }
  return keys;
}

/** The keys, by id and by alias. */
export class LocalKeyStore {
  readonly #byId = new Map<string, LocalKmsKey>();
  readonly #byAlias = new Map<string, LocalKmsKey>();

  private constructor(entries: readonly KmsKeyEntry[]) {
    for (const e of entries) {
      const key = { keyId: e.keyId, material: Buffer.from(e.material, 'base64') };
      this.#byId.set(e.keyId, key);
      for (const alias of e.aliases) this.#byAlias.set(alias, key);
    }
  }

  /** Loads the keys; creates the document, or adds `alias/aws/kinesis` to it, when missing. */
  static async open(source: KeyDocumentSource): Promise<LocalKeyStore> {
    const doc = await source.load();
    const entries = doc === undefined ? [] : validate(doc, source.description);
    if (!entries.some((e) => e.aliases.includes(KINESIS_MANAGED_ALIAS))) {
      entries.push({
        keyId: randomUUID(),
        aliases: [KINESIS_MANAGED_ALIAS],
        material: randomBytes(32).toString('base64'),
      });
      await source.save({ version: 1, keys: entries });
    }
    return new LocalKeyStore(entries);
  }

  /** The key with this id (as stored in record envelopes). */
  byId(keyId: string): LocalKmsKey | undefined {
    return this.#byId.get(keyId);
  }

  /**
   * Resolves a KeyId as StartStreamEncryption accepts it (API reference): a key id, a key ARN
   * (`arn:aws:kms:<region>:<account>:key/<id>`), an alias name (`alias/<name>`) or an alias ARN
   * (`arn:aws:kms:<region>:<account>:alias/<name>`). Unknown → KMSNotFoundException, in KMS's wording.
   */
  resolve(keyIdText: string, scope: { region: string; accountId: string }): LocalKmsKey {
    const arn = /^arn:aws[a-z-]*:kms:([^:]*):([^:]*):(key|alias)\/(.+)$/.exec(keyIdText);
    const region = arn?.[1] || scope.region;
    const account = arn?.[2] || scope.accountId;
    const isAlias = arn ? arn[3] === 'alias' : keyIdText.startsWith('alias/');
    const name = arn ? (isAlias ? `alias/${arn[4]}` : arn[4]!) : keyIdText;
    const key = isAlias ? this.#byAlias.get(name) : this.#byId.get(name);
    if (key) return key;
    throw kinesisError(
      'KMSNotFoundException',
      isAlias
        ? `Alias arn:aws:kms:${region}:${account}:${name} is not found.`
        : `Key 'arn:aws:kms:${region}:${account}:key/${name}' does not exist`,
    );
  }
}
