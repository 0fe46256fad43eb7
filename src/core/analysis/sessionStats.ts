import type { Database } from '../db/sqlite';
import { topicTotals } from '../index/topicTotals';
import { formatTimestamp } from '../session/timestamps';
import { type TopicCategory, categorizeTopic, prefilterReason } from './topicCategories';

export interface TopicStats extends TopicCategory {
  topic: string;
  count: number;
  bytes: number;
  /** Messages per second over the whole session. */
  rate: number;
  first: string;
  last: string;
  firstMs: number;
  lastMs: number;
  /** Why the topic is hidden by default (DESIGN §7), if it is. */
  prefiltered?: string;
}

export interface SessionStats {
  messages: number;
  topics: number;
  bytes: number;
  start?: string;
  end?: string;
  startMs?: number;
  endMs?: number;
  durationSec: number;
  /** Most messages first. */
  perTopic: TopicStats[];
}

export interface CategoryStats {
  category: string;
  messages: number;
  topics: number;
  subcategories: { subcategory: string; messages: number; topics: number }[];
}

/**
 * Statistics over the index: from `topic_stats` when the index has it (one row a topic),
 * else one grouped query over the messages; the rest in JavaScript over the topics.
 */
export function sessionStats(db: Database): SessionStats {
  const rows = topicTotals(db);
  let messages = 0;
  let bytes = 0;
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    messages += r.count;
    bytes += r.bytes;
    if (r.firstMs < startMs) startMs = r.firstMs;
    if (r.lastMs > endMs) endMs = r.lastMs;
  }
  const empty = rows.length === 0;
  const durationSec = empty ? 0 : (endMs - startMs) / 1000;
  const perTopic = rows
    .map((r): TopicStats => ({
      topic: r.topic,
      ...categorizeTopic(r.topic),
      count: r.count,
      bytes: r.bytes,
      rate: durationSec > 0 ? r.count / durationSec : 0,
      first: formatTimestamp(r.firstMs),
      last: formatTimestamp(r.lastMs),
      firstMs: r.firstMs,
      lastMs: r.lastMs,
      prefiltered: prefilterReason(r.topic),
    }))
    .sort((a, b) => b.count - a.count || (a.topic < b.topic ? -1 : 1));
  return {
    messages,
    topics: rows.length,
    bytes,
    start: empty ? undefined : formatTimestamp(startMs),
    end: empty ? undefined : formatTimestamp(endMs),
    startMs: empty ? undefined : startMs,
    endMs: empty ? undefined : endMs,
    durationSec,
    perTopic,
  };
}

/** Categories with their subcategories, most messages first. */
export function categoryStats(perTopic: readonly TopicStats[]): CategoryStats[] {
  const byCategory = new Map<string, CategoryStats>();
  for (const t of perTopic) {
    let c = byCategory.get(t.category);
    if (!c) byCategory.set(t.category, (c = { category: t.category, messages: 0, topics: 0, subcategories: [] }));
    c.messages += t.count;
    c.topics++;
    let sub = c.subcategories.find((s) => s.subcategory === t.subcategory);
    if (!sub) c.subcategories.push((sub = { subcategory: t.subcategory, messages: 0, topics: 0 }));
    sub.messages += t.count;
    sub.topics++;
  }
  const list = [...byCategory.values()].sort((a, b) => b.messages - a.messages || (a.category < b.category ? -1 : 1));
  for (const c of list) c.subcategories.sort((a, b) => b.messages - a.messages || (a.subcategory < b.subcategory ? -1 : 1));
  return list;
}
