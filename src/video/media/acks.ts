/**
 * PutMedia acknowledgements (PutMedia API reference, "Response Syntax" and the ErrorId list): one JSON object per
 * event, written on the response while the upload goes on:
 * `{"EventType":"ERROR","FragmentTimecode":…,"FragmentNumber":"…","ErrorCode":"…","ErrorId":4002}`.
 * The ErrorIds are the PutMedia API reference's list (4012 for more tracks than allowed; 4005, "more than one track",
 * is deprecated there); the ErrorCode names are the ones AWS's producer SDKs map the ErrorIds to (Kinesis Video
 * Streams producer SDK, "PutMedia error codes"). An ack line ends with a newline.
 */

export type AckEventType = 'BUFFERING' | 'RECEIVED' | 'PERSISTED' | 'ERROR' | 'IDLE';

/** ErrorId of each ErrorCode. */
export const AckError = {
  STREAM_READ_ERROR: 4000,
  MAX_FRAGMENT_SIZE_REACHED: 4001,
  MAX_FRAGMENT_DURATION_REACHED: 4002,
  MAX_CONNECTION_DURATION_REACHED: 4003,
  FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS: 4004,
  INVALID_MKV_DATA: 4006,
  INVALID_PRODUCER_TIMESTAMP: 4007,
  STREAM_NOT_ACTIVE: 4008,
  FRAGMENT_METADATA_LIMIT_REACHED: 4009,
  TRACK_NUMBER_MISMATCH: 4010,
  FRAMES_MISSING_FOR_TRACK: 4011,
  MORE_THAN_ALLOWED_TRACKS_FOUND: 4012,
  INTERNAL_ERROR: 5000,
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
