import { META_KEYS } from '../index/indexSchema';
import { ensureIndex } from '../index/sessionIndex';
import { type Database, queryAll, textOf } from '../db/sqlite';
import { topicMatches } from '../mqtt/topicFilter';
import { DbSessionReader } from '../session/dbSessionReader';
import { type SessionFiles, scanSessionFolder } from '../session/sessionFiles';
import { type SessionMessage, payloadBytes } from '../session/sessionMessage';
import { openSessionSource } from '../session/sessionSource';
import type { NaiveTimeZone } from '../session/timestamps';
import { isNotWritable } from '../util/fsErrors';

export interface SearchQuery {
  /** Words to find in topic or payload (all of them); empty finds everything in range. */
  text: string;
  /** MQTT topic filter (`+`, `#`). */
  topic?: string;
  fromMs?: number;
  toMs?: number;
  limit?: number;
}

export interface SearchHit {
  session: string;
  id: number;
  timestamp: string;
  tsMs: number;
  topic: string;
  snippet: string;
}

export interface SearchOptions {
  naive?: NaiveTimeZone;
  /** Told when a `.log` had to be indexed first. */
  onIndexed?: (session: string) => void;
}

const DEFAULT_LIMIT = 100;

/**
 * Words → an FTS5 query of quoted phrases: user text never reaches FTS syntax. A word
 * ending in `*` is a prefix; `"two words"` in quotes is one phrase; an order id or a
 * UUID is one phrase of its parts, so it is found whole.
 */
export function ftsQuery(text: string): string {
  const out: string[] = [];
  for (const [, phrase, word] of text.matchAll(/"([^"]*)"|(\S+)/g)) {
    const raw = phrase ?? word;
    const prefix = phrase === undefined && raw.endsWith('*');
    const body = raw.replace(/["*]/g, ' ').trim();
    if (!/[\p{L}\p{N}]/u.test(body)) continue;
    out.push(`"${body}"${prefix ? '*' : ''}`);
  }
  return out.join(' ');
}

export async function searchSession(files: SessionFiles, q: SearchQuery, options: SearchOptions = {}): Promise<SearchHit[]> {
  let dbPath: string;
  let checked: DbSessionReader | undefined;
  try {
    const ensured = await ensureIndex(files, { naive: options.naive, keepOpen: true });
    if (ensured.built) options.onIndexed?.(files.name);
    dbPath = ensured.dbPath;
    checked = ensured.reader;
  } catch (err) {
    // A read-only folder cannot take an index: read the `.log` itself instead.
    if (!files.log || !isNotWritable(err)) throw err;
    const source = await openSessionSource({ ...files, db: undefined }, { naive: options.naive });
    return scanSearch(files.name, source.batches(), q);
  }
  const reader = checked ?? (await DbSessionReader.open(dbPath, options.naive));
  try {
    return reader.format === 'db-index' ? searchIndex(files.name, reader.db, q) : await scanSearch(files.name, reader.batches(), q);
  } finally {
    reader.close();
  }
}

/** Full-text and time search in an open index (our layout). */
export function searchIndex(session: string, db: Database, q: SearchQuery): SearchHit[] {
  db.function('mqtt_match', (filter, topic) => (topicMatches(String(filter), String(topic)) ? 1 : 0), { deterministic: true });
  const where: string[] = [];
  const params: (string | number)[] = [];
  const match = ftsQuery(q.text);
  // Ids in time order (the usual case): FTS5 is walked by rowid and stops at the limit,
  // so a word in most messages costs a page, not a sort of every match.
  const byRowid = match !== '' && timeOrdered(db);
  if (match) {
    where.push(byRowid ? 'mqtt_messages_fts MATCH ?' : 'm.id IN (SELECT rowid FROM mqtt_messages_fts WHERE mqtt_messages_fts MATCH ?)');
    params.push(match);
  }
  if (q.topic) {
    where.push('mqtt_match(?, m.topic)');
    params.push(q.topic);
  }
  if (q.fromMs !== undefined) {
    where.push('m.ts_ms >= ?');
    params.push(q.fromMs);
  }
  if (q.toMs !== undefined) {
    where.push('m.ts_ms <= ?');
    params.push(q.toMs);
  }
  // Only an excerpt around the first word leaves SQL: payloads may be megabytes.
  const first = q.text.replace(/["*]/g, ' ').split(/\s+/).find(Boolean)?.toLowerCase() ?? '';
  params.unshift(first);
  params.push(q.limit ?? DEFAULT_LIMIT);
  const columns = 'm.id, m.timestamp, m.ts_ms, m.topic, substr(m.payload, max(1, instr(lower(m.payload), ?1) - 80), 400) AS payload, m.payload_encoding';
  const sql = byRowid
    ? `SELECT ${columns} FROM mqtt_messages_fts JOIN mqtt_messages m ON m.id = mqtt_messages_fts.rowid WHERE ${where.join(' AND ')} ORDER BY mqtt_messages_fts.rowid LIMIT ?`
    : `SELECT ${columns} FROM mqtt_messages m ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY m.ts_ms, m.id LIMIT ?`;
  const rows = queryAll<{ id: number; timestamp: string; ts_ms: number; topic: string; payload: unknown; payload_encoding: string }>(db, sql, params);
  return rows.map((r) => ({
    session,
    id: r.id,
    timestamp: r.timestamp,
    tsMs: r.ts_ms,
    topic: r.topic,
    snippet: r.payload_encoding === 'base64' ? '(binary payload)' : snippetOf(textOf(r.payload), q.text),
  }));
}

function timeOrdered(db: Database): boolean {
  const row = db.get('SELECT value FROM session_meta WHERE key = ?', [META_KEYS.timeOrdered]);
  return row?.value === 'true';
}

/** Sessions without our index (an old `.db` alone, a `.log` in a read-only folder) are scanned. */
async function scanSearch(session: string, batches: AsyncIterable<SessionMessage[]>, q: SearchQuery): Promise<SearchHit[]> {
  const words = q.text.toLowerCase().replace(/["*]/g, ' ').split(/\s+/).filter(Boolean);
  const limit = q.limit ?? DEFAULT_LIMIT;
  const hits: SearchHit[] = [];
  for await (const batch of batches) {
    for (const m of batch) {
      if (q.topic && !topicMatches(q.topic, m.topic)) continue;
      if (q.fromMs !== undefined && m.tsMs < q.fromMs) continue;
      if (q.toMs !== undefined && m.tsMs > q.toMs) continue;
      const text = m.payloadEncoding === 'base64' ? '' : m.payload;
      const hay = `${m.topic} ${text}`.toLowerCase();
      if (!words.every((w) => hay.includes(w))) continue;
      hits.push({ session, id: m.source ?? 0, timestamp: m.timestamp, tsMs: m.tsMs, topic: m.topic, snippet: text ? snippetOf(text, q.text) : `(binary payload, ${payloadBytes(m).length} bytes)` });
    }
  }
  return hits.sort((a, b) => a.tsMs - b.tsMs || a.id - b.id).slice(0, limit);
}

/** Up to ~120 characters of the payload around the first word found. */
export function snippetOf(payload: string, text: string): string {
  const flat = payload.replace(/\s+/g, ' ');
  const word = text.split(/\s+/).find(Boolean)?.toLowerCase();
  const at = word ? flat.toLowerCase().indexOf(word) : -1;
  const from = Math.max(0, at < 0 ? 0 : at - 40);
  const piece = flat.slice(from, from + 120);
  return `${from > 0 ? '…' : ''}${piece}${from + 120 < flat.length ? '…' : ''}`;
}

export async function searchFolder(dir: string, q: SearchQuery, options: SearchOptions = {}): Promise<{ hits: SearchHit[]; errors: { session: string; error: string }[] }> {
  const hits: SearchHit[] = [];
  const errors: { session: string; error: string }[] = [];
  for (const files of await scanSessionFolder(dir)) {
    try {
      hits.push(...(await searchSession(files, q, options)));
    } catch (err) {
      errors.push({ session: files.name, error: err instanceof Error ? err.message : String(err) });
    }
  }
  hits.sort((a, b) => a.tsMs - b.tsMs || a.session.localeCompare(b.session) || a.id - b.id);
  return { hits: hits.slice(0, q.limit ?? DEFAULT_LIMIT), errors };
}
