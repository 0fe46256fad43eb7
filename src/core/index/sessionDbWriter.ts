import { rename, rm, writeFile } from 'node:fs/promises';
import type { Database, Statement } from 'sql.js';
import type { Problem, SessionMessage, SessionRecord } from '../session/sessionMessage';
import { CREATE_INDEXES, CREATE_MESSAGES, CREATE_SUMMARIES, INDEX_SCHEMA, INSERT_FTS, INSERT_MESSAGE, META_KEYS, TIMELINE_BUCKETS } from './indexSchema';
import { loadSqlJs } from './sqlJs';

export interface IndexInfo {
  meta?: Record<string, unknown>;
  records?: readonly SessionRecord[];
  problems?: readonly Problem[];
  index?: Record<string, unknown>;
}

/**
 * Writes a session into a new `.db` in our layout: rows in one transaction, then the
 * indexes and FTS4 in one pass, then the file atomically (temp file, rename).
 */
export class SessionDbWriter {
  private insert: Statement;
  private insertFts: Statement;
  private topics = new Map<string, { count: number; bytes: number; first: number; last: number }>();
  messages = 0;
  startMs = Number.POSITIVE_INFINITY;
  endMs = Number.NEGATIVE_INFINITY;

  private constructor(private readonly db: Database) {
    db.run('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;');
    db.run(CREATE_MESSAGES);
    db.run('BEGIN');
    this.insert = db.prepare(INSERT_MESSAGE);
    this.insertFts = db.prepare(INSERT_FTS);
  }

  static async create(): Promise<SessionDbWriter> {
    const SQL = await loadSqlJs();
    return new SessionDbWriter(new SQL.Database());
  }

  add(messages: readonly SessionMessage[]): void {
    const stmt = this.insert;
    const fts = this.insertFts;
    let id = this.messages;
    for (const m of messages) {
      id++;
      const binary = m.payloadEncoding === 'base64';
      const size = binary ? Math.floor((m.payload.length * 3) / 4) - paddingOf(m.payload) : Buffer.byteLength(m.payload, 'utf8');
      stmt.run([
        id,
        m.topic,
        m.payload,
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
      const t = this.topics.get(m.topic);
      if (!t) this.topics.set(m.topic, { count: 1, bytes: size, first: m.tsMs, last: m.tsMs });
      else {
        t.count++;
        t.bytes += size;
        if (m.tsMs < t.first) t.first = m.tsMs;
        if (m.tsMs > t.last) t.last = m.tsMs;
      }
      if (m.tsMs < this.startMs) this.startMs = m.tsMs;
      if (m.tsMs > this.endMs) this.endMs = m.tsMs;
    }
    this.messages += messages.length;
  }

  get topicCount(): number {
    return this.topics.size;
  }

  /** Builds indexes and FTS, stores meta, events and problems, and writes `dbPath` atomically. */
  async finish(dbPath: string, info: IndexInfo): Promise<void> {
    const db = this.complete(info);
    try {
      await writeFileAtomic(dbPath, db.export());
    } finally {
      db.close();
    }
  }

  /** Like `finish`, but the database stays open in memory and is the caller's to close. */
  complete(info: IndexInfo): Database {
    const db = this.db;
    try {
      this.insert.free();
      this.insertFts.free();
      const putMeta = db.prepare('INSERT OR REPLACE INTO session_meta(key, value) VALUES (?, ?)');
      for (const [key, value] of Object.entries(info.meta ?? {})) if (key !== '_kind') putMeta.run([key, JSON.stringify(value)]);
      const bucketMs = this.messages ? Math.max(1, Math.ceil((this.endMs - this.startMs) / TIMELINE_BUCKETS)) : 1;
      const index: Record<string, unknown> = {
        [META_KEYS.schema]: INDEX_SCHEMA,
        [META_KEYS.builtAt]: new Date().toISOString(),
        [META_KEYS.bucketMs]: bucketMs,
        [META_KEYS.bucketOriginMs]: this.messages ? this.startMs : 0,
        ...info.index,
      };
      for (const [key, value] of Object.entries(index)) if (value !== undefined) putMeta.run([key, JSON.stringify(value)]);
      putMeta.free();
      const putEvent = db.prepare('INSERT INTO session_events(line, kind, data) VALUES (?, ?, ?)');
      for (const r of info.records ?? []) if (r.kind !== 'session_meta') putEvent.run([r.line, r.kind, JSON.stringify(r.data)]);
      putEvent.free();
      const putProblem = db.prepare('INSERT INTO session_problems(line, reason) VALUES (?, ?)');
      for (const p of info.problems ?? []) putProblem.run([p.line, p.reason]);
      putProblem.free();
      this.writeSummaries(index);
      db.run('COMMIT');
      db.run(CREATE_INDEXES);
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Per-topic figures from what `add` counted; the buckets in one grouped pass over the rows. */
  private writeSummaries(index: Record<string, unknown>): void {
    const db = this.db;
    db.run(CREATE_SUMMARIES);
    const put = db.prepare('INSERT INTO topic_stats(topic, count, bytes, first_ms, last_ms) VALUES (?, ?, ?, ?, ?)');
    for (const [topic, t] of this.topics) put.run([topic, t.count, t.bytes, t.first, t.last]);
    put.free();
    db.run(
      `INSERT INTO timeline_buckets(topic, bucket, count, first_id)
       SELECT topic, CAST((ts_ms - ?) / ? AS INTEGER), COUNT(*), MIN(id) FROM mqtt_messages GROUP BY 1, 2`,
      [index[META_KEYS.bucketOriginMs] as number, index[META_KEYS.bucketMs] as number],
    );
  }

  abort(): void {
    try {
      this.insert.free();
      this.insertFts.free();
    } catch {
      /* already freed */
    }
    this.db.close();
  }
}

function paddingOf(b64: string): number {
  return b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
}

/** Temp file beside the target, then rename: a reader never sees half a file. */
export async function writeFileAtomic(target: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    await writeFile(tmp, bytes, { flag: 'wx' });
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
