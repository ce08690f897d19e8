/**
 * PutMedia acknowledgements (PutMedia API reference, "Response Elements"): one JSON object per event, written on the
 * response while the upload goes on:
 * `{"EventType":"ERROR","FragmentTimecode":…,"FragmentNumber":"…","ErrorCode":"…","ErrorId":4002}`.
 *
 * Every ErrorId sent is one the PutMedia API reference lists, with the meaning it gives there; the reference
 * documents 4000–4012, 4500–4506 (KMS) and 5000–5001, nothing else (no 4013+ and no 5002+). The ErrorCode strings
 * are the names AWS's own clients give those ids: the `AckErrorCode` enum of the AWS SDK for Java 1.x
 * (com.amazonaws.services.kinesisvideo.model, the one SDK with PutMedia) for 4000–4008 and 5000–5001, and the
 * producer libraries' ack tables (amazon-kinesis-video-streams-pic `SERVICE_CALL_RESULT`, the embedded C producer's
 * `putMediaErrorIdMap`) for 4009–4012, which that enum predates. Rules we enforce that the reference gives no id
 * for are mapped in ingest-session.ts's header (key frame, track change) or not enforced (minimum duration).
 * An ack line ends with a newline.
 */

export type AckEventType = 'BUFFERING' | 'RECEIVED' | 'PERSISTED' | 'ERROR' | 'IDLE';

/** ErrorId of each ErrorCode, with the PutMedia API reference's meaning of the id. */
export const AckError = {
  /** "Error reading the data stream." */
  STREAM_READ_ERROR: 4000,
  /** "Fragment size is greater than maximum limit, 50 MB, allowed." */
  MAX_FRAGMENT_SIZE_REACHED: 4001,
  /** "Fragment duration is greater than maximum limit, 10 seconds, allowed." (our limit is configurable) */
  MAX_FRAGMENT_DURATION_REACHED: 4002,
  /** "Connection duration is greater than maximum allowed threshold." */
  MAX_CONNECTION_DURATION_REACHED: 4003,
  /** "Fragment timecode is less than the timecode previous time code" (fragments out of order in one call). */
  FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS: 4004,
  /** "Failed to parse the input stream as valid MKV format." */
  INVALID_MKV_DATA: 4006,
  /** "Invalid producer timestamp." */
  INVALID_PRODUCER_TIMESTAMP: 4007,
  /** "Stream no longer exists (deleted)." */
  STREAM_NOT_ACTIVE: 4008,
  /** "Fragment metadata limit reached." */
  FRAGMENT_METADATA_LIMIT_REACHED: 4009,
  /** "The track number in an MKV frame did not match the tracks in the MKV header." */
  TRACK_NUMBER_MISMATCH: 4010,
  /** "The fragment did not contain any frames for at least one of the tracks in the MKV header." */
  FRAMES_MISSING_FOR_TRACK: 4011,
  /** "More than the allowed number of tracks found in the input MKV." */
  MORE_THAN_ALLOWED_TRACKS_FOUND: 4012,
  /** "Internal service error" */
  INTERNAL_ERROR: 5000,
  /** "Kinesis Video Streams failed to persist fragments to the data store." */
  ARCHIVAL_ERROR: 5001,
} as const;

export type AckErrorCode = keyof typeof AckError;

/** One ack line. `timecode` is the fragment's cluster Timestamp as sent; `number` its fragment number. */
export function ackLine(type: AckEventType, timecode?: number, number?: string, error?: AckErrorCode): Buffer {
  let text = `{"EventType":"${type}"`;
  if (timecode !== undefined) text += `,"FragmentTimecode":${timecode}`;
  if (number !== undefined) text += `,"FragmentNumber":"${number}"`;
  if (error !== undefined) text += `,"ErrorCode":"${error}","ErrorId":${AckError[error]}`;
  return Buffer.from(`${text}}\n`, 'latin1');
}

/**
 * The response body of a PutMedia call: ack lines queued by the session and written as the listener pulls them
 * (several queued lines go out as one write). Ends once the session ended and everything queued was written.
 */
export class AckChannel implements AsyncIterable<Uint8Array> {
  #queue: Buffer[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  #onStop: () => void;
  /** When the last line went out (the idle keep-alive's clock). */
  lastWriteMs = 0;

  /** `onStop` runs when the reader stops pulling (the client went away or the response ended). */
  constructor(onStop: () => void) {
    this.#onStop = onStop;
  }

  push(line: Buffer): void {
    if (this.#ended) return;
    this.#queue.push(line);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  get ended(): boolean {
    return this.#ended;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    try {
      for (;;) {
        if (this.#queue.length > 0) {
          const lines = this.#queue;
          this.#queue = [];
          yield lines.length === 1 ? lines[0]! : Buffer.concat(lines);
          continue;
        }
        if (this.#ended) return;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
      }
    } finally {
      this.#ended = true;
      this.#onStop();
    }
  }
}
