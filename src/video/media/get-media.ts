/**
 * GetMedia (GetMedia API reference): the stream's fragments as chunks (chunks.ts) from a start selector on, then
 * following the stream live until the client leaves, the stream goes, or the server closes.
 *
 * Start selectors:
 * - NOW: the next fragment that arrives; EARLIEST: the oldest retained one;
 * - FRAGMENT_NUMBER / CONTINUATION_TOKEN: the fragment after the given one (a continuation token is the number of
 *   the last chunk read);
 * - SERVER_TIMESTAMP / PRODUCER_TIMESTAMP: the fragment containing StartTimestamp, else the first one after it.
 *
 * Reading: stored fragments are read from the archive in order; new ones come from the live feed, which the reader
 * subscribes to before reading the archive so that nothing falls between the two. A reader that falls more than
 * `MAX_LIVE_BACKLOG` fragments behind the feed drops its backlog and reads the archive again (a slow reader never
 * holds media in memory without bound).
 */
import type { FragmentArchive, FragmentEntry, StoredFragment } from '../archive/index.js';
import { fragmentSeq } from '../archive/index.js';
import { errorChunk, FRAGMENT_NOT_FOUND, fragmentChunk, GetMediaErrorId } from './chunks.js';
import type { LiveFragment, MediaStore } from './media-store.js';
import type { MediaCounters } from './metrics.js';

export type StartSelectorType =
  | 'NOW'
  | 'EARLIEST'
  | 'FRAGMENT_NUMBER'
  | 'SERVER_TIMESTAMP'
  | 'PRODUCER_TIMESTAMP'
  | 'CONTINUATION_TOKEN';

/** Where reading starts: the first sequence to send, or only what arrives from now on. */
export type StartPoint =
  | { readonly kind: 'live' }
  | { readonly kind: 'seq'; readonly seq: number }
  | { readonly kind: 'unknown' };

const MAX_LIVE_BACKLOG = 16;

/**
 * The fragment whose [start, start + duration) contains `ms` (the latest such one when several do, as fragments
 * received in one burst share a server timestamp), else the first that starts after it.
 */
function containing(
  entries: readonly FragmentEntry[],
  ms: number,
  at: (e: FragmentEntry) => number,
): number | undefined {
  let inside: number | undefined;
  let after: number | undefined;
  for (const e of entries) {
    const start = at(e);
    if (start <= ms && ms < start + Math.max(1, e.durationMs)) inside = e.seq;
    else if (start >= ms && after === undefined) after = e.seq;
  }
  return inside ?? after;
}

/** Resolves a start selector against the archive. */
export function startPoint(
  archive: FragmentArchive,
  streamCreationMs: number,
  type: StartSelectorType,
  fragmentNumber: string | undefined,
  startMs: number | undefined,
): StartPoint {
  switch (type) {
    case 'NOW':
      return { kind: 'live' };
    case 'EARLIEST':
      return { kind: 'seq', seq: 0 };
    case 'FRAGMENT_NUMBER':
    case 'CONTINUATION_TOKEN': {
      const seq = fragmentNumber === undefined ? undefined : fragmentSeq(streamCreationMs, fragmentNumber);
      return seq === undefined ? { kind: 'unknown' } : { kind: 'seq', seq: seq + 1 };
    }
    case 'SERVER_TIMESTAMP':
    case 'PRODUCER_TIMESTAMP': {
      const at = type === 'SERVER_TIMESTAMP' ? (e: FragmentEntry) => e.serverMs : (e: FragmentEntry) => e.producerMs;
      const seq = containing(archive.entries, startMs ?? 0, at);
      // Nothing stored at or after the time yet: the next fragment that arrives.
      return seq === undefined ? { kind: 'live' } : { kind: 'seq', seq };
    }
  }
}

/** The chunks of a stream from `start` on, following it live until `signal` aborts or `closed()` says so. */
export async function* followStream(options: {
  store: MediaStore;
  archive: FragmentArchive;
  streamId: string;
  streamCreationMs: number;
  start: StartPoint;
  now: () => number;
  signal: AbortSignal;
  closed: () => boolean;
  /** The stream's AWS/KinesisVideo counters (./metrics.ts): GetMedia.Outgoing*, MillisBehindNow. */
  counters?: MediaCounters;
}): AsyncGenerator<Uint8Array> {
  const { store, archive, streamId, streamCreationMs, now, signal, counters } = options;
  /** A fragment's chunks, counted as sent. */
  const send = (f: StoredFragment): Buffer[] => {
    const at = now();
    const chunks = fragmentChunk(f, streamCreationMs, at);
    if (counters !== undefined) {
      counters.outgoingFragments++;
      for (const c of chunks) counters.outgoingBytes += c.length;
      const behind = Math.max(0, Math.round(at - f.entry.serverMs));
      if (behind > counters.millisBehindNow) counters.millisBehindNow = behind;
    }
    return chunks;
  };
  if (options.start.kind === 'unknown') {
    // The ErrorCode AWS gives GetMediaForFragmentList for a missing fragment (chunks.ts, FRAGMENT_NOT_FOUND).
    // TODO(#video-texts): that GetMedia's start selector answers with the same code is not confirmed.
    yield errorChunk(FRAGMENT_NOT_FOUND, GetMediaErrorId.fragmentNotFound);
    return;
  }
  let backlog: LiveFragment[] = [];
  let overflow = false;
  let wake: (() => void) | undefined;
  const unsubscribe = store.subscribe(streamId, (make) => {
    if (backlog.length >= MAX_LIVE_BACKLOG) overflow = true;
    else backlog.push(make());
    wake?.();
  });
  const onAbort = (): void => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    // NaN: live mode before the first fragment arrived.
    let next = options.start.kind === 'seq' ? options.start.seq : Number.NaN;
    let catchUp = options.start.kind === 'seq';
    for (;;) {
      if (signal.aborted || options.closed()) return;
      if (catchUp) {
        // Stored fragments from `next` on; entries may be trimmed meanwhile, so look the position up each time.
        for (;;) {
          if (signal.aborted || options.closed()) return;
          const entry = archive.entries[archive.indexAtOrAfter(next)];
          if (entry === undefined) break;
          const stored = await archive.read(entry);
          next = entry.seq + 1;
          if (stored === undefined) continue;
          yield* send(stored);
        }
        catchUp = false;
      }
      if (overflow) {
        if (Number.isNaN(next)) next = backlog[0]?.entry.seq ?? archive.entries.at(-1)?.seq ?? 0;
        backlog = [];
        overflow = false;
        catchUp = true;
        continue;
      }
      const f = backlog.shift();
      if (f !== undefined) {
        // Live mode starts with the first fragment that arrives; afterwards, skip what the archive already gave.
        if (Number.isNaN(next) || f.entry.seq >= next) {
          next = f.entry.seq + 1;
          yield* send(f);
        }
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}

/**
 * The chunks of the listed fragments, in the order given. A fragment of the stream that is not (or no longer) in
 * the archive gets an error chunk naming it, which ends the list (aws/aws-sdk-js issue 3217: HTTP 200, the payload
 * ends with FRAGMENT_NOT_FOUND for a fragment that was not readable yet). Numbers that are no fragment numbers of
 * this stream are refused before the response starts (see `foreignFragmentNumbers`).
 */
export async function* fragmentList(
  archive: FragmentArchive,
  streamCreationMs: number,
  numbers: readonly string[],
  now: () => number,
): AsyncGenerator<Uint8Array> {
  for (const number of numbers) {
    const seq = fragmentSeq(streamCreationMs, number);
    const entry = seq === undefined ? undefined : archive.entryFor(seq);
    const stored = entry === undefined ? undefined : await archive.read(entry);
    if (stored === undefined) {
      yield errorChunk(FRAGMENT_NOT_FOUND, GetMediaErrorId.fragmentNotFound, number);
      return;
    }
    yield* fragmentChunk(stored, streamCreationMs, now());
  }
}

/** The listed numbers that cannot be fragment numbers of the stream created at `streamCreationMs`. */
export function foreignFragmentNumbers(streamCreationMs: number, numbers: readonly string[]): string[] {
  return numbers.filter((n) => fragmentSeq(streamCreationMs, n) === undefined);
}
