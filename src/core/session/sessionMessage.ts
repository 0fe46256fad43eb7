import { isUtf8 } from 'node:buffer';

/** One MQTT message of a session, as read from any session file or about to be written. */
export interface SessionMessage {
  topic: string;
  /** The payload as stored: UTF-8 text, or base64 when `payloadEncoding` is `base64`. */
  payload: string;
  payloadEncoding: PayloadEncoding;
  /** The timestamp text exactly as the file has it (kept so that round trips are exact). */
  timestamp: string;
  /** Milliseconds since the epoch (fractional: microsecond timestamps keep their precision). */
  tsMs: number;
  qos?: QoS;
  retain?: boolean;
  /** MQTT 5 properties, when the recorder saw any. */
  props?: Record<string, unknown>;
  /** 1-based line in the `.log`, or row id in a `.db`. */
  source?: number;
}

export type PayloadEncoding = 'utf8' | 'base64';
export type QoS = 0 | 1 | 2;

/** A metadata line (`_kind`) of a `.log`: `session_meta`, `event`, `session_end`, or any other kind. */
export interface SessionRecord {
  kind: string;
  line: number;
  data: Record<string, unknown>;
}

export interface Problem {
  /** 1-based line of the `.log` (or row id of a `.db`); 0 when it concerns the whole file. */
  line: number;
  reason: string;
}

export function payloadBytes(m: Pick<SessionMessage, 'payload' | 'payloadEncoding'>): Buffer {
  return m.payloadEncoding === 'base64' ? Buffer.from(m.payload, 'base64') : Buffer.from(m.payload, 'utf8');
}

/** Bytes → stored form: text when the bytes are valid UTF-8, else base64 (DESIGN §3.1). */
export function encodePayload(bytes: Uint8Array): Pick<SessionMessage, 'payload' | 'payloadEncoding'> {
  if (isValidUtf8(bytes)) return { payload: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), payloadEncoding: 'utf8' };
  return { payload: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), payloadEncoding: 'base64' };
}

/** Node's native check (no decoding, no exception on the bad path). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return bytes.byteLength === 0 || isUtf8(bytes);
}
