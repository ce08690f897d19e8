/**
 * JetStream publishes whose acknowledgements arrive on one reply subscription of the backend (docs/adr/0042).
 *
 * The client's `js.publish` is a request: for each publish the nats.js client (3.3.1, `RequestOne` in
 * nats-core/lib/request.js) registers a reply token and, once the answer arrived and resolved the request, cancels it
 * by rejecting its already settled promise with a new `RequestError("cancelled")` — an Error, stack trace included,
 * built for every acknowledged publish and thrown away (15 % of the gateway's CPU under PutRecords, ADR 0037).
 * Here the acknowledgement is read directly: each publish carries a reply subject `<inbox>.<token>` under one
 * wildcard subscription, and the answer is parsed as the client parses it (`{stream, seq, duplicate}` or
 * `{error}` → `JetStreamApiError`). The headers are the ones `js.publish` sets for a message id and expectations.
 */
import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { JetStreamApiError } from '@nats-io/jetstream';
import { StorageError, StorageErrorCode } from '../index.js';

/**
 * What the chained publish expects of the stream: its last sequence (`Nats-Expected-Last-Sequence`), which every
 * replica judges alike. Not the last message id, which each replica keeps for itself (log-store.ts, ADR 0049).
 */
export interface PublishExpectation {
  readonly lastSequence: number;
}

/** The part of JetStream's PubAck the log uses. */
export interface PublishAck {
  readonly seq: number;
  readonly duplicate: boolean;
}

/**
 * How a shard log publishes one message and learns its acknowledgement: {@link PublishAcks} on the backend's
 * connection, or a wrapper around it that `NatsBackendOptions.wrapPublish` installs (the tests' fault-injection seam:
 * a wrapper may hold a publish back and send it later, as a reconnecting client or a paused server does).
 */
export interface NatsPublisher {
  publish(
    subject: string,
    payload: Uint8Array,
    msgId: string,
    expect: PublishExpectation,
    timeoutMs: number,
  ): Promise<PublishAck>;
}

interface Waiting {
  resolve(ack: PublishAck): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
}

const decoder = new TextDecoder();

/** Publishes with acknowledgements on one reply subscription (see this file's header). */
export class PublishAcks implements NatsPublisher {
  readonly #nc: NatsConnection;
  readonly #inbox: string;
  readonly #sub: Subscription;
  readonly #waiting = new Map<string, Waiting>();
  #next = 0;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
    this.#inbox = createInbox();
    this.#sub = nc.subscribe(`${this.#inbox}.*`, { callback: (err, msg) => this.#answer(err, msg) });
  }

  /**
   * Publishes `payload` to `subject` with a message id and expectation, and resolves with the stream's
   * acknowledgement. Rejects with the server's `JetStreamApiError` (a failed expectation, a sealed stream), or with
   * an `unavailable` StorageError when no server answers within `timeoutMs` or none listens (an election).
   */
  publish(
    subject: string,
    payload: Uint8Array,
    msgId: string,
    expect: PublishExpectation,
    timeoutMs: number,
  ): Promise<PublishAck> {
    const token = (this.#next++).toString(36);
    const h = headers();
    h.set('Nats-Msg-Id', msgId);
    h.set('Nats-Expected-Last-Sequence', String(expect.lastSequence));
    return new Promise<PublishAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.#waiting.delete(token))
          reject(new StorageError(StorageErrorCode.unavailable, `publish to ${subject}: no acknowledgement in time`));
      }, timeoutMs);
      this.#waiting.set(token, { resolve, reject, timer });
      try {
        this.#nc.publish(subject, payload, { reply: `${this.#inbox}.${token}`, headers: h });
      } catch (err) {
        clearTimeout(timer);
        this.#waiting.delete(token);
        reject(err);
      }
    });
  }

  /** Stops listening; publishes still waiting reject as the connection closes. */
  close(): void {
    this.#sub.unsubscribe();
    for (const [token, w] of this.#waiting) {
      clearTimeout(w.timer);
      this.#waiting.delete(token);
      w.reject(new StorageError(StorageErrorCode.closed, 'the NATS connection is closing'));
    }
  }

  #answer(err: Error | null, msg: Msg): void {
    if (err) return; // the subscription ends with the connection; waiting publishes time out or were rejected
    const token = msg.subject.slice(this.#inbox.length + 1);
    const w = this.#waiting.get(token);
    if (!w) return; // timed out already
    this.#waiting.delete(token);
    clearTimeout(w.timer);
    // No responders: the stream has no leader right now (an election) — the status message the server sends.
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      w.reject(new StorageError(StorageErrorCode.unavailable, `publish to ${msg.subject}: no responders`));
      return;
    }
    try {
      const answer = JSON.parse(decoder.decode(msg.data)) as {
        seq?: number;
        duplicate?: boolean;
        error?: { code: number; err_code: number; description: string };
      };
      if (answer.error) w.reject(new JetStreamApiError(answer.error));
      else if (typeof answer.seq !== 'number')
        w.reject(new StorageError(StorageErrorCode.unavailable, 'publish: an acknowledgement without a sequence'));
      else w.resolve({ seq: answer.seq, duplicate: answer.duplicate === true });
    } catch (e) {
      w.reject(e);
    }
  }
}
