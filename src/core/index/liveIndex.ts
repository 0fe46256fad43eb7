import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Statement } from 'node-sqlite3-wasm';
import { type Database, createDatabaseFile, finalizeQuietly, openDatabaseFile, queryAll } from '../db/sqlite';
import { readLogLine } from '../session/logReader';
import { isValidUtf8 } from '../session/sessionMessage';
import type { NaiveTimeZone } from '../session/timestamps';
import type { IndexBuildResult } from './indexBuilder';
import { CREATE_INDEXES, CREATE_MESSAGES, CREATE_SUMMARIES, INDEX_SCHEMA, INSERT_FTS, INSERT_MESSAGE, META_KEYS, TIMELINE_BUCKETS } from './indexSchema';
import { RowTally, type TopicTally } from './rowTally';
import { insertMessageRow } from './sessionDbWriter';
import { OrderCacheFeed } from '../analysis/orders/orderCache';

/** Meta key: the index is being written as its `.log` grows (a recording in progress). */
export const LIVE_KEY = 'index.live';
/** The first bucket width; it doubles whenever a topic would pass 2 × TIMELINE_BUCKETS buckets. */
const FIRST_BUCKET_MS = 100;
const MAX_EVENTS = 10_000;
const CHUNK = 1 << 20;

/**
 * The index of a `.log` that is still being written (DESIGN's recording, issue 16): each
 * `catchUp()` reads the complete lines added since the last one and appends them in one
 * transaction, with `topic_stats`, `timeline_buckets` and the offset read so far kept
 * current, so the session can be summarised, searched and drawn while it records. The
 * `.log` stays the record: the index can always be finished, or rebuilt, from it.
 * Buckets start 100 ms wide and double (pairs merged) as the session grows, so there are
 * between 4,000 and 8,000 over the session, as a bulk build has about 4,000.
 */
export class LiveIndexer {
  private readonly insert: Statement;
  private readonly insertFts: Statement;
  private readonly putMeta: Statement;
  private readonly putTopic: Statement;
  private readonly putBucket: Statement;
  private offset: number;
  private lines: number;
  private messages: number;
  private problems: number;
  private events: number;
  private bucketMs: number;
  private originMs: number | undefined;
  private readonly tally: RowTally;
  private readonly t0 = performance.now();
  /** Where the index took up an earlier one's work (recovery), in lines of the `.log`. */
  readonly resumedAtLine: number;
  /** Order summaries, when this indexer sees the session from its first line (not after recovery). */
  private readonly orders: OrderCacheFeed | undefined;

  private constructor(
    private readonly db: Database,
    readonly logPath: string,
    readonly dbPath: string,
    private readonly naive: NaiveTimeZone,
  ) {
    const meta = (key: string): unknown => {
      const row = db.get('SELECT value FROM session_meta WHERE key = ?', [key]);
      return row ? JSON.parse(String(row.value)) : undefined;
    };
    this.offset = Number(meta(META_KEYS.sourceSize) ?? 0);
    this.lines = Number(meta(META_KEYS.lines) ?? 0);
    this.problems = Number(meta(META_KEYS.problems) ?? 0);
    this.bucketMs = Number(meta(META_KEYS.bucketMs) ?? FIRST_BUCKET_MS);
    const origin = meta(META_KEYS.bucketOriginMs);
    this.originMs = typeof origin === 'number' && origin !== 0 ? origin : undefined;
    const counts = db.get('SELECT COUNT(*) AS n, MAX(id) AS last, MIN(ts_ms) AS a, MAX(ts_ms) AS b FROM mqtt_messages') as { n: number; last: number | null; a: number | null; b: number | null };
    this.messages = counts.last ?? 0;
    this.tally = new RowTally({ startMs: counts.a, endMs: counts.b, timeOrdered: meta(META_KEYS.timeOrdered) !== false });
    this.events = Number((db.get('SELECT COUNT(*) AS n FROM session_events') as { n: number }).n);
    this.resumedAtLine = this.lines;
    this.orders = this.lines === 0 ? new OrderCacheFeed() : undefined;
    this.insert = db.prepare(INSERT_MESSAGE);
    this.insertFts = db.prepare(INSERT_FTS);
    this.putMeta = db.prepare('INSERT OR REPLACE INTO session_meta(key, value) VALUES (?, ?)');
    // Prepared once: preparing them for every row was a quarter of the indexer's time.
    this.putTopic = db.prepare(`INSERT INTO topic_stats(topic, count, bytes, first_ms, last_ms) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(topic) DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes, first_ms = MIN(first_ms, excluded.first_ms), last_ms = MAX(last_ms, excluded.last_ms)`);
    this.putBucket = db.prepare(`INSERT INTO timeline_buckets(topic, bucket, count, first_id) VALUES (?, ?, ?, ?)
      ON CONFLICT(topic, bucket) DO UPDATE SET count = count + excluded.count, first_id = MIN(first_id, excluded.first_id)`);
  }

  /** A new live index at `dbPath` (which must not exist yet). */
  static create(logPath: string, dbPath: string, naive: NaiveTimeZone = 'utc'): LiveIndexer {
    const db = createDatabaseFile(dbPath);
    // Written in place while others read it: a rollback journal keeps it whole through a crash.
    db.exec('PRAGMA page_size = 16384; PRAGMA cache_size = -16384;');
    db.exec('BEGIN');
    db.exec(CREATE_MESSAGES);
    db.exec(CREATE_INDEXES);
    db.exec(CREATE_SUMMARIES);
    const put = db.prepare('INSERT INTO session_meta(key, value) VALUES (?, ?)');
    for (const [k, v] of Object.entries({ [META_KEYS.schema]: INDEX_SCHEMA, [META_KEYS.sourceLog]: path.basename(logPath), [META_KEYS.sourceSize]: 0, [META_KEYS.lines]: 0, [LIVE_KEY]: true, [META_KEYS.bucketMs]: FIRST_BUCKET_MS }))
      put.run([k, JSON.stringify(v)]);
    put.finalize();
    db.exec('COMMIT');
    return new LiveIndexer(db, logPath, dbPath, naive);
  }

  /** A live index left by a recorder that stopped (a crash): taken up where it stopped. */
  static resume(logPath: string, dbPath: string, naive: NaiveTimeZone = 'utc'): LiveIndexer {
    const db = openDatabaseFile(dbPath, { readOnly: false });
    const live = db.get('SELECT value FROM session_meta WHERE key = ?', [LIVE_KEY]);
    const schema = db.get('SELECT value FROM session_meta WHERE key = ?', [META_KEYS.schema]);
    if (live?.value !== 'true' || Number(schema?.value) !== INDEX_SCHEMA) {
      db.close();
      throw new Error(`${dbPath}: not a live index of this layout`);
    }
    return new LiveIndexer(db, logPath, dbPath, naive);
  }

  /** Bytes of the `.log` indexed so far. */
  get bytesIndexed(): number {
    return this.offset;
  }

  get messageCount(): number {
    return this.messages;
  }

  /** Indexes the complete lines added since the last call, in one transaction; returns how many messages. */
  catchUp(): number {
    const fd = openSync(this.logPath, 'r');
    let added = 0;
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return 0;
      this.db.exec('BEGIN');
      try {
        let pos = this.offset;
        let carry: Buffer = Buffer.alloc(0);
        const buckets = new Map<string, { count: number; first: number }>();
        while (pos < size) {
          const buf = Buffer.alloc(Math.min(CHUNK, size - pos));
          const n = readSync(fd, buf, 0, buf.length, pos);
          if (n <= 0) break;
          pos += n;
          const bytes = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
          const last = bytes.lastIndexOf(10);
          if (last === -1) {
            carry = bytes;
            continue;
          }
          added += this.takeLines(bytes.subarray(0, last + 1), buckets);
          carry = bytes.subarray(last + 1);
          this.offset = pos - carry.length;
        }
        this.writeSummaries(this.tally.takeTopics(), buckets);
        this.saveProgress();
        this.db.exec('COMMIT');
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      closeSync(fd);
    }
    return added;
  }

  private takeLines(bytes: Buffer, buckets: Map<string, { count: number; first: number }>): number {
    let added = 0;
    let start = 0;
    const valid = isValidUtf8(bytes);
    const text = valid ? bytes.toString('utf8') : '';
    for (;;) {
      const nl = valid ? text.indexOf('\n', start) : bytes.indexOf(10, start);
      if (nl === -1) break;
      const line = valid ? text.slice(start, nl) : bytes.subarray(start, nl).toString('utf8');
      const badUtf8 = !valid && !isValidUtf8(bytes.subarray(start, nl));
      start = nl + 1;
      this.lines++;
      const r = readLogLine(line, this.lines, this.naive, { first: this.lines === 1, badUtf8 });
      if (r.type === 'blank') continue;
      if (r.problem) this.problem(r.problem);
      if (r.type === 'problem') continue;
      if (r.type === 'record') {
        const { kind, data } = r.record;
        if (kind === 'session_meta') {
          for (const [key, value] of Object.entries(data)) if (key !== '_kind') this.putMeta.run([key, JSON.stringify(value) ?? 'null']);
        } else if (this.events < MAX_EVENTS) {
          this.db.run('INSERT INTO session_events(line, kind, data) VALUES (?, ?, ?)', [this.lines, kind, JSON.stringify(data)]);
          this.events++;
        }
        if (kind === 'session_end') this.putMeta.run([META_KEYS.sessionEnd, JSON.stringify(data)]);
        continue;
      }
      const m = r.message;
      const id = ++this.messages;
      this.tally.add(m.topic, insertMessageRow(this.insert, this.insertFts, id, m), m.tsMs);
      this.orders?.add(id, m);
      added++;
      // A margin before the first message: one that arrives a little out of order still has a bucket.
      this.originMs ??= m.tsMs - 1000;
      this.widenBucketsFor(m.tsMs, buckets);
      const key = `${m.topic}\u0000${Math.max(0, Math.floor((m.tsMs - this.originMs) / this.bucketMs))}`;
      const b = buckets.get(key);
      if (b) b.count++;
      else buckets.set(key, { count: 1, first: id });
    }
    return added;
  }

  /** Doubles the bucket width (merging pairs, written and pending) until the session fits 2 × TIMELINE_BUCKETS. */
  private widenBucketsFor(tsMs: number, pending: Map<string, { count: number; first: number }>): void {
    const origin = this.originMs as number;
    while ((tsMs - origin) / this.bucketMs >= 2 * TIMELINE_BUCKETS) {
      this.bucketMs *= 2;
      this.db.exec(`CREATE TEMP TABLE merged AS SELECT topic, bucket / 2 AS bucket, SUM(count) AS count, MIN(first_id) AS first_id FROM timeline_buckets GROUP BY topic, bucket / 2;
        DELETE FROM timeline_buckets; INSERT INTO timeline_buckets SELECT topic, bucket, count, first_id FROM merged; DROP TABLE merged;`);
      const halved = new Map<string, { count: number; first: number }>();
      for (const [key, v] of pending) {
        const sep = key.lastIndexOf('\u0000');
        const k = `${key.slice(0, sep)}\u0000${Math.floor(Number(key.slice(sep + 1)) / 2)}`;
        const h = halved.get(k);
        if (h) {
          h.count += v.count;
          h.first = Math.min(h.first, v.first);
        } else halved.set(k, { ...v });
      }
      pending.clear();
      for (const [k, v] of halved) pending.set(k, v);
    }
  }

  private writeSummaries(topics: Map<string, TopicTally>, buckets: Map<string, { count: number; first: number }>): void {
    for (const [topic, t] of topics) this.putTopic.run([topic, t.count, t.bytes, t.first, t.last]);
    for (const [key, b] of buckets) {
      const sep = key.lastIndexOf('\u0000');
      this.putBucket.run([key.slice(0, sep), Number(key.slice(sep + 1)), b.count, b.first]);
    }
  }

  private problem(reason: string): void {
    this.db.run('INSERT INTO session_problems(line, reason) VALUES (?, ?)', [this.lines, reason]);
    this.problems++;
  }

  private saveProgress(): void {
    const values: Record<string, unknown> = {
      [META_KEYS.sourceSize]: this.offset,
      [META_KEYS.lines]: this.lines,
      [META_KEYS.problems]: this.problems,
      [META_KEYS.bucketMs]: this.bucketMs,
      [META_KEYS.bucketOriginMs]: this.originMs ?? 0,
      [META_KEYS.timeOrdered]: this.tally.timeOrdered,
    };
    for (const [k, v] of Object.entries(values)) this.putMeta.run([k, JSON.stringify(v)]);
  }

  /**
   * The `.log` is complete (closed with its `session_end`): the last lines, then the index
   * is marked current for the file as it is now, and closed.
   */
  finish(): IndexBuildResult {
    this.catchUp();
    const st = statSync(this.logPath);
    this.db.exec('BEGIN');
    this.saveProgress();
    for (const [k, v] of Object.entries({ [META_KEYS.sourceMtimeMs]: st.mtimeMs, [META_KEYS.builtAt]: new Date().toISOString(), [LIVE_KEY]: false })) this.putMeta.run([k, JSON.stringify(v)]);
    this.orders?.write(this.db);
    this.db.exec('COMMIT');
    const topics = queryAll<{ n: number }>(this.db, 'SELECT COUNT(*) AS n FROM topic_stats')[0].n;
    this.close();
    return {
      dbPath: this.dbPath,
      messages: this.messages,
      topics,
      problems: this.problems,
      lines: this.lines,
      startMs: this.messages ? this.tally.startMs : null,
      endMs: this.messages ? this.tally.endMs : null,
      elapsedMs: performance.now() - this.t0,
    };
  }

  close(): void {
    finalizeQuietly(this.insert);
    finalizeQuietly(this.insertFts);
    finalizeQuietly(this.putMeta);
    finalizeQuietly(this.putTopic);
    finalizeQuietly(this.putBucket);
    if (this.db.isOpen) this.db.close();
  }
}
