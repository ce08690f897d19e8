/**
 * The JSON text of the largest Data Streams outputs, written straight into bytes: the records of GetRecords and
 * SubscribeToShard events, and PutRecords' result entries (src/protocol/json/encode.ts, `OWN_JSON`).
 *
 * The shape-compiled encoder builds a string per member (base64 of each payload, the quoted sequence number and
 * partition key), concatenates them and converts the text to UTF-8 at the end; for 10,000 records that was about
 * half of GetRecords' CPU time (`npm run bench -- read-path`, handler + JSON against handler only). Here one buffer
 * is sized for the whole list up front and each member goes into it directly: payloads through a base64 encoder
 * that writes bytes, strings copied byte by byte when they need no escaping (sequence numbers, shard ids and
 * ordinary partition keys always). The text is the compiled encoder's: members in the model's order (Record:
 * SequenceNumber, ApproximateArrivalTimestamp, Data, PartitionKey, EncryptionType; PutRecordsResultEntry:
 * SequenceNumber, ShardId, ErrorCode, ErrorMessage), absent members left out, timestamps as epoch seconds
 * (test/streams/records-json.test.ts compares the two).
 */
import { base64Length, JsonByteCursor, JsonByteWriter, withOwnJson } from '../protocol/index.js';

/** A record as GetRecords and SubscribeToShard events carry it (the Record shape). */
interface RecordLike {
  readonly SequenceNumber: string;
  readonly ApproximateArrivalTimestamp?: Date;
  readonly Data: Uint8Array;
  readonly PartitionKey: string;
  readonly EncryptionType?: string;
}

/** A PutRecords result entry (the PutRecordsResultEntry shape). */
interface ResultEntryLike {
  readonly SequenceNumber?: string;
  readonly ShardId?: string;
  readonly ErrorCode?: string;
  readonly ErrorMessage?: string;
}

/** Member names with their JSON punctuation: fixed bytes of every record. */
const SEQ = Buffer.from('{"SequenceNumber":');
const ARRIVAL = Buffer.from(',"ApproximateArrivalTimestamp":');
const DATA = Buffer.from(',"Data":');
const KEY = Buffer.from(',"PartitionKey":');
const ENCRYPTION = Buffer.from(',"EncryptionType":');
const NULL = Buffer.from('null');
/** Bytes of a record's text besides its strings: names, punctuation, a timestamp (at most ~20 bytes). */
const RECORD_FIXED = SEQ.length + ARRIVAL.length + DATA.length + KEY.length + 32;

/** Under this key a list of records keeps the JSON text made for it ahead of time ({@link prepareRecordsJson}). */
const PREPARED = Symbol('tributary.preparedRecordsJson');
/** Set on a list of records once its JSON text was written: its reader speaks JSON. */
const WRITTEN = Symbol('tributary.recordsWrittenAsJson');
interface RecordListMarks {
  [PREPARED]?: Buffer;
  [WRITTEN]?: boolean;
}

/** Epoch-seconds text of a Date, as the compiled encoder writes timestamps. */
function timestampText(d: Date): string {
  const ms = d.getTime();
  return Number.isNaN(ms) ? 'null' : `${ms / 1000}`;
}

function encodeRecords(w: JsonByteWriter, records: readonly (RecordLike | null | undefined)[]): void {
  // Sized for the usual case (strings without escapes) in one allocation; the cursor grows it otherwise.
  let estimate = 2;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    estimate += r ? RECORD_FIXED + r.SequenceNumber.length + base64Length(r.Data.length) + r.PartitionKey.length : 5;
  }
  const c = new JsonByteCursor(w, estimate);
  c.byte(0x5b);
  // Records of one append batch share their arrival Date (src/streams/read-path.ts): its text is made once.
  let lastDate: Date | undefined;
  let lastText = '';
  for (let i = 0; i < records.length; i++) {
    if (i > 0) c.byte(0x2c);
    const r = records[i];
    if (!r) {
      c.bytes(NULL);
      continue;
    }
    c.bytes(SEQ);
    c.string(r.SequenceNumber);
    const arrival = r.ApproximateArrivalTimestamp;
    if (arrival !== undefined && arrival !== null) {
      if (arrival !== lastDate) {
        lastDate = arrival;
        lastText = timestampText(arrival);
      }
      c.bytes(ARRIVAL);
      c.ascii(lastText);
    }
    c.bytes(DATA);
    c.base64(r.Data);
    c.bytes(KEY);
    c.string(r.PartitionKey);
    if (r.EncryptionType !== undefined && r.EncryptionType !== null) {
      c.bytes(ENCRYPTION);
      c.string(r.EncryptionType);
    }
    c.byte(0x7d);
  }
  c.byte(0x5d);
  c.done();
}

function writeRecords(w: JsonByteWriter, list: readonly unknown[]): void {
  const marks = list as RecordListMarks;
  marks[WRITTEN] = true;
  const prepared = marks[PREPARED];
  if (prepared === undefined) {
    encodeRecords(w, list as readonly (RecordLike | null | undefined)[]);
    return;
  }
  const out = w.room(prepared.length);
  prepared.copy(out, w.used);
  w.used += prepared.length;
}

const SEQUENCE_NUMBER = Buffer.from('"SequenceNumber":');
const SHARD_ID = Buffer.from('"ShardId":');
const ERROR_CODE = Buffer.from('"ErrorCode":');
const ERROR_MESSAGE = Buffer.from('"ErrorMessage":');

/** Writes `"name":<string>` when `v` is present, after a comma unless it is the entry's first member; returns whether it wrote. */
function member(c: JsonByteCursor, name: Buffer, v: string | undefined, first: boolean): boolean {
  if (v === undefined || v === null) return false;
  if (!first) c.byte(0x2c);
  c.bytes(name);
  c.string(v);
  return true;
}

function writeResultEntries(w: JsonByteWriter, list: readonly unknown[]): void {
  const entries = list as readonly (ResultEntryLike | null | undefined)[];
  let estimate = 2;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    estimate += e
      ? 60 + (e.SequenceNumber?.length ?? 0) + (e.ShardId?.length ?? 0) + (e.ErrorMessage?.length ?? 0) + 30
      : 5;
  }
  const c = new JsonByteCursor(w, estimate);
  c.byte(0x5b);
  for (let i = 0; i < entries.length; i++) {
    if (i > 0) c.byte(0x2c);
    const e = entries[i];
    if (!e) {
      c.bytes(NULL);
      continue;
    }
    c.byte(0x7b);
    let none = !member(c, SEQUENCE_NUMBER, e.SequenceNumber, true);
    none = !member(c, SHARD_ID, e.ShardId, none) && none;
    none = !member(c, ERROR_CODE, e.ErrorCode, none) && none;
    member(c, ERROR_MESSAGE, e.ErrorMessage, none);
    c.byte(0x7d);
  }
  c.byte(0x5d);
  c.done();
}

/** Gives a list of records (GetRecords, SubscribeToShard events) its byte-level JSON writer; returns the list. */
export function recordsWithJson<T extends RecordLike[]>(records: T): T {
  return withOwnJson(records, writeRecords);
}

/**
 * Makes the JSON text of a list given by {@link recordsWithJson} now, so that answering with it later only copies
 * bytes (GetRecords read-ahead: docs/adr/0032-getrecords-read-ahead.md). Records are immutable, so the text stays
 * right.
 */
export function prepareRecordsJson(records: readonly RecordLike[]): void {
  const w = new JsonByteWriter();
  encodeRecords(w, records);
  // The buffer was sized by the estimate (tight unless strings needed escapes): kept as it is, not copied again.
  (records as RecordListMarks)[PREPARED] = w.finish();
}

/** Whether a list given by {@link recordsWithJson} was written as JSON (its reader speaks JSON, not CBOR). */
export function recordsWrittenAsJson(records: readonly RecordLike[]): boolean {
  return (records as RecordListMarks)[WRITTEN] === true;
}

/** Gives PutRecords' result entries their byte-level JSON writer; returns the list. */
export function resultEntriesWithJson<T extends ResultEntryLike[]>(entries: T): T {
  return withOwnJson(entries, writeResultEntries);
}
