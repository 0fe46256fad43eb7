import type { PayloadEncoding, QoS, SessionMessage, SessionRecord } from './sessionMessage';
import { type NaiveTimeZone, parseTimestamp } from './timestamps';

export type ParsedLine =
  | { type: 'message'; message: SessionMessage }
  | { type: 'record'; record: SessionRecord }
  | { type: 'problem'; reason: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * One `.log` line → a message, a metadata record or a problem.
 * Checked by hand rather than with zod: this runs a million times per large session,
 * and the checks are few and flat.
 */
export function parseLogLine(text: string, line: number, naive: NaiveTimeZone): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { type: 'problem', reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { type: 'problem', reason: 'not a JSON object' };
  }
  const o = value as Record<string, unknown>;
  if (o._kind !== undefined) return { type: 'record', record: { kind: String(o._kind), line, data: o } };
  return messageFromObject(o, line, naive);
}

/** A message-shaped object (a `.log` line, a JSON or CSV import row) → a message or a problem. */
export function messageFromObject(o: Record<string, unknown>, line: number, naive: NaiveTimeZone): ParsedLine {

  if (typeof o.topic !== 'string' || o.topic === '') return { type: 'problem', reason: fieldReason('topic', o.topic, 'a non-empty string') };

  let payload: string;
  if (typeof o.payload === 'string') payload = o.payload;
  else if (o.payload !== null && o.payload !== undefined && typeof o.payload !== 'function') payload = JSON.stringify(o.payload);
  else return { type: 'problem', reason: fieldReason('payload', o.payload, 'a string') };

  let tsMs: number;
  let timestamp: string;
  if (typeof o.timestamp === 'string') {
    timestamp = o.timestamp;
    tsMs = parseTimestamp(timestamp, naive);
  } else if (typeof o.timestamp === 'number') {
    // Epoch seconds or milliseconds, as some scripts write.
    tsMs = o.timestamp < 1e11 ? o.timestamp * 1000 : o.timestamp;
    timestamp = String(o.timestamp);
  } else {
    return { type: 'problem', reason: fieldReason('timestamp', o.timestamp, 'an ISO 8601 string') };
  }
  if (!Number.isFinite(tsMs)) return { type: 'problem', reason: `field "timestamp": not an ISO 8601 time: ${clip(timestamp)}` };

  let qos: QoS | undefined;
  if (o.qos !== undefined && o.qos !== null) {
    if (o.qos !== 0 && o.qos !== 1 && o.qos !== 2) return { type: 'problem', reason: fieldReason('qos', o.qos, '0, 1 or 2') };
    qos = o.qos;
  }
  let retain: boolean | undefined;
  if (o.retain !== undefined && o.retain !== null) {
    if (typeof o.retain === 'boolean') retain = o.retain;
    else if (o.retain === 0 || o.retain === 1) retain = o.retain === 1;
    else return { type: 'problem', reason: fieldReason('retain', o.retain, 'true or false') };
  }
  let payloadEncoding: PayloadEncoding = 'utf8';
  if (o.payloadEncoding !== undefined) {
    if (o.payloadEncoding !== 'utf8' && o.payloadEncoding !== 'base64') return { type: 'problem', reason: fieldReason('payloadEncoding', o.payloadEncoding, '"utf8" or "base64"') };
    if (o.payloadEncoding === 'base64' && (payload.length % 4 !== 0 || !BASE64.test(payload))) return { type: 'problem', reason: 'field "payload": not valid base64' };
    payloadEncoding = o.payloadEncoding;
  }
  if (o.props !== undefined && (typeof o.props !== 'object' || o.props === null || Array.isArray(o.props))) {
    return { type: 'problem', reason: fieldReason('props', o.props, 'an object') };
  }
  // The parsed object becomes the message: one allocation less per line, which the
  // garbage collector notices over a million lines. Unknown keys ride along unused.
  const message = o as unknown as SessionMessage;
  message.payload = payload;
  message.timestamp = timestamp;
  message.tsMs = tsMs;
  message.qos = qos;
  message.retain = retain;
  message.payloadEncoding = payloadEncoding;
  message.source = line;
  return { type: 'message', message };
}

function fieldReason(field: string, value: unknown, expected: string): string {
  if (value === undefined) return `field "${field}" missing`;
  return `field "${field}": expected ${expected}, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'string' ? clip(JSON.stringify(value)) : typeof value}`;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
