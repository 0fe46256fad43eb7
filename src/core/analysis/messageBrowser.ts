import { type Database, queryAll, textOf } from '../db/sqlite';
import { type DiffLine, diffLines } from './lineDiff';
import { deepJsonReason } from '../session/deepJson';

export const MAX_PAGE = 500;
const PREVIEW_CHARS = 160;
/** Text beyond this is cut in a detail (the panel shows a note); hex beyond this too. */
const DETAIL_TEXT_CHARS = 1_000_000;
const DETAIL_HEX_BYTES = 64 * 1024;

export interface MessagePageQuery {
  fromMs?: number;
  toMs?: number;
  /** Exact topics; default all. */
  topics?: string[];
  offset?: number;
  limit?: number;
}

export interface MessageRow {
  id: number;
  timestamp: string;
  tsMs: number;
  topic: string;
  size: number;
  encoding: 'utf8' | 'base64';
  /** The start of the payload on one line (binary: a note). */
  preview: string;
}

export interface MessagePage {
  total: number;
  offset: number;
  messages: MessageRow[];
}

function rangeWhere(q: MessagePageQuery): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (q.fromMs !== undefined) {
    where.push('ts_ms >= ?');
    params.push(q.fromMs);
  }
  if (q.toMs !== undefined) {
    where.push('ts_ms <= ?');
    params.push(q.toMs);
  }
  if (q.topics) {
    where.push(`topic IN (${q.topics.map(() => '?').join(',') || 'NULL'})`);
    params.push(...q.topics);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** A page of messages in time order for a range and a topic set. */
export function messagePage(db: Database, q: MessagePageQuery = {}): MessagePage {
  const { sql, params } = rangeWhere(q);
  const offset = Math.max(0, Math.floor(q.offset ?? 0));
  const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(q.limit ?? 100)));
  const total = queryAll<{ n: number }>(db, `SELECT COUNT(*) AS n FROM mqtt_messages ${sql}`, params)[0]?.n ?? 0;
  const rows = queryAll<{ id: number; timestamp: string; ts_ms: number; topic: string; payload_size: number; payload_encoding: string; head: string }>(
    db,
    `SELECT id, timestamp, ts_ms, topic, payload_size, payload_encoding, substr(payload, 1, ${PREVIEW_CHARS}) AS head
     FROM mqtt_messages ${sql} ORDER BY ts_ms, id LIMIT ? OFFSET ?`,
    [...params, limit, offset],
  );
  return {
    total,
    offset,
    messages: rows.map((r) => ({
      id: r.id,
      timestamp: r.timestamp,
      tsMs: r.ts_ms,
      topic: r.topic,
      size: r.payload_size,
      encoding: r.payload_encoding === 'base64' ? 'base64' : 'utf8',
      preview: r.payload_encoding === 'base64' ? `(binary, ${r.payload_size} bytes)` : textOf(r.head).replace(/\s+/g, ' '),
    })),
  };
}

export interface MessageDetail {
  id: number;
  topic: string;
  timestamp: string;
  tsMs: number;
  qos: number;
  retain: boolean;
  size: number;
  /** How `text` shows the payload: indented JSON, text as it is, or a hex dump of binary. */
  kind: 'json' | 'text' | 'binary';
  text: string;
  truncated: boolean;
  props?: Record<string, unknown>;
  /** The previous message of the same topic, and the difference to it (JSON and text). */
  previous?: { id: number; timestamp: string };
  diff?: DiffLine[];
}

interface Row {
  id: number;
  topic: string;
  timestamp: string;
  ts_ms: number;
  qos: number;
  retain: number;
  payload: string;
  payload_encoding: string;
  payload_size: number;
  props: string | null;
}

const COLUMNS = 'id, topic, timestamp, ts_ms, qos, retain, payload, payload_encoding, payload_size, props';

/** The payload as text even when the index kept it as bytes (text holding a NUL). */
function rowOf(row: Row | undefined): Row | undefined {
  return row && { ...row, payload: textOf(row.payload) };
}

/** One message for display, with its diff against the previous message of its topic; undefined when there is no such id. */
export function messageDetail(db: Database, id: number): MessageDetail | undefined {
  const row = rowOf(queryAll<Row>(db, `SELECT ${COLUMNS} FROM mqtt_messages WHERE id = ?`, [id])[0]);
  if (!row) return undefined;
  const shown = showPayload(row);
  const detail: MessageDetail = {
    id: row.id,
    topic: row.topic,
    timestamp: row.timestamp,
    tsMs: row.ts_ms,
    qos: row.qos,
    retain: row.retain === 1,
    size: row.payload_size,
    ...shown,
    props: row.props ? parseProps(row.props) : undefined,
  };
  const prev = rowOf(
    queryAll<Row>(
      db,
      `SELECT ${COLUMNS} FROM mqtt_messages WHERE topic = ? AND (ts_ms < ? OR (ts_ms = ? AND id < ?)) ORDER BY ts_ms DESC, id DESC LIMIT 1`,
      [row.topic, row.ts_ms, row.ts_ms, row.id],
    )[0],
  );
  if (prev) {
    detail.previous = { id: prev.id, timestamp: prev.timestamp };
    const before = showPayload(prev);
    if (shown.kind !== 'binary' && before.kind !== 'binary' && !shown.truncated && !before.truncated) detail.diff = diffLines(before.text, shown.text);
  }
  return detail;
}

function showPayload(row: Row): Pick<MessageDetail, 'kind' | 'text' | 'truncated'> {
  if (row.payload_encoding === 'base64') {
    const bytes = Buffer.from(row.payload, 'base64');
    return { kind: 'binary', text: hexDump(bytes.subarray(0, DETAIL_HEX_BYTES)), truncated: bytes.length > DETAIL_HEX_BYTES };
  }
  const truncated = row.payload.length > DETAIL_TEXT_CHARS;
  if (!truncated) {
    const t = row.payload.trimStart();
    // Too deep for JSON.stringify's recursion: shown as the text it is.
    if ((t.startsWith('{') || t.startsWith('[')) && !deepJsonReason(row.payload)) {
      try {
        return { kind: 'json', text: JSON.stringify(JSON.parse(row.payload), null, 2), truncated: false };
      } catch {
        /* not JSON after all: shown as text */
      }
    }
  }
  return { kind: 'text', text: truncated ? row.payload.slice(0, DETAIL_TEXT_CHARS) : row.payload, truncated };
}

/** `00000000  7b 22 61 22 ...  |{"a"...|`, 16 bytes a line. */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const chunk = bytes.subarray(off, off + 16);
    const hex = Array.from(chunk, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(chunk, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  |${ascii}|`);
  }
  return lines.join('\n');
}

function parseProps(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** A message as recorded: what "Save as Test Topic" and "Export Selection" write. */
export interface RecordedMessage {
  topic: string;
  payload: string;
  payloadEncoding: 'utf8' | 'base64';
  timestamp: string;
  qos: 0 | 1 | 2;
  retain: boolean;
}

const RECORDED = 'topic, payload, payload_encoding, timestamp, qos, retain';
type RecordedRow = { topic: string; payload: string; payload_encoding: string; timestamp: string; qos: number; retain: number };

function recorded(r: RecordedRow): RecordedMessage {
  return { topic: r.topic, payload: textOf(r.payload), payloadEncoding: r.payload_encoding === 'base64' ? 'base64' : 'utf8', timestamp: r.timestamp, qos: r.qos as 0 | 1 | 2, retain: r.retain === 1 };
}

export function recordedMessage(db: Database, id: number): RecordedMessage | undefined {
  const row = queryAll<RecordedRow>(db, `SELECT ${RECORDED} FROM mqtt_messages WHERE id = ?`, [id])[0];
  return row && recorded(row);
}

/** Every message of a range and topic set (all when no topics), in time order. */
export function selectedMessages(db: Database, q: Omit<MessagePageQuery, 'offset' | 'limit'>): RecordedMessage[] {
  const { sql, params } = rangeWhere(q);
  return queryAll<RecordedRow>(db, `SELECT ${RECORDED} FROM mqtt_messages ${sql} ORDER BY ts_ms, id`, params).map(recorded);
}

/** Id, time and topic of the given messages, in id order. */
export function messageHeads(db: Database, ids: number[]): { id: number; timestamp: string; topic: string }[] {
  if (!ids.length) return [];
  return queryAll(db, `SELECT id, timestamp, topic FROM mqtt_messages WHERE id IN (${ids.map(() => '?').join(',')}) ORDER BY id`, ids);
}
