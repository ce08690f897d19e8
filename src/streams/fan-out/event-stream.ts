/**
 * SubscribeToShard's response framing: AWS event-stream messages (`application/vnd.amazon.eventstream`).
 * Pure code, no I/O; the framing itself is done by `@smithy/eventstream-codec`, the implementation the
 * AWS SDKs use to read these messages.
 *
 * Message layout (Amazon Transcribe Developer Guide, 'Event stream encoding'):
 *   prelude   total length (uint32 BE) · headers length (uint32 BE) · CRC-32 of those 8 bytes
 *   headers   repeated: name length (uint8) · name · value type (uint8, 7 = string) · value length (uint16 BE) · value
 *   payload   the event or exception body, in the request's encoding (JSON 1.1 today)
 *   trailer   CRC-32 of everything before it
 *
 * Messages SubscribeToShard sends:
 *   initial response   `:message-type` event, `:event-type` initial-response, `:content-type`; payload `{}`
 *   record events      `:message-type` event, `:event-type` SubscribeToShardEvent, `:content-type`;
 *                      payload {Records, ContinuationSequenceNumber, MillisBehindLatest, ChildShards?}
 *   exceptions         `:message-type` exception, `:exception-type` <Type>, `:content-type`; payload {"message": …}
 */
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { encodeJsonOutput, JSON_1_1_CONTENT_TYPE } from '../../protocol/index.js';

/**
 * Encodes event payloads in the request's wire encoding. The JSON 1.1 encoder is the only one until
 * CBOR lands; the pump takes the encoder as a value so a CBOR one plugs in without changes here.
 */
export interface EventPayloadEncoder {
  /** Value of the `:content-type` header of each message. */
  readonly contentType: string;
  /** Encodes an event or exception body (`Date` and `Uint8Array` members as the codec's output does). */
  encode(body: unknown): Uint8Array;
}

/** Event payloads in AWS JSON 1.1: blobs base64, timestamps epoch seconds (like every JSON 1.1 output). */
export const jsonEventPayload: EventPayloadEncoder = {
  contentType: JSON_1_1_CONTENT_TYPE,
  encode: (body) => encodeJsonOutput(body),
};

/** Event types of SubscribeToShard's stream (the `:event-type` header). */
export const EventType = {
  INITIAL_RESPONSE: 'initial-response',
  SUBSCRIBE_TO_SHARD_EVENT: 'SubscribeToShardEvent',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** Frames an event message. */
export function encodeEventMessage(eventType: EventType, body: unknown, payload: EventPayloadEncoder): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: payload.contentType },
    },
    body: payload.encode(body),
  });
}

/**
 * Frames an exception message. AWS: the allowed types are the event stream's error members
 * (ResourceNotFoundException, ResourceInUseException, the KMS* types, InternalFailureException);
 * the SDKs raise them as errors of that name inside the event loop.
 */
export function encodeExceptionMessage(
  exceptionType: string,
  message: string,
  payload: EventPayloadEncoder,
): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'exception' },
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: payload.contentType },
    },
    body: payload.encode({ message }),
  });
}

/** Decodes one framed message (tests and tools; the SDKs have their own decoder). */
export function decodeMessage(bytes: Uint8Array): { headers: Record<string, unknown>; body: Uint8Array } {
  const message = codec.decode(bytes);
  const headers: Record<string, unknown> = {};
  for (const [name, header] of Object.entries(message.headers)) headers[name] = header.value;
  return { headers, body: message.body };
}
