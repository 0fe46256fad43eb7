/**
 * Version of our index layout; an index with another version is rebuilt. 3: written in
 * place by node-sqlite3-wasm with FTS5 (2 was sql.js's, with FTS4, which this build lacks).
 */
export const INDEX_SCHEMA = 3;

/**
 * The old recorder's four columns come first, in its order, so that its queries
 * (`SELECT topic, payload, timestamp FROM mqtt_messages ORDER BY timestamp`) keep working.
 */
export const CREATE_MESSAGES = `
CREATE TABLE mqtt_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  payload TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  ts_ms REAL NOT NULL,
  qos INTEGER NOT NULL DEFAULT 0,
  retain INTEGER NOT NULL DEFAULT 0,
  payload_encoding TEXT NOT NULL DEFAULT 'utf8',
  payload_size INTEGER NOT NULL DEFAULT 0,
  props TEXT,
  source_line INTEGER
);
CREATE VIRTUAL TABLE mqtt_messages_fts USING fts5(topic, payload, content='mqtt_messages', content_rowid='id');
CREATE TABLE session_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE session_events (id INTEGER PRIMARY KEY, line INTEGER, kind TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE session_problems (line INTEGER NOT NULL, reason TEXT NOT NULL);
`;

/**
 * Built after the bulk insert: cheaper than maintaining them row by row. The time index
 * carries the topic, so a time range with a topic filter is answered from the index alone.
 */
export const CREATE_INDEXES = `
CREATE INDEX idx_mqtt_messages_ts ON mqtt_messages(ts_ms, topic);
CREATE INDEX idx_mqtt_messages_topic_ts ON mqtt_messages(topic, ts_ms);
`;

/**
 * Summaries kept with the index (schema 2) so that analysis does not scan a million rows:
 * per-topic figures, and per-topic counts in fixed time buckets (about 4000 over the
 * session) from which wide timelines are drawn.
 */
export const CREATE_SUMMARIES = `
CREATE TABLE topic_stats (topic TEXT PRIMARY KEY, count INTEGER NOT NULL, bytes INTEGER NOT NULL, first_ms REAL NOT NULL, last_ms REAL NOT NULL);
CREATE TABLE timeline_buckets (topic TEXT NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL, first_id INTEGER NOT NULL, PRIMARY KEY (topic, bucket)) WITHOUT ROWID;
`;

export const TIMELINE_BUCKETS = 4000;

export const INSERT_MESSAGE = `INSERT INTO mqtt_messages
  (id, topic, payload, timestamp, ts_ms, qos, retain, payload_encoding, payload_size, props, source_line)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * FTS rows go in with the message rows, not by a 'rebuild' afterwards: the pages that
 * FTS merges free are then reused by later rows. Binary payloads are indexed by topic
 * only: base64 text is noise to a word search.
 */
export const INSERT_FTS = 'INSERT INTO mqtt_messages_fts(rowid, topic, payload) VALUES (?, ?, ?)';

/** Keys of ours in `session_meta`; the session's own meta keys are stored beside them as they are. */
export const META_KEYS = {
  schema: 'index.schema',
  sourceLog: 'index.sourceLog',
  sourceSize: 'index.sourceSize',
  sourceMtimeMs: 'index.sourceMtimeMs',
  builtAt: 'index.builtAt',
  problems: 'index.problems',
  lines: 'index.lines',
  sessionEnd: 'index.sessionEnd',
  /** Width and origin of `timeline_buckets` (ms). */
  bucketMs: 'index.bucketMs',
  bucketOriginMs: 'index.bucketOriginMs',
  /** True when ids run in time order (ts_ms never falls): search can then walk FTS5 by rowid. */
  timeOrdered: 'index.timeOrdered',
} as const;
