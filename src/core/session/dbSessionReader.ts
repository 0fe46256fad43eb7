import type { SQLiteValue } from 'node-sqlite3-wasm';
import { type Database, finalizeQuietly, openDatabaseFile, queryAll, tableColumns, tableExists } from '../db/sqlite';
import { META_KEYS } from '../index/indexSchema';
import { ProblemList } from './problemList';
import type { SessionFormat } from './sessionFormat';
import type { QoS, SessionMessage } from './sessionMessage';
import { deepJsonReason } from './deepJson';
import { type NaiveTimeZone, isValidTimeMs, parseTimestamp } from './timestamps';

const REQUIRED = ['topic', 'payload', 'timestamp'];
const LEGACY_MARKERS = ['message_type', 'module_type', 'serial_number', 'session_label'];

/** Reads a session `.db` of any of the three layouts, a page of rows at a time. */
export class DbSessionReader {
  readonly problems = new ProblemList();
  readonly format: SessionFormat;
  /** The index layout version, when the file is our index. */
  readonly indexSchema: number | undefined;
  private readonly columns: Set<string>;
  /** Rows are paged by rowid: an `id` column may be NULL or repeat (the old recorders' tables). */
  private readonly rowid: string;

  private constructor(readonly path: string, readonly db: Database, private readonly naive: NaiveTimeZone) {
    if (!tableExists(db, 'mqtt_messages')) throw new Error(`${path}: no table mqtt_messages (not a session database)`);
    this.columns = new Set(tableColumns(db, 'mqtt_messages'));
    const missing = REQUIRED.filter((c) => !this.columns.has(c));
    if (missing.length) throw new Error(`${path}: table mqtt_messages lacks column ${missing.join(', ')}`);
    // A column may shadow a name of the rowid; SQLite has three.
    this.rowid = ['rowid', '_rowid_', 'oid'].find((c) => !this.columns.has(c)) ?? 'rowid';
    try {
      db.prepare(`SELECT ${this.rowid} FROM mqtt_messages LIMIT 0`).finalize();
    } catch {
      throw new Error(`${path}: table mqtt_messages has no rowid (a WITHOUT ROWID table or a view): not supported`);
    }
    const schema = this.readIndexMeta(META_KEYS.schema);
    this.indexSchema = typeof schema === 'number' ? schema : undefined;
    // Ours of any schema version: an older one is stale (rebuilt), not an old tool's file.
    this.format = this.indexSchema !== undefined && this.columns.has('ts_ms')
      ? 'db-index'
      : LEGACY_MARKERS.some((c) => this.columns.has(c)) ? 'db-legacy' : 'db-recorder';
  }

  static async open(path: string, naive: NaiveTimeZone = 'utc'): Promise<DbSessionReader> {
    let db: Database;
    try {
      db = openDatabaseFile(path);
    } catch (err) {
      throw withFileName(path, err);
    }
    try {
      return new DbSessionReader(path, db, naive);
    } catch (err) {
      db.close();
      throw withFileName(path, err);
    }
  }

  close(): void {
    this.db.close();
  }

  /** The session's own meta keys (not ours), from `session_meta`, when the table exists. */
  meta(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    try {
      if (!tableExists(this.db, 'session_meta')) return out;
      for (const row of queryAll<{ key: string; value: string }>(this.db, 'SELECT key, value FROM session_meta')) {
        if (row.key.startsWith('index.')) continue;
        out[row.key] = parseJsonOr(row.value);
      }
    } catch (err) {
      throw withFileName(this.path, err);
    }
    return out;
  }

  readIndexMeta(key: string): unknown {
    try {
      if (!tableExists(this.db, 'session_meta')) return undefined;
      const rows = queryAll<{ value: string }>(this.db, 'SELECT value FROM session_meta WHERE key = ?', [key]);
      return rows.length ? parseJsonOr(rows[0].value) : undefined;
    } catch (err) {
      throw withFileName(this.path, err);
    }
  }

  /** Every row, in rowid order, a page at a time (each page its own short read); `source` and problems name the rowid (the `id` of our index). */
  async *batches(pageSize = 5000): AsyncGenerator<SessionMessage[]> {
    const ours = this.format === 'db-index';
    const cols = [`${this.rowid} AS _id`, 'topic', 'payload', 'timestamp'];
    if (this.columns.has('qos')) cols.push('qos');
    if (this.columns.has('retain')) cols.push('retain');
    if (ours) cols.push('ts_ms', 'payload_encoding', 'props');
    let stmt;
    try {
      stmt = this.db.prepare(`SELECT ${cols.join(', ')} FROM mqtt_messages WHERE ${this.rowid} > ? ORDER BY ${this.rowid} LIMIT ?`);
    } catch (err) {
      throw withFileName(this.path, err);
    }
    let lastId = Number.MIN_SAFE_INTEGER;
    try {
      for (;;) {
        const batch: SessionMessage[] = [];
        let rows = 0;
        try {
          for (const r of stmt.iterate([lastId, pageSize])) {
            rows++;
            lastId = r._id as number;
            const m = this.toMessage(r as Record<string, SQLiteValue>, ours);
            if (m) batch.push(m);
          }
        } catch (err) {
          throw withFileName(this.path, err);
        }
        if (batch.length) yield batch;
        if (rows < pageSize) break;
      }
    } finally {
      finalizeQuietly(stmt);
    }
  }

  private toMessage(r: Record<string, SQLiteValue>, ours: boolean): SessionMessage | undefined {
    const id = r._id as number;
    const topic = r.topic;
    const timestamp = r.timestamp;
    if (typeof topic !== 'string' || topic === '') {
      this.problems.add(id, 'column "topic": empty or not text');
      return undefined;
    }
    if (typeof timestamp !== 'string') {
      this.problems.add(id, 'column "timestamp": not text');
      return undefined;
    }
    const tsMs = ours ? (r.ts_ms as number) : parseTimestamp(timestamp, this.naive);
    if (!Number.isFinite(tsMs)) {
      this.problems.add(id, `column "timestamp": not an ISO 8601 time: ${timestamp.slice(0, 40)}`);
      return undefined;
    }
    if (!isValidTimeMs(tsMs)) {
      this.problems.add(id, `column "timestamp": out of range (before year 0 or after year 275760): ${timestamp.slice(0, 40)}`);
      return undefined;
    }
    const raw = r.payload;
    // Our index keeps text holding a NUL as UTF-8 bytes (see SessionDbWriter): text again.
    const textBytes = ours && raw instanceof Uint8Array && r.payload_encoding === 'utf8';
    // The legacy table allows NULL payloads: an empty message.
    const payload = raw === null ? '' : raw instanceof Uint8Array ? Buffer.from(raw).toString(textBytes ? 'utf8' : 'base64') : String(raw);
    const m: SessionMessage = { topic, payload, payloadEncoding: raw instanceof Uint8Array && !textBytes ? 'base64' : 'utf8', timestamp, tsMs, source: id };
    const deep = typeof raw === 'string' ? deepJsonReason(raw) : undefined;
    if (deep) this.problems.add(id, `column "payload": ${deep}, kept as text`);
    if (this.columns.has('qos')) {
      const q = r.qos;
      if (q === 0 || q === 1 || q === 2) m.qos = q as QoS;
    }
    if (this.columns.has('retain')) {
      const v = r.retain;
      if (v !== null && v !== undefined) m.retain = v === 1 || v === '1' || v === 'true' || v === 'True';
    }
    if (ours) {
      if (r.payload_encoding === 'base64') m.payloadEncoding = 'base64';
      const props = r.props;
      if (typeof props === 'string') {
        const deepProps = deepJsonReason(props);
        if (deepProps) this.problems.add(id, `column "props": ${deepProps}, left out`);
        else m.props = parseJsonOr(props) as Record<string, unknown>;
      }
    }
    return m;
  }
}

/** Every error of a `.db` names the file: SQLite says only "database disk image is malformed". */
export function withFileName(path: string, err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(path) ? (err as Error) : new Error(`${path}: ${message}`);
}

/** JSON, or the text itself when it is not JSON or too deep for the recursive walks after it. */
function parseJsonOr(text: string): unknown {
  if (deepJsonReason(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
