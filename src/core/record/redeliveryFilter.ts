import { hash } from 'node:crypto';

/**
 * Drops QoS 1/2 messages a broker delivers twice. When a connection breaks before the
 * broker has our acknowledgement, it sends the message again on the resumed session,
 * with the DUP flag and the same packet id. A message is a redelivery when it has DUP
 * set and its packet id was last seen, with the same topic and payload, in this or the
 * previous connection. A DUP message never seen before (lost on the way) is kept.
 * Bounded: at most 65,535 ids a generation, a short key each.
 */
export class RedeliveryFilter {
  private current = new Map<number, string>();
  private previous = new Map<number, string>();
  dropped = 0;

  /** True when the message was already recorded. */
  seen(messageId: number | undefined, dup: boolean, topic: string, payload: Buffer): boolean {
    if (messageId === undefined) return false;
    const key = `${topic}\u0000${payload.length}\u0000${hash('sha1', payload, 'base64')}`;
    if (dup && (this.current.get(messageId) === key || this.previous.get(messageId) === key)) {
      this.dropped++;
      return true;
    }
    this.current.set(messageId, key);
    return false;
  }

  /** A new connection: what the broker may still resend is from this one or the last. */
  reconnected(): void {
    this.previous = this.current;
    this.current = new Map();
  }
}
