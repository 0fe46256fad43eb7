import { MAX_JSON_DEPTH, jsonValueDepth, tooDeep } from '../util/jsonDepth';
import { deepJsonReason, mayNestDeeper, rawMemberText } from './deepJson';
import type { PayloadEncoding, QoS, SessionMessage, SessionRecord } from './sessionMessage';
import { type NaiveTimeZone, isValidTimeMs, parseTimestamp } from './timestamps';

/** `warning`: the line was read, but something in it is a problem of that line too. */
export type ParsedLine =
  | { type: 'message'; message: SessionMessage; warning?: string }
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
  // Strings skipped: a payload string is checked on its own in messageFromObject.
  const deep = mayNestDeeper(text) ? tooDeep(text) : undefined;
  if (typeof o._kind === 'string') {
    if (deep) return { type: 'problem', reason: `metadata line: ${deep}` };
    return { type: 'record', record: { kind: o._kind, line, data: o } };
  }
  if (o._kind !== undefined && o.topic === undefined && o.payload === undefined && o.timestamp === undefined) {
    return { type: 'problem', reason: fieldReason('_kind', o._kind, 'a string') };
  }
  if (!deep) return messageFromObject(o, line, naive);
  return messageFromObject(o, line, naive, shallowMembers(o, text));
}

/**
 * A line nested deeper than the limit: a deep payload is kept as the text the line has,
 * any other deep member is left out and named. Nothing recursive sees them.
 */
function shallowMembers(o: Record<string, unknown>, text: string): string | undefined {
  const notes: string[] = [];
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v === null || typeof v !== 'object' || jsonValueDepth(v) <= MAX_JSON_DEPTH - 1) continue;
    const raw = key === 'payload' ? rawMemberText(text, key) : undefined;
    // Now a string: messageFromObject names it like any deep payload text.
    if (raw !== undefined) o.payload = raw;
    else {
      delete o[key];
      notes.push(`field "${key}": nested deeper than ${MAX_JSON_DEPTH} levels, left out`);
    }
  }
  return notes.length ? notes.join('; ') : undefined;
}


/** A message-shaped object (a `.log` line, a JSON or CSV import row) → a message or a problem. */
export function messageFromObject(o: Record<string, unknown>, line: number, naive: NaiveTimeZone, warning?: string): ParsedLine {

  if (typeof o.topic !== 'string' || o.topic === '') return { type: 'problem', reason: fieldReason('topic', o.topic, 'a non-empty string') };

  let payload: string;
  if (typeof o.payload === 'string') payload = o.payload;
  else if (o.payload !== null && o.payload !== undefined && typeof o.payload !== 'function') {
    // An import's row may nest deeper than JSON.stringify's recursion goes (a `.log` line never does: see shallowMembers).
    try {
      payload = JSON.stringify(o.payload);
    } catch {
      return { type: 'problem', reason: `field "payload": nested deeper than ${MAX_JSON_DEPTH} levels` };
    }
  } else return { type: 'problem', reason: fieldReason('payload', o.payload, 'a string') };

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
  if (!isValidTimeMs(tsMs)) return { type: 'problem', reason: `field "timestamp": out of range (before year 0 or after year 275760): ${clip(timestamp)}` };

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
  const deepText = typeof o.payload === 'string' && payloadEncoding === 'utf8' ? deepJsonReason(payload) : undefined;
  const notes = deepText ? [warning, `field "payload": ${deepText}, kept as text`].filter(Boolean).join('; ') : warning;
  return notes ? { type: 'message', message, warning: notes } : { type: 'message', message };
}

function fieldReason(field: string, value: unknown, expected: string): string {
  if (value === undefined) return `field "${field}" missing`;
  return `field "${field}": expected ${expected}, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'string' ? clip(JSON.stringify(value)) : typeof value}`;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
