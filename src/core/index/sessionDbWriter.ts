import { rename, rm } from 'node:fs/promises';
import type { Statement } from 'node-sqlite3-wasm';
import { type Database, createDatabaseFile, queryRows } from '../db/sqlite';
import type { Problem, SessionMessage, SessionRecord } from '../session/sessionMessage';
import { OrderCacheFeed } from '../analysis/orders/orderCache';
import { RowTally } from './rowTally';
import { CREATE_INDEXES, CREATE_MESSAGES, CREATE_SUMMARIES, INDEX_SCHEMA, INSERT_FTS, INSERT_MESSAGE, META_KEYS, TIMELINE_BUCKETS } from './indexSchema';

export interface IndexInfo {
  meta?: Record<string, unknown>;
  records?: readonly SessionRecord[];
  problems?: readonly Problem[];
  index?: Record<string, unknown>;
}

/** A transaction is committed after about this long: no lock or journal grows with the session. */
const COMMIT_EVERY_MS = 1000;

/**
 * Writes a session into a new `.db` in our layout, page by page on disk (memory stays
 * flat at any length): rows and FTS5 in transactions of about a second, then the
 * indexes and summaries, into a temp file beside the target that is renamed at the end
 * (a reader never sees half an index).
 */
export class SessionDbWriter {
  private insert: Statement;
  private insertFts: Statement;
  private readonly tally = new RowTally();
  private readonly orders = new OrderCacheFeed();
  private txStartedAt = 0;
  messages = 0;

  get startMs(): number {
    return this.tally.startMs;
  }

  get endMs(): number {
    return this.tally.endMs;
  }

  private constructor(private readonly db: Database, readonly file: string) {
    // A temp file renamed at the end: a crash leaves only the temp file, so no journal is needed.
    // 16 KiB pages: a quarter of the file-system calls through the engine's layer for the
    // scans of analysis (rows of ~300 bytes).
    db.exec('PRAGMA page_size = 16384; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -32768;');
    db.exec(CREATE_MESSAGES);
    // The indexes from the first row, not built at the end: this engine keeps every sort
    // in memory (TEMP_STORE=3), and a CREATE INDEX over all rows took the build's memory
    // with the session (1 GiB at 10M messages).
    db.exec(CREATE_INDEXES);
    this.insert = db.prepare(INSERT_MESSAGE);
    this.insertFts = db.prepare(INSERT_FTS);
  }

  /** A writer into a temp file beside `target` (or into `file` itself with `inPlace`). */
  static async create(target: string): Promise<SessionDbWriter> {
    const tmp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    return new SessionDbWriter(createDatabaseFile(tmp), tmp);
  }

  private begin(): void {
    if (this.db.inTransaction) {
      if (performance.now() - this.txStartedAt < COMMIT_EVERY_MS) return;
      this.db.exec('COMMIT');
    }
    this.db.exec('BEGIN');
    this.txStartedAt = performance.now();
  }

  add(messages: readonly SessionMessage[]): void {
    this.begin();
    const stmt = this.insert;
    const fts = this.insertFts;
    let id = this.messages;
    for (const m of messages) {
      id++;
      this.tally.add(m.topic, insertMessageRow(stmt, fts, id, m), m.tsMs);
      this.orders.add(id, m);
    }
    this.messages += messages.length;
  }

  get topicCount(): number {
    return this.tally.topics.size;
  }

  /** Stores meta, events and problems, builds indexes and summaries, and puts the file at `dbPath`. */
  async finish(dbPath: string, info: IndexInfo): Promise<void> {
    try {
      this.complete(info);
    } catch (err) {
      await rm(this.file, { force: true });
      throw err;
    }
    this.db.close();
    try {
      // A rollback journal left beside the old index (its writer was killed) would be
      // played into the new file on its first open: it belongs to the file being replaced.
      await rm(`${dbPath}-journal`, { force: true });
      await rename(this.file, dbPath);
    } catch (err) {
      await rm(this.file, { force: true });
      throw err;
    }
  }

  /**
   * Like `finish`, but the database stays open where it was written (its temp file) and
   * is the caller's: `close()` closes it and removes the file.
   */
  completeInPlace(info: IndexInfo): { db: Database; file: string; close: () => void } {
    try {
      this.complete(info);
    } catch (err) {
      void rm(this.file, { force: true });
      throw err;
    }
    const file = this.file;
    return {
      db: this.db,
      file,
      close: () => {
        this.db.close();
        void rm(file, { force: true });
      },
    };
  }

  private complete(info: IndexInfo): void {
    const db = this.db;
    try {
      this.insert.finalize();
      this.insertFts.finalize();
      if (!db.inTransaction) db.exec('BEGIN');
      const putMeta = db.prepare('INSERT OR REPLACE INTO session_meta(key, value) VALUES (?, ?)');
      for (const [key, value] of Object.entries(info.meta ?? {})) if (key !== '_kind') putMeta.run([key, JSON.stringify(value) ?? 'null']);
      const bucketMs = this.messages ? Math.max(1, Math.ceil((this.endMs - this.startMs) / TIMELINE_BUCKETS)) : 1;
      const index: Record<string, unknown> = {
        [META_KEYS.schema]: INDEX_SCHEMA,
        [META_KEYS.builtAt]: new Date().toISOString(),
        [META_KEYS.bucketMs]: bucketMs,
        [META_KEYS.bucketOriginMs]: this.messages ? this.startMs : 0,
        [META_KEYS.timeOrdered]: this.tally.timeOrdered,
        ...info.index,
      };
      for (const [key, value] of Object.entries(index)) if (value !== undefined) putMeta.run([key, JSON.stringify(value)]);
      putMeta.finalize();
      const putEvent = db.prepare('INSERT INTO session_events(line, kind, data) VALUES (?, ?, ?)');
      for (const r of info.records ?? []) if (r.kind !== 'session_meta') putEvent.run([r.line, r.kind, JSON.stringify(r.data)]);
      putEvent.finalize();
      const putProblem = db.prepare('INSERT INTO session_problems(line, reason) VALUES (?, ?)');
      for (const p of info.problems ?? []) putProblem.run([p.line, p.reason]);
      putProblem.finalize();
      db.exec('COMMIT');
      this.writeSummaries(index);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Per-topic figures and order summaries from what `add` gathered; the buckets from one walk of the (topic, time) index. */
  private writeSummaries(index: Record<string, unknown>): void {
    const db = this.db;
    db.exec('BEGIN');
    db.exec(CREATE_SUMMARIES);
    const put = db.prepare('INSERT INTO topic_stats(topic, count, bytes, first_ms, last_ms) VALUES (?, ?, ?, ?, ?)');
    for (const [topic, t] of this.tally.topics) put.run([topic, t.count, t.bytes, t.first, t.last]);
    put.finalize();
    // The buckets from one walk of the (topic, time) index, in its order: a GROUP BY on
    // the computed bucket would sort every row (in memory, see above).
    const origin = index[META_KEYS.bucketOriginMs] as number;
    const width = index[META_KEYS.bucketMs] as number;
    const putBucket = db.prepare('INSERT INTO timeline_buckets(topic, bucket, count, first_id) VALUES (?, ?, ?, ?)');
    let cur: { topic: string; bucket: number; count: number; first: number } | undefined;
    const flush = (): void => {
      if (cur) putBucket.run([cur.topic, cur.bucket, cur.count, cur.first]);
    };
    for (const r of queryRows<{ topic: string; ts_ms: number; id: number }>(db, 'SELECT topic, ts_ms, id FROM mqtt_messages INDEXED BY idx_mqtt_messages_topic_ts ORDER BY topic, ts_ms')) {
      const bucket = Math.trunc((r.ts_ms - origin) / width);
      if (cur && cur.topic === r.topic && cur.bucket === bucket) {
        cur.count++;
        if (r.id < cur.first) cur.first = r.id;
      } else {
        flush();
        cur = { topic: r.topic, bucket, count: 1, first: r.id };
      }
    }
    flush();
    putBucket.finalize();
    this.orders.write(db);
    db.exec('COMMIT');
  }

  /** Gives up: closes and removes the temp file. */
  async abort(): Promise<void> {
    try {
      this.insert.finalize();
      this.insertFts.finalize();
    } catch {
      /* already finalized */
    }
    try {
      this.db.close();
    } catch {
      /* already closed */
    }
    await rm(this.file, { force: true });
  }
}

/** One message into `mqtt_messages` and its FTS5 row; returns its payload size in bytes. */
export function insertMessageRow(stmt: Statement, fts: Statement, id: number, m: SessionMessage): number {
  const binary = m.payloadEncoding === 'base64';
  const size = binary ? Math.floor((m.payload.length * 3) / 4) - paddingOf(m.payload) : Buffer.byteLength(m.payload, 'utf8');
  stmt.run([
    id,
    m.topic,
    // The engine passes text to SQLite NUL-terminated: text holding a NUL goes in as its UTF-8 bytes.
    !binary && m.payload.includes('\u0000') ? Buffer.from(m.payload, 'utf8') : m.payload,
    m.timestamp,
    m.tsMs,
    m.qos ?? 0,
    m.retain ? 1 : 0,
    m.payloadEncoding,
    size,
    m.props ? JSON.stringify(m.props) : null,
    m.source ?? null,
  ]);
  fts.run([id, m.topic, binary ? '' : m.payload]);
  return size;
}

function paddingOf(b64: string): number {
  return b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
}
