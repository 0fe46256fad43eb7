/** Version of our index layout; an index with another version is rebuilt. */
export const INDEX_SCHEMA = 1;

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
CREATE VIRTUAL TABLE mqtt_messages_fts USING fts4(content="mqtt_messages", topic, payload);
CREATE TABLE session_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE session_events (id INTEGER PRIMARY KEY, line INTEGER, kind TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE session_problems (line INTEGER NOT NULL, reason TEXT NOT NULL);
`;

/** Built after the bulk insert: cheaper than maintaining them row by row. */
export const CREATE_INDEXES = `
CREATE INDEX idx_mqtt_messages_ts ON mqtt_messages(ts_ms);
CREATE INDEX idx_mqtt_messages_topic_ts ON mqtt_messages(topic, ts_ms);
`;

export const INSERT_MESSAGE = `INSERT INTO mqtt_messages
  (id, topic, payload, timestamp, ts_ms, qos, retain, payload_encoding, payload_size, props, source_line)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * FTS rows go in with the message rows, not by a 'rebuild' afterwards: the pages that
 * FTS merges free are then reused by later rows, so the file is ~15 % smaller and the
 * in-memory build peaks lower (measured in BENCHMARKS.md). Binary payloads are indexed
 * by topic only: base64 text is noise to a word search.
 */
export const INSERT_FTS = 'INSERT INTO mqtt_messages_fts(docid, topic, payload) VALUES (?, ?, ?)';

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
} as const;
