/**
 * Server-side encryption: StartStreamEncryption / StopStreamEncryption and records encrypted at rest.
 *
 * AWS rules (Amazon Kinesis Data Streams API Reference, StartStreamEncryption and StopStreamEncryption):
 * 1. The stream must be ACTIVE (ResourceInUseException otherwise); EncryptionType must be KMS; the KeyId is
 *    a key id, key ARN, alias name or alias ARN, `alias/aws/kinesis` always exists; an unknown key →
 *    KMSNotFoundException (StopStreamEncryption does not check the key).
 * 2. The stream shows UPDATING for the update delay; once it is ACTIVE again the new EncryptionType and
 *    KeyId are in DescribeStream(Summary) and records written from then on are (or are no longer) encrypted.
 * 3. PutRecord(s) answer `EncryptionType: KMS` when they encrypted the records; GetRecords marks each
 *    record that was written encrypted with `EncryptionType: KMS` and returns its plaintext.
 * 4. With limits enforced, at most 25 encryption changes per stream in a rolling 24 hours (LimitExceededException).
 *
 * Records are sealed with AES-256-GCM (see record-envelope.ts and docs/adr/0004-encryption-at-rest.md);
 * the stored record's attributes say whether it is sealed, so plaintext and envelopes never mix up.
 */
import { op, type RequestContext } from '../../protocol/index.js';
import { StreamStatus, type StreamDraft, type StreamState } from '../catalog.js';
import { kinesisError } from '../errors.js';
import type { FeatureContext, StreamsFeature } from '../feature.js';
import { STREAM } from '../operation-traits.js';
import type { RecordSealer } from '../policies.js';
import { shardLogId } from '../runtime.js';
import type { EncryptionType, StartStreamEncryptionInput, StopStreamEncryptionInput } from '../shapes/index.js';
import { LocalKeyStore, keyFileSource, metaStoreSource, type LocalKmsKey } from './key-store.js';
import { RecordAttribute, deriveDataKey, envelopeKeyId, openRecord, sealRecord } from './record-envelope.js';

export { KINESIS_MANAGED_ALIAS, KmsKeyFileError, type KmsKeyDocument, type KmsKeyEntry } from './key-store.js';

/** Where earlier versions kept pending changes; moved to the scheduler at start. */
const LEGACY_PENDING_PREFIX = 'encryption/pending/';
/** Scheduler timer kind of a pending encryption change (keyed by stream id, payload {@link PendingChange}). */
export const ENCRYPTION_TIMER = 'streams.encryption';
const DAY_MS = 24 * 3_600_000;

/** A Start/StopStreamEncryption waiting for its UPDATING period to end (persisted across restarts). */
interface PendingChange {
  readonly streamId: string;
  readonly encryptionType: EncryptionType;
  readonly keyId?: string;
  /** When the stream turns ACTIVE with the new settings (epoch ms). */
  readonly dueAt: number;
}

/** The encryption feature: loads the local KMS keys, provides the record sealer, adds the two operations. */
export async function encryptionFeature(ctx: FeatureContext): Promise<StreamsFeature> {
  const { rt, meta, logger, options, scheduler } = ctx;
  const keys = await LocalKeyStore.open(options.kmsKeyFile ? keyFileSource(options.kmsKeyFile) : metaStoreSource(meta));
  const dataKeys = new Map<string, Buffer>();
  const streamKeys = new Map<string, { keyIdText: string; key: LocalKmsKey }>();
  const changes = new Map<string, number[]>();
  /** Start/StopStreamEncryption calls turning a stream UPDATING, by stream id (settled, never rejected). */
  const starting = new Map<string, Promise<void>>();
  const changeLimit = options.limits?.encryptionChangesPerDay ?? 25;

  const dataKey = (stream: StreamState, key: LocalKmsKey): Buffer => {
    const id = `${stream.id}/${key.keyId}`;
    let k = dataKeys.get(id);
    if (!k) dataKeys.set(id, (k = deriveDataKey(key.material, stream.id)));
    return k;
  };

  const keyOfStream = (stream: StreamState): LocalKmsKey => {
    const cached = streamKeys.get(stream.id);
    if (cached && cached.keyIdText === stream.keyId) return cached.key;
    const key = keys.resolve(stream.keyId ?? '', stream);
    streamKeys.set(stream.id, { keyIdText: stream.keyId ?? '', key });
    return key;
  };

  const sealer: RecordSealer = {
    seal(stream, shard, entries) {
      if (stream.encryptionType !== 'KMS') return { entries, encrypted: false };
      const key = keyOfStream(stream);
      const opts = { keyId: key.keyId, dataKey: dataKey(stream, key), logId: shardLogId(stream, shard.index) };
      const sealed = entries.map((e) => ({
        key: '',
        // Data Streams builds whole values; a value in parts is joined before it is encrypted.
        value: sealRecord(
          { partitionKey: e.key, data: e.value instanceof Uint8Array ? e.value : Buffer.concat(e.value) },
          opts,
        ),
        attributes: RecordAttribute.encrypted,
      }));
      return { entries: sealed, encrypted: true };
    },
    open(stream, shard, record) {
      if (((record.attributes ?? 0) & RecordAttribute.encrypted) === 0)
        return { key: record.key, value: record.value, encrypted: false };
      const keyId = envelopeKeyId(record.value);
      const key = keyId === undefined ? undefined : keys.byId(keyId);
      if (!key) {
        throw kinesisError(
          'KMSNotFoundException',
          `Key ${keyId ?? '(unreadable)'} used to encrypt records of stream ${stream.name} under account ${stream.accountId} does not exist.`,
        );
      }
      try {
        const plain = openRecord(record.value, {
          dataKey: dataKey(stream, key),
          logId: shardLogId(stream, shard.index),
        });
        return { key: plain.partitionKey, value: plain.data, encrypted: true };
      } catch (err) {
        logger.error(
          { err, stream: stream.name, shard: shard.shardId, offset: record.offset },
          'stored record failed decryption',
        );
        throw kinesisError('InternalFailureException', 'Internal service failure.');
      }
    },
  };

  /** Rule 2: the new settings take effect when the UPDATING period ends. */
  const apply = async (pending: PendingChange): Promise<void> => {
    // A Start/StopStreamEncryption still turning the stream UPDATING finishes first.
    await starting.get(pending.streamId);
    const stream = rt.catalog.getById(pending.streamId);
    if (!stream) return;
    await rt.catalog.update(stream, (draft) => {
      if (draft.status !== StreamStatus.UPDATING) return false;
      setEncryption(draft, pending);
      draft.status = StreamStatus.ACTIVE;
      delete draft.transitionAt;
    });
  };
  const schedule = (pending: PendingChange): Promise<void> =>
    scheduler.at(ENCRYPTION_TIMER, pending.streamId, pending.dueAt, pending);
  const unhandle = scheduler.handle<PendingChange>(ENCRYPTION_TIMER, (timer) => apply(timer.payload));
  // Changes whose UPDATING period was cut short by a restart complete now (or when due): the scheduler resumes
  // its own timers; changes stored the earlier way move over to it.
  for (const [key, pending] of await meta.list<PendingChange>(LEGACY_PENDING_PREFIX)) {
    await schedule(pending);
    await meta.delete(key);
  }

  const change = async (
    input: StartStreamEncryptionInput | StopStreamEncryptionInput,
    reqCtx: RequestContext,
    target: EncryptionType,
  ): Promise<void> => {
    // Rule 1.
    const stream = rt.resolveStream(input, reqCtx);
    rt.requireActive(stream);
    if (input.EncryptionType !== 'KMS') {
      throw kinesisError(
        'InvalidArgumentException',
        `Encryption type ${input.EncryptionType} is not supported. The only valid value is KMS.`,
      );
    }
    if (target === 'KMS') keys.resolve(input.KeyId, stream);
    if (options.enforceLimits) {
      // Rule 4.
      const now = rt.now();
      const recent = (changes.get(stream.id) ?? []).filter((t) => t > now - DAY_MS);
      if (recent.length >= changeLimit) {
        throw kinesisError(
          'LimitExceededException',
          `Exceeded the limit of ${changeLimit} encryption changes in a rolling 24-hour period for stream ${stream.name} under account ${stream.accountId}.`,
        );
      }
      recent.push(now);
      changes.set(stream.id, recent);
    }
    const delay = rt.settings.updateStreamMs;
    const pending: PendingChange = {
      streamId: stream.id,
      encryptionType: target,
      ...(target === 'KMS' ? { keyId: input.KeyId } : {}),
      dueAt: rt.now() + delay,
    };
    if (delay <= 0) {
      await rt.catalog.update(stream, (draft) => {
        rt.requireActive(draft);
        setEncryption(draft, pending);
      });
      return;
    }
    // The status flip and the new settings must land in one catalog write, so this feature runs the
    // UPDATING period itself instead of the catalog's timer: the pending change is persisted first (as its timer),
    // then the stream turns UPDATING; the timer's handler waits for that and applies the change only to an
    // UPDATING stream. Changes of one stream start one at a time, so a failed start cancels only its own timer.
    const previous = starting.get(stream.id) ?? Promise.resolve();
    const run = previous.then(async () => {
      rt.requireActive(rt.catalog.getById(stream.id) ?? stream);
      await schedule(pending);
      try {
        await rt.catalog.update(stream, (draft) => {
          rt.requireActive(draft);
          draft.status = StreamStatus.UPDATING;
        });
      } catch (err) {
        await scheduler.cancel(ENCRYPTION_TIMER, stream.id);
        throw err;
      }
    });
    const tail = run.catch(() => {});
    starting.set(stream.id, tail);
    void tail.then(() => {
      if (starting.get(stream.id) === tail) starting.delete(stream.id);
    });
    await run;
  };

  return {
    operations: {
      StartStreamEncryption: op(
        (input: StartStreamEncryptionInput, c: RequestContext): Promise<void> => change(input, c, 'KMS'),
        { resource: STREAM },
      ),
      StopStreamEncryption: op(
        (input: StopStreamEncryptionInput, c: RequestContext): Promise<void> => change(input, c, 'NONE'),
        { resource: STREAM },
      ),
    },
    provides: { sealer },
    async close() {
      await unhandle();
    },
  };
}

function setEncryption(stream: StreamDraft, change: PendingChange): void {
  stream.encryptionType = change.encryptionType;
  if (change.keyId !== undefined) stream.keyId = change.keyId;
  else delete stream.keyId;
}
