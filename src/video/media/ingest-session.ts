/**
 * One PutMedia upload: reads the MKV body as it arrives, checks each fragment (cluster) against AWS's ingest rules,
 * stores the good ones and answers with ack lines while the upload goes on (docs/adr/0023-video-media-plane.md).
 *
 * Acks (PutMedia API reference, "Response Syntax"): BUFFERING when a fragment's Timestamp arrived (the fragment
 * number is handed out then), RECEIVED when the whole cluster arrived (for an unknown-size cluster: when the next
 * element began or the body ended), PERSISTED once its append is durable (streams with data retention only),
 * ERROR with AWS's ErrorId, IDLE every `idleAckMs` while no data arrives.
 *
 * Ingest rules (PutMedia API reference and Kinesis Video Streams quotas, "Media and archived-media API quotas"),
 * each a fragment-level ERROR that drops that fragment only, unless marked "ends the upload". Every ack is one of
 * the reference's ErrorIds (acks.ts); a rule the reference names without an id says which id it gets and why.
 * 1. Bytes that are not Matroska, or a cluster before the Tracks / without a Timestamp: INVALID_MKV_DATA (ends the
 *    upload: nothing after an unreadable byte can be trusted).
 * 2. More than 3 tracks: MORE_THAN_ALLOWED_TRACKS_FOUND (ends the upload). A later Tracks element that changes the
 *    track numbers, types or codecs: INVALID_MKV_DATA (ends the upload). The reference names the rule ("an MKV
 *    stream containing more than one MKV segment or containing disallowed MKV elements (like track*) also results
 *    in the Error acknowledgement") without an id; a disallowed element is input it does not accept as MKV, 4006.
 *    A Tracks element repeated unchanged (as a muxer may write it again) is accepted.
 * 3. A block of an undeclared track: TRACK_NUMBER_MISMATCH. A declared track without frames in the fragment:
 *    FRAMES_MISSING_FOR_TRACK.
 * 4. The first video frame of a fragment is not a key frame: INVALID_MKV_DATA. The reference has no id of its own
 *    for this; AWS's answer to it, as its users logged it (awslabs/amazon-kinesis-video-streams-producer-c issues
 *    126 and 127: fragments that began with the non-key frames a producer sent after dropping frames), is
 *    `"ErrorCode":"INVALID_MKV_DATA","ErrorId":4006`.
 * 5. A fragment Timestamp lower than the previous fragment's: FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS.
 * 6. A fragment longer than `maxFragmentMs`: MAX_FRAGMENT_DURATION_REACHED; larger than `maxFragmentBytes`:
 *    MAX_FRAGMENT_SIZE_REACHED (ends the upload, as soon as the size is passed). The quotas' 1 s minimum fragment
 *    duration is not enforced, by decision: the quota page names an ack MIN_FRAGMENT_DURATION_REACHED, but the
 *    PutMedia reference lists no ErrorId for it and no AWS client (the Java SDK's AckErrorCode, the producer
 *    libraries' ack tables) knows that name, so the rule is dropped rather than answered with an id we would have to
 *    invent (docs/adr/0041-video-archive-disk-bound.md, decision 5).
 * 7. Producer Tags (metadata) with more than 10 tags, a name over 128 bytes or starting with `AWS`, or a value over
 *    256 bytes: FRAGMENT_METADATA_LIMIT_REACHED.
 * 8. A failed append: ARCHIVAL_ERROR for each fragment of the batch; the stream keeps every earlier fragment.
 * 9. The body failing (cap, signature, client gone): STREAM_READ_ERROR (ends the upload).
 * 10. No data for `idleTimeoutMs` ends the upload (AWS closes the connection after 30 s without data).
 * 11. An upload older than `maxConnectionMs` ends with MAX_CONNECTION_DURATION_REACHED (Kinesis Video Streams quotas,
 *     "Producer SDK quotas": the backend closes a connection after 45 minutes; producers reconnect). The fragment
 *     under way is dropped, every earlier one is kept.
 * 12. The stream's rates (12.5 MB/s, 5 fragments/s) are enforced by reading the upload more slowly (ingest-pacer.ts),
 *     never by an error.
 */
import { ABORTED, type Clock, MAX_TIMER_MS, unlessAborted } from '../../jobs/index.js';
import type { Logger } from '../../protocol/index.js';
import { type FragmentArchive, type NewFragment, fragmentNumber } from '../archive/index.js';
import {
  MkvFormatError,
  type MkvHandler,
  MkvReader,
  type ParsedCluster,
  type TrackEntry,
  TrackType,
  parseSimpleTags,
  parseTimestampScale,
  parseTracks,
} from '../mkv/index.js';
import { AckChannel, type AckErrorCode, ackLine } from './acks.js';
import { IngestPacer, type IngestRates } from './ingest-pacer.js';
import { MediaCounters } from './metrics.js';
import type { LiveFragment } from './media-store.js';

/** Limits of one upload (see the file header). */
export interface IngestLimits extends IngestRates {
  readonly maxFragmentBytes: number;
  readonly maxFragmentMs: number;
  readonly maxTracks: number;
  readonly idleAckMs: number;
  readonly idleTimeoutMs: number;
  /** Longest upload; quota 45 minutes. */
  readonly maxConnectionMs: number;
}

/** What a session needs to know about its stream and where its fragments go. */
export interface IngestTarget {
  readonly streamCreationMs: number;
  /** Whether fragments are stored (DataRetentionInHours > 0). */
  readonly persist: boolean;
  readonly archive: FragmentArchive;
  /** Hands a stored (or, without retention, received) fragment to live readers; built only when someone reads. */
  publish(fragment: () => LiveFragment): void;
  /** The stream's rate pacer, shared by its uploads; default one of the upload's own. */
  readonly pacer?: IngestPacer;
}

export type TimecodeType = 'ABSOLUTE' | 'RELATIVE';

/** Ends the upload from inside a reader callback. */
class EndUpload extends Error {
  constructor(readonly ack: Buffer) {
    super('upload ended');
  }
}

const MAX_METADATA_TAGS = 10;
const MAX_TAG_NAME_BYTES = 128;
const MAX_TAG_VALUE_BYTES = 256;

interface Current {
  readonly seq: number;
  readonly number: string;
  readonly serverMs: number;
  timecode: number | undefined;
}

export class IngestSession implements MkvHandler {
  readonly acks: AckChannel;
  readonly #target: IngestTarget;
  readonly #limits: IngestLimits;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timecodeType: TimecodeType;
  readonly #producerStartMs: number;
  readonly #reader = new MkvReader(this);
  #ebmlHeader: Buffer | undefined;
  #info: Buffer | undefined;
  #tracksRaw: Buffer | undefined;
  #tracks: TrackEntry[] | undefined;
  #scale = 1_000_000;
  #tags: Buffer[] = [];
  #tagsError = false;
  #current: Current | undefined;
  #lastTimecode: number | undefined;
  #queue: Array<{ fragment: NewFragment; number: string; receivedMs: number }> = [];
  #inFlight: Promise<void> | undefined;
  #stopped = false;
  #lastDataMs: number;
  /**
   * Aborted by {@link stop}. Waits end on it through `unlessAborted`, never `Promise.race` with a promise that
   * settles at the stop: that kept every chunk of the upload alive until its end (ADR 0046).
   */
  readonly #stop = new AbortController();
  #idleTimer: unknown;
  #connectionTimer: unknown;
  readonly #pacer: IngestPacer;
  /** Fragments started by the chunk being pushed (the pacer's count). */
  #fragmentsInChunk = 0;
  /** Whether the upload waits for the pacer (not idle: the server, not the producer, holds the data back). */
  #paced = false;
  /** Fragments received and persisted (for logs and tests). */
  received = 0;
  persisted = 0;
  /** The stream's AWS/KinesisVideo counters (./metrics.ts). */
  readonly #counters: MediaCounters;

  constructor(options: {
    target: IngestTarget;
    limits: IngestLimits;
    clock: Clock;
    logger: Logger;
    timecodeType: TimecodeType;
    producerStartMs: number;
    counters?: MediaCounters;
  }) {
    this.#counters = options.counters ?? new MediaCounters();
    this.#target = options.target;
    this.#limits = options.limits;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#timecodeType = options.timecodeType;
    this.#producerStartMs = options.producerStartMs;
    this.#lastDataMs = this.#clock.now();
    this.#pacer = options.target.pacer ?? new IngestPacer(options.limits);
    // A client that stops reading acks (ffmpeg closes its side once the body is sent) still gets every byte it sent
    // processed: the upload ends with the body, not with the acks.
    this.acks = new AckChannel(() => {});
  }

  /** Ends the upload (the stream is deleted, the client left, the server closes). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stop.abort();
    if (this.#idleTimer !== undefined) this.#clock.clearTimeout(this.#idleTimer);
    if (this.#connectionTimer !== undefined) this.#clock.clearTimeout(this.#connectionTimer);
    // Acks of appends in flight still go out; then the response ends.
    void this.#drained().then(() => this.acks.end());
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Reads the body to its end (or until the upload ends: a stopped upload does not wait for its next chunk, which may
   * never come), then waits for the appends and ends the acks.
   */
  async run(body: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
    this.#armIdle();
    this.#connectionTimer = this.#clock.setTimeout(
      () => {
        if (this.#stopped) return;
        this.#error('MAX_CONNECTION_DURATION_REACHED');
        this.stop();
      },
      Math.min(this.#limits.maxConnectionMs, MAX_TIMER_MS),
    );
    const chunks =
      Symbol.asyncIterator in body ? body[Symbol.asyncIterator]() : (body as Iterable<Buffer>)[Symbol.iterator]();
    try {
      for (;;) {
        const next = await unlessAborted(Promise.resolve(chunks.next()), this.#stop.signal);
        if (next === ABORTED || next.done) break;
        const now = this.#clock.now();
        this.#lastDataMs = now;
        this.#counters.incomingBytes += next.value.length;
        this.#fragmentsInChunk = 0;
        this.#reader.push(next.value);
        const wait = this.#pacer.charge(next.value.length, this.#fragmentsInChunk, now);
        if (wait > 0 && (await this.#pause(wait)) === ABORTED) break;
      }
      if (!this.#stopped) this.#reader.end();
    } catch (e) {
      if (!this.#stopped) this.#fail(e);
    }
    if (this.#stopped) void Promise.resolve(chunks.return?.()).catch(() => {});
    this.stop();
    await this.#drained();
  }

  /** Waits `ms` on the clock before the next read (rule 12), unless the upload ends first. */
  async #pause(ms: number): Promise<typeof ABORTED | undefined> {
    this.#paced = true;
    let timer: unknown;
    const waited = new Promise<undefined>((resolve) => {
      timer = this.#clock.setTimeout(() => resolve(undefined), ms);
    });
    try {
      return await unlessAborted(waited, this.#stop.signal);
    } finally {
      this.#clock.clearTimeout(timer);
      this.#paced = false;
      this.#lastDataMs = this.#clock.now();
    }
  }

  #fail(e: unknown): void {
    if (e instanceof EndUpload) {
      this.#counters.errorAcks++;
      this.acks.push(e.ack);
    } else if (e instanceof MkvFormatError) this.#error('INVALID_MKV_DATA');
    else {
      this.#logger.debug({ err: e instanceof Error ? e.message : String(e) }, 'PutMedia body failed');
      this.#error('STREAM_READ_ERROR');
    }
  }

  /** An ERROR ack for the current fragment, if any. */
  #error(code: AckErrorCode): void {
    const c = this.#current;
    this.#counters.errorAcks++;
    this.acks.push(ackLine('ERROR', c?.timecode, c?.number, code));
  }

  #end(code: AckErrorCode): never {
    const c = this.#current;
    throw new EndUpload(ackLine('ERROR', c?.timecode, c?.number, code));
  }

  #armIdle(): void {
    const tick = Math.max(1, Math.min(this.#limits.idleAckMs, this.#limits.idleTimeoutMs));
    this.#idleTimer = this.#clock.setTimeout(() => {
      if (this.#stopped) return;
      const quiet = this.#paced ? 0 : this.#clock.now() - this.#lastDataMs;
      if (quiet >= this.#limits.idleTimeoutMs) {
        this.stop();
        return;
      }
      if (quiet >= this.#limits.idleAckMs) this.acks.push(ackLine('IDLE'));
      this.#armIdle();
    }, tick);
  }

  // MkvHandler: called by the reader, in input order.

  ebmlHeader(raw: Buffer): void {
    this.#ebmlHeader = raw;
  }

  segmentStart(): void {}

  info(raw: Buffer): void {
    this.#info = raw;
    try {
      this.#scale = parseTimestampScale(raw);
    } catch {
      this.#end('INVALID_MKV_DATA');
    }
    if (!(this.#scale > 0)) this.#end('INVALID_MKV_DATA');
  }

  tracks(raw: Buffer): void {
    let tracks: TrackEntry[];
    try {
      tracks = parseTracks(raw);
    } catch {
      this.#end('INVALID_MKV_DATA');
    }
    if (tracks.length === 0) this.#end('INVALID_MKV_DATA');
    if (tracks.length > this.#limits.maxTracks) this.#end('MORE_THAN_ALLOWED_TRACKS_FOUND');
    const before = this.#tracks;
    if (before !== undefined) {
      const same =
        before.length === tracks.length &&
        before.every(
          (t, i) => t.number === tracks[i]!.number && t.type === tracks[i]!.type && t.codecId === tracks[i]!.codecId,
        );
      // Rule 2: a changed Tracks element is a disallowed MKV element (PutMedia API reference).
      if (!same) this.#end('INVALID_MKV_DATA');
    }
    this.#tracks = tracks;
    this.#tracksRaw = raw;
  }

  tags(raw: Buffer): void {
    let pairs: Array<[string, string]>;
    try {
      pairs = parseSimpleTags(raw);
    } catch {
      this.#end('INVALID_MKV_DATA');
    }
    this.#tags.push(raw);
    const count =
      this.#tags.length === 1 ? pairs.length : this.#tags.reduce((n, t) => n + parseSimpleTags(t).length, 0);
    if (
      count > MAX_METADATA_TAGS ||
      pairs.some(
        ([name, value]) =>
          name.startsWith('AWS') ||
          Buffer.byteLength(name) > MAX_TAG_NAME_BYTES ||
          Buffer.byteLength(value) > MAX_TAG_VALUE_BYTES,
      )
    ) {
      this.#tagsError = true;
    }
  }

  clusterStart(): void {
    if (this.#tracks === undefined || this.#ebmlHeader === undefined || this.#info === undefined) {
      this.#end('INVALID_MKV_DATA');
    }
    this.#fragmentsInChunk++;
    const seq = this.#target.archive.reserve();
    this.#current = {
      seq,
      number: fragmentNumber(this.#target.streamCreationMs, seq),
      serverMs: this.#clock.now(),
      timecode: undefined,
    };
  }

  clusterTimestamp(timecode: number): void {
    const c = this.#current;
    if (c === undefined || c.timecode !== undefined) return;
    c.timecode = timecode;
    this.acks.push(ackLine('BUFFERING', timecode, c.number));
  }

  clusterProgress(payloadLength: number): void {
    if (payloadLength > this.#limits.maxFragmentBytes) this.#end('MAX_FRAGMENT_SIZE_REACHED');
  }

  cluster(cluster: ParsedCluster): void {
    const c = this.#current!;
    this.#current = undefined;
    const tags = this.#tags;
    const tagsError = this.#tagsError;
    this.#tags = [];
    this.#tagsError = false;
    if (cluster.payloadLength > this.#limits.maxFragmentBytes) {
      this.#current = c;
      this.#end('MAX_FRAGMENT_SIZE_REACHED');
    }
    if (cluster.timecode === undefined) {
      this.#current = c;
      this.#end('INVALID_MKV_DATA');
    }
    if (c.timecode === undefined) this.clusterTimestamp(cluster.timecode);
    const durationMs = this.#durationMs(cluster);
    const rejected = this.#check(cluster, cluster.timecode, durationMs, tagsError);
    if (rejected !== undefined) {
      this.#counters.errorAcks++;
      this.acks.push(ackLine('ERROR', cluster.timecode, c.number, rejected));
      return;
    }
    this.#lastTimecode = cluster.timecode;
    this.received++;
    const counters = this.#counters;
    counters.incomingFragments++;
    for (const t of cluster.tracks) counters.incomingFrames += t.frames;
    this.acks.push(ackLine('RECEIVED', cluster.timecode, c.number));

    const clusterMs = (cluster.timecode * this.#scale) / 1e6;
    const producerMs = this.#timecodeType === 'ABSOLUTE' ? clusterMs : this.#producerStartMs + clusterMs;
    const fragment: NewFragment = {
      seq: c.seq,
      producerMs,
      serverMs: c.serverMs,
      durationMs,
      timecode: cluster.timecode,
      ebmlHeader: this.#ebmlHeader!,
      info: this.#info!,
      tracks: this.#tracksRaw!,
      tags: tags.length === 0 ? Buffer.alloc(0) : tags.length === 1 ? tags[0]! : Buffer.concat(tags),
      payload: cluster.payload,
      payloadLength: cluster.payloadLength,
    };
    if (!this.#target.persist) {
      counters.putSuccess++;
      this.#target.publish(() => liveFragment(fragment, undefined));
      return;
    }
    this.#queue.push({ fragment, number: c.number, receivedMs: this.#clock.now() });
    this.#flush();
  }

  /** The fragment-level rule a received cluster breaks (rules 3–7 of the file header), if any. */
  #check(cluster: ParsedCluster, timecode: number, durationMs: number, tagsError: boolean): AckErrorCode | undefined {
    const tracks = this.#tracks!;
    for (const t of cluster.tracks) {
      if (!tracks.some((d) => d.number === t.track)) return 'TRACK_NUMBER_MISMATCH';
    }
    for (const d of tracks) {
      if (!cluster.tracks.some((t) => t.track === d.number && t.frames > 0)) return 'FRAMES_MISSING_FOR_TRACK';
    }
    const video = tracks.find((d) => d.type === TrackType.video);
    // Rule 4: AWS answers a fragment that does not begin with a key frame with INVALID_MKV_DATA (see the header).
    if (video !== undefined && !cluster.tracks.find((t) => t.track === video.number)!.firstKeyframe) {
      return 'INVALID_MKV_DATA';
    }
    if (this.#lastTimecode !== undefined && timecode < this.#lastTimecode)
      return 'FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS';
    if (durationMs > this.#limits.maxFragmentMs) return 'MAX_FRAGMENT_DURATION_REACHED';
    if (tagsError) return 'FRAGMENT_METADATA_LIMIT_REACHED';
    return undefined;
  }

  /**
   * The fragment's duration in whole ms: its longest track's span, first to last frame plus one frame interval, each
   * track measured on its own (50 video frames at 25 fps last 2,000 ms whatever order they were encoded in; audio
   * frames that start before or overhang the video do not add the gap between the tracks).
   */
  #durationMs(cluster: ParsedCluster): number {
    let span = 0;
    for (const t of cluster.tracks) span = Math.max(span, t.maxTimecode - t.minTimecode + t.frameStep);
    return Math.round((span * this.#scale) / 1e6);
  }

  /** Appends what is queued in one batch; one batch in flight per upload keeps fragments in order. */
  #flush(): void {
    if (this.#inFlight !== undefined || this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#inFlight = this.#target.archive
      .append(
        batch.map((b) => b.fragment),
        this.#clock.now(),
      )
      .then(
        (entries) => {
          const counters = this.#counters;
          const persistedMs = this.#clock.now();
          batch.forEach((b, i) => {
            this.persisted++;
            counters.putSuccess++;
            if (persistedMs - b.receivedMs > counters.persistLatencyMs)
              counters.persistLatencyMs = persistedMs - b.receivedMs;
            this.acks.push(ackLine('PERSISTED', b.fragment.timecode, b.number));
            const offset = entries[i]!.offset;
            this.#target.publish(() => liveFragment(b.fragment, offset));
          });
        },
        (err: unknown) => {
          this.#logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'PutMedia append failed');
          this.#counters.errorAcks += batch.length;
          for (const b of batch) this.acks.push(ackLine('ERROR', b.fragment.timecode, b.number, 'ARCHIVAL_ERROR'));
        },
      )
      .finally(() => {
        this.#inFlight = undefined;
        this.#flush();
      });
  }

  async #drained(): Promise<void> {
    while (this.#inFlight !== undefined) await this.#inFlight;
  }
}

/** A fragment as live readers get it: its index facts and its bytes, without a read from the log. */
function liveFragment(f: NewFragment, offset: number | undefined): LiveFragment {
  return {
    entry: {
      seq: f.seq,
      offset: offset ?? -1,
      producerMs: f.producerMs,
      serverMs: f.serverMs,
      durationMs: f.durationMs,
      timecode: f.timecode,
      sizeBytes: f.payloadLength + 12,
    },
    ebmlHeader: f.ebmlHeader,
    infoAndTracks: Buffer.concat([f.info, f.tracks]),
    tags: f.tags,
    payload: f.payload.length === 1 ? f.payload[0]! : Buffer.concat(f.payload as Buffer[], f.payloadLength),
  };
}
