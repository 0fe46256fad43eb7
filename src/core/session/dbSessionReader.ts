import type { Database } from 'sql.js';
import { META_KEYS } from '../index/indexSchema';
import { openDatabaseFile, queryAll, tableColumns, tableExists } from '../index/sqlJs';
import { ProblemList } from './problemList';
import type { SessionFormat } from './sessionFormat';
import type { QoS, SessionMessage } from './sessionMessage';
import { type NaiveTimeZone, parseTimestamp } from './timestamps';

const REQUIRED = ['topic', 'payload', 'timestamp'];
const LEGACY_MARKERS = ['message_type', 'module_type', 'serial_number', 'session_label'];

/** Reads a session `.db` of any of the three layouts, a page of rows at a time. */
export class DbSessionReader {
  readonly problems = new ProblemList();
  readonly format: SessionFormat;
  /** The index layout version, when the file is our index. */
  readonly indexSchema: number | undefined;
  private readonly columns: Set<string>;

  private constructor(readonly path: string, readonly db: Database, private readonly naive: NaiveTimeZone) {
    if (!tableExists(db, 'mqtt_messages')) throw new Error(`${path}: no table mqtt_messages (not a session database)`);
    this.columns = new Set(tableColumns(db, 'mqtt_messages'));
    const missing = REQUIRED.filter((c) => !this.columns.has(c));
    if (missing.length) throw new Error(`${path}: table mqtt_messages lacks column ${missing.join(', ')}`);
    const schema = this.readIndexMeta(META_KEYS.schema);
    this.indexSchema = typeof schema === 'number' ? schema : undefined;
    // Ours of any schema version: an older one is stale (rebuilt), not an old tool's file.
    this.format = this.indexSchema !== undefined && this.columns.has('ts_ms')
      ? 'db-index'
      : LEGACY_MARKERS.some((c) => this.columns.has(c)) ? 'db-legacy' : 'db-recorder';
  }

  static async open(path: string, naive: NaiveTimeZone = 'utc'): Promise<DbSessionReader> {
    const db = await openDatabaseFile(path);
    try {
      return new DbSessionReader(path, db, naive);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  close(): void {
    this.db.close();
  }

  /** The session's own meta keys (not ours), from `session_meta`, when the table exists. */
  meta(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (!tableExists(this.db, 'session_meta')) return out;
    for (const row of queryAll<{ key: string; value: string }>(this.db, 'SELECT key, value FROM session_meta')) {
      if (row.key.startsWith('index.')) continue;
      out[row.key] = parseJsonOr(row.value);
    }
    return out;
  }

  readIndexMeta(key: string): unknown {
    if (!tableExists(this.db, 'session_meta')) return undefined;
    const rows = queryAll<{ value: string }>(this.db, 'SELECT value FROM session_meta WHERE key = ?', [key]);
    return rows.length ? parseJsonOr(rows[0].value) : undefined;
  }

  async *batches(pageSize = 5000): AsyncGenerator<SessionMessage[]> {
    const ours = this.format === 'db-index';
    const cols = ['id', 'topic', 'payload', 'timestamp'];
    if (this.columns.has('qos')) cols.push('qos');
    if (this.columns.has('retain')) cols.push('retain');
    if (ours) cols.push('ts_ms', 'payload_encoding', 'props');
    const stmt = this.db.prepare(`SELECT ${cols.join(', ')} FROM mqtt_messages WHERE id > ? ORDER BY id LIMIT ?`);
    let lastId = -1;
    try {
      for (;;) {
        stmt.bind([lastId, pageSize]);
        const batch: SessionMessage[] = [];
        let rows = 0;
        while (stmt.step()) {
          rows++;
          const r = stmt.get();
          lastId = r[0] as number;
          const m = this.toMessage(r, ours);
          if (m) batch.push(m);
        }
        stmt.reset();
        if (batch.length) yield batch;
        if (rows < pageSize) break;
      }
    } finally {
      stmt.free();
    }
  }

  private toMessage(r: ReturnType<import('sql.js').Statement['get']>, ours: boolean): SessionMessage | undefined {
    const id = r[0] as number;
    const topic = r[1];
    const timestamp = r[3];
    if (typeof topic !== 'string' || topic === '') {
      this.problems.add(id, 'column "topic": empty or not text');
      return undefined;
    }
    if (typeof timestamp !== 'string') {
      this.problems.add(id, 'column "timestamp": not text');
      return undefined;
    }
    const tsMs = ours ? (r[r.length - 3] as number) : parseTimestamp(timestamp, this.naive);
    if (!Number.isFinite(tsMs)) {
      this.problems.add(id, `column "timestamp": not an ISO 8601 time: ${timestamp.slice(0, 40)}`);
      return undefined;
    }
    const raw = r[2];
    // The legacy table allows NULL payloads: an empty message.
    const payload = raw === null ? '' : raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : String(raw);
    const m: SessionMessage = { topic, payload, payloadEncoding: raw instanceof Uint8Array ? 'base64' : 'utf8', timestamp, tsMs, source: id };
    let i = 4;
    if (this.columns.has('qos')) {
      const q = r[i++];
      if (q === 0 || q === 1 || q === 2) m.qos = q as QoS;
    }
    if (this.columns.has('retain')) {
      const v = r[i++];
      if (v !== null) m.retain = v === 1 || v === '1' || v === 'true' || v === 'True';
    }
    if (ours) {
      i++; // ts_ms, read above
      if (r[i] === 'base64') m.payloadEncoding = 'base64';
      if (typeof r[i + 1] === 'string') m.props = parseJsonOr(r[i + 1] as string) as Record<string, unknown>;
    }
    return m;
  }
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
