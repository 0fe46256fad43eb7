import { type Database, queryAll, tableExists } from '../db/sqlite';

export interface TopicTotals {
  topic: string;
  count: number;
  bytes: number;
  firstMs: number;
  lastMs: number;
}

/**
 * Each topic's count, payload bytes and first and last time in our index: from
 * `topic_stats` (one row a topic, written with the index) when it has it, else one
 * grouped query over the messages (an index of layout 1 opened on its own).
 */
export function topicTotals(db: Database): TopicTotals[] {
  return queryAll<TopicTotals>(
    db,
    tableExists(db, 'topic_stats')
      ? 'SELECT topic, count, bytes, first_ms AS firstMs, last_ms AS lastMs FROM topic_stats'
      : 'SELECT topic, COUNT(*) AS count, TOTAL(payload_size) AS bytes, MIN(ts_ms) AS firstMs, MAX(ts_ms) AS lastMs FROM mqtt_messages GROUP BY topic',
  );
}
