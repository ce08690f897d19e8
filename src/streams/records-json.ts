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
import { base64Length, JsonByteCursor, JsonByteWriter, withOwnJson, writeBase64 } from '../protocol/index.js';
import type { RecordView, RecordVisitor } from '../storage/index.js';
import { SEQUENCE_NUMBER_DIGITS } from './model/index.js';
import type { WriteOutcome } from './write-path.js';

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
/** Set on a list made by {@link RecordsJsonBuilder}: it has its JSON text and no record objects. */
const JSON_ONLY = Symbol('tributary.recordsJsonOnly');
interface RecordListMarks {
  [PREPARED]?: Buffer;
  [WRITTEN]?: boolean;
  [JSON_ONLY]?: boolean;
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

/** Whether a list holds only its JSON text ({@link RecordsJsonBuilder}): it can answer a JSON request only. */
export function recordsJsonOnly(records: readonly unknown[]): boolean {
  return (records as RecordListMarks)[JSON_ONLY] === true;
}

/** `{"SequenceNumber":"` — the record's opening bytes, with the sequence number's opening quote. */
const OPEN_SEQ = Buffer.from('{"SequenceNumber":"');
/** `","ApproximateArrivalTimestamp":` after the sequence number's digits. */
const SEQ_ARRIVAL = Buffer.from('","ApproximateArrivalTimestamp":');
/** `,"Data":"` before the payload's base64. */
const OPEN_DATA = Buffer.from(',"Data":"');
/** `","PartitionKey":` after it. */
const DATA_KEY = Buffer.from('","PartitionKey":');
/** Bytes of a record's text besides its arrival part (`#middle`), payload and key (with the comma before it). */
const SCANNED_FIXED = 1 + OPEN_SEQ.length + SEQUENCE_NUMBER_DIGITS + DATA_KEY.length + 1;
/** First size of the text buffer; it doubles as records come. */
const FIRST_CAPACITY = 64 * 1024;

/**
 * Copies `fixed` into `out` at `at`. A native copy: on this machine a JS loop stores 2–3 ns a byte, a Buffer copy costs
 * ~30 ns whatever its length up to a few hundred bytes (docs/adr/0053-record-scan.md).
 */
function put(out: Buffer, at: number, fixed: Buffer): number {
  return at + fixed.copy(out, at);
}

/**
 * Builds the JSON text of GetRecords' records straight from a log scan (ReadableShardLog.scan): sequence-number
 * digits, timestamp text, base64 and partition key are written from the stored bytes, with no record object, string
 * or view per record (docs/adr/0053-record-scan.md). The text is {@link encodeRecords}' for the same records
 * (test/streams/records-json.test.ts compares the two). A record stored sealed (server-side encryption: non-zero
 * attributes) stops the scan: such batches take the record-object path, which opens them.
 */
export class RecordsJsonBuilder implements RecordVisitor {
  #out = Buffer.allocUnsafe(FIRST_CAPACITY);
  #p = 1;
  #count = 0;
  #lastMs = Number.NaN;
  /** `","ApproximateArrivalTimestamp":<seconds>,"Data":"` of the current arrival: one copy per record. */
  #middle: Buffer = Buffer.alloc(0);
  /** Read accounting as the record-object path counts it (partition keys by UTF-16 length). */
  #keyAdjust = 0;
  /** Arrival (epoch ms) of the last record taken. */
  lastArrival: number | undefined;

  /** @param writeSequenceNumber the shard's digit writer (ShardHandle.writeSequenceNumber). */
  constructor(
    private readonly writeSequenceNumber: (offset: number, arrivalMs: number, out: Uint8Array, at: number) => void,
  ) {
    this.#out[0] = 0x5b;
  }

  /** Writes one record, or refuses a sealed one. */
  visit(r: RecordView): boolean {
    if (r.attributes !== 0) return false;
    const ms = r.timestamp;
    if (ms !== this.#lastMs) {
      this.#lastMs = ms;
      this.#middle = Buffer.concat([SEQ_ARRIVAL, Buffer.from(`${ms / 1000}`, 'latin1'), OPEN_DATA]);
    }
    const src = r.bytes;
    const keyStart = r.keyStart;
    const keyEnd = keyStart + r.keyLength;
    let plainKey = true;
    for (let i = keyStart; i < keyEnd; i++) {
      const b = src[i]!;
      if (b < 0x20 || b > 0x7e || b === 0x22 || b === 0x5c) {
        plainKey = false;
        break;
      }
    }
    // Escaped text of a key that is not plain ASCII: JSON.stringify's, as the record-object path writes it.
    let keyText: Buffer | undefined;
    if (!plainKey) {
      const key = Buffer.from(src.buffer, src.byteOffset + keyStart, r.keyLength).toString('utf8');
      keyText = Buffer.from(JSON.stringify(key), 'utf8');
      this.#keyAdjust += key.length - r.keyLength;
    }
    const need =
      SCANNED_FIXED + this.#middle.length + base64Length(r.valueLength) + (keyText ? keyText.length : r.keyLength + 2);
    let out = this.#out;
    let p = this.#p;
    if (p + need + 1 > out.length) {
      const grown = Buffer.allocUnsafe(Math.max(out.length * 2, p + need + 1));
      out.copy(grown, 0, 0, p);
      this.#out = out = grown;
    }
    if (this.#count > 0) out[p++] = 0x2c;
    p = put(out, p, OPEN_SEQ);
    this.writeSequenceNumber(r.offset, ms, out, p);
    p += SEQUENCE_NUMBER_DIGITS;
    p = put(out, p, this.#middle);
    p = writeBase64(src, r.valueStart, r.valueStart + r.valueLength, out, p);
    p = put(out, p, DATA_KEY);
    if (keyText) {
      p = put(out, p, keyText);
    } else {
      out[p++] = 0x22;
      for (let i = keyStart; i < keyEnd; i++) out[p++] = src[i]!;
      out[p++] = 0x22;
    }
    out[p++] = 0x7d;
    this.#p = p;
    this.#count++;
    this.lastArrival = ms;
    return true;
  }

  /** Difference to add to a scan's byte count so it equals the record-object path's (non-ASCII keys). */
  get keyAdjust(): number {
    return this.#keyAdjust;
  }

  /**
   * The records as a list for GetRecords' output: `count` entries without record objects, carrying their JSON text,
   * which the JSON encoder copies (a list only a JSON request may be answered with: {@link recordsJsonOnly}).
   */
  finish(count: number): unknown[] {
    const out = this.#out;
    out[this.#p++] = 0x5d;
    const list = withOwnJson(new Array<unknown>(count), writeRecords) as unknown[] & RecordListMarks;
    list[PREPARED] = out.subarray(0, this.#p);
    list[JSON_ONLY] = true;
    return list;
  }
}

/** `{"SequenceNumber":"` — a stored record's result entry up to its digits. */
const ENTRY_SEQ_TEXT = '{"SequenceNumber":"';
/** `","ShardId":"` between the digits and the shard id. */
const ENTRY_SHARD_TEXT = '","ShardId":"';
/** Placeholder of a template's digits (each entry's own are written over them). */
const DIGIT_PLACES = '0'.repeat(SEQUENCE_NUMBER_DIGITS);
/** `{"ErrorCode":` — a failed record's result entry. */
const ENTRY_ERROR = Buffer.from('{"ErrorCode":');

/**
 * PutRecords' result entries as their JSON text only, written from a write's outcome without making a sequence-number
 * string per record: each number's digits are written by its shard's digit writer (ShardHandle.writeSequenceNumber)
 * straight into the text, the shard id's ASCII after them. The text is {@link writeResultEntries}' for
 * `outcome.results` (test/streams/records-json.test.ts compares the two). A list only a JSON request may be answered
 * with ({@link recordsJsonOnly}); its stored entries are holes, its failed ones their error objects.
 */
export function resultEntriesJson(outcome: WriteOutcome): unknown[] {
  const { count, stored, errors } = outcome;
  // Where each request position went: its batch (index + 1; 0 = failed) and its place in that batch.
  const batchOf = new Int32Array(count);
  const indexIn = new Int32Array(count);
  let bytes = 2 + count;
  for (let b = 0; b < stored.length; b++) {
    const batch = stored[b]!;
    const positions = batch.positions;
    for (let j = 0; j < positions.length; j++) {
      batchOf[positions[j]!] = b + 1;
      indexIn[positions[j]!] = j;
    }
    bytes +=
      positions.length *
      (ENTRY_SEQ_TEXT.length + SEQUENCE_NUMBER_DIGITS + ENTRY_SHARD_TEXT.length + batch.shardId.length + 2);
  }
  const errorTexts = new Map<number, Buffer>();
  for (const [position, e] of errors) {
    const text = Buffer.from(
      `${JSON.stringify(e.ErrorCode)},"ErrorMessage":${JSON.stringify(e.ErrorMessage)}}`,
      'utf8',
    );
    errorTexts.set(position, text);
    bytes += ENTRY_ERROR.length + text.length;
  }
  // One entry's text per batch, `{"SequenceNumber":"<digits>","ShardId":"<id>"}`: each stored record's entry is this
  // template copied whole, then its own digits written over the template's. Native copies, not byte loops: on this
  // machine a JS loop stores 2–3 ns a byte, a Buffer copy of ~110 bytes costs ~30 ns in all (docs/adr/0053).
  const templates = stored.map((batch) =>
    Buffer.from(`${ENTRY_SEQ_TEXT}${DIGIT_PLACES}${ENTRY_SHARD_TEXT}${batch.shardId}"}`),
  );
  const out = Buffer.allocUnsafe(bytes);
  let p = 0;
  out[p++] = 0x5b;
  for (let i = 0; i < count; i++) {
    if (i > 0) out[p++] = 0x2c;
    const b = batchOf[i]!;
    if (b === 0) {
      p = put(out, p, ENTRY_ERROR);
      p = put(out, p, errorTexts.get(i)!);
      continue;
    }
    const batch = stored[b - 1]!;
    const template = templates[b - 1]!;
    template.copy(out, p);
    batch.handle.writeSequenceNumber(batch.firstOffset + indexIn[i]!, batch.timestamp, out, p + ENTRY_SEQ_TEXT.length);
    p += template.length;
  }
  out[p++] = 0x5d;
  const list = withOwnJson(new Array<unknown>(count), writeRecords) as unknown[] & RecordListMarks;
  list[PREPARED] = out.subarray(0, p);
  list[JSON_ONLY] = true;
  // Failed entries stay readable as objects: the metrics count them by ErrorCode (src/streams/metrics.ts).
  for (const [position, e] of errors) list[position] = { ...e };
  return list;
}
