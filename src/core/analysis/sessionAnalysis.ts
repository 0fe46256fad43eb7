import { META_KEYS } from '../index/indexSchema';
import { type Database, queryAll, queryRows, tableExists, textOf } from '../db/sqlite';
import { withFileName } from '../session/dbSessionReader';
import type { SessionFiles } from '../session/sessionFiles';
import { MAX_TIME_MS, MIN_TIME_MS } from '../session/timestamps';
import type { AnalysisDb } from './analysisDb';
import { ftsQuery } from '../search/sessionSearch';
import { type OrderSummary, type OrdersResult, OrderTracker } from './orderTracker';
import { cachedModules, cachedOrders } from './orders/orderCache';
import { ORDER_CANDIDATES_SQL } from './orders/orderCandidates';
import { type CategoryStats, type SessionStats, categoryStats, sessionStats } from './sessionStats';

export interface SessionAnalysis {
  name: string;
  files: string[];
  stats: SessionStats;
  categories: CategoryStats[];
  orders: OrdersResult;
  problems: { count: number; items: { line: number; reason: string }[] };
  meta: Record<string, unknown>;
}

/** Feeds the tracker the rows of a query `(id, topic, payload, ts_ms, timestamp)`, in file order. */
function track(db: Database, where: string, params: (string | number)[], tracker: OrderTracker): OrderTracker {
  // The timestamp text only where ts_ms is out of Date's range (the tracker's fallback):
  // each text column fetched through the engine costs ~0.5 s a million rows.
  const rows = queryRows<{ id: number; topic: string; payload: string; ts_ms: number; timestamp: string | null }>(
    db,
    `SELECT id, topic, payload, ts_ms, CASE WHEN ts_ms BETWEEN ? AND ? THEN NULL ELSE timestamp END AS timestamp
     FROM mqtt_messages WHERE payload_encoding = 'utf8' AND (${where}) ORDER BY id`,
    [MIN_TIME_MS, MAX_TIME_MS, ...params],
  );
  for (const r of rows) tracker.add({ id: r.id, topic: r.topic, payload: textOf(r.payload), tsMs: r.ts_ms, timestamp: r.timestamp ?? '' });
  return tracker;
}

/**
 * Orders, requests and workpieces over the index, in session (file) order. Without
 * `detail` each order is a summary (no message ids, no transitions): bounded however
 * long the session; `orderDetail` gives one order in full.
 */
export function ordersOf(db: Database, options: { detail?: boolean; cached?: boolean } = {}): OrdersResult {
  const detail = options.detail ?? false;
  // The summaries gathered while the index was written, when it has them (not a live or
  // recovered index): the same result as the pass below.
  const cached = detail || options.cached === false ? undefined : cachedOrders(db);
  return cached ?? track(db, ORDER_CANDIDATES_SQL, [], new OrderTracker({ detail })).result();
}

/**
 * One order with its messages and transitions, from the messages that mention it (found
 * with the full-text index) and the layout and factsheets that name the modules.
 */
export function orderDetail(db: Database, orderId: string): OrderSummary | undefined {
  const phrase = ftsQuery(orderId);
  if (!phrase) return undefined;
  const mentions = 'id IN (SELECT rowid FROM mqtt_messages_fts WHERE mqtt_messages_fts MATCH ?)';
  // With the modules the index learnt at its build, the order's own messages are enough;
  // else the layout and factsheets too (their topics from topic_stats: a LIKE on the rows
  // would read every row).
  const modules = cachedModules(db);
  const where = modules
    ? mentions
    : `${mentions} OR topic IN (SELECT topic FROM topic_stats WHERE topic = 'ccu/state/layout' OR topic LIKE '%/factsheet')`;
  const tracker = track(db, where, [phrase], new OrderTracker({ detail: true, modules }));
  return tracker.result().orders.find((o) => o.orderId === orderId);
}

/** Everything the session report shows. */
export function analyzeOpened(files: SessionFiles, a: AnalysisDb): SessionAnalysis {
  try {
    return analysisOf(files, a);
  } catch (err) {
    // A truncated index fails on the first page it lacks: say which file.
    throw withFileName(a.origin === 'index' ? (files.db ?? files.name) : (files.log ?? files.name), err);
  }
}

function analysisOf(files: SessionFiles, a: AnalysisDb): SessionAnalysis {
  const stats = sessionStats(a.db);
  const problems = tableExists(a.db, 'session_problems')
    ? queryAll<{ line: number; reason: string }>(a.db, 'SELECT line, reason FROM session_problems ORDER BY line')
    : [];
  const meta: Record<string, unknown> = {};
  if (tableExists(a.db, 'session_meta')) {
    for (const r of queryAll<{ key: string; value: string }>(a.db, 'SELECT key, value FROM session_meta')) {
      meta[r.key] = parseOr(r.value);
    }
  }
  // The index keeps the first 1000 problems and the full count.
  const recorded = Number(meta[META_KEYS.problems] ?? Number.NaN);
  return {
    name: files.name,
    files: [files.log, files.db].filter((f): f is string => !!f),
    stats,
    categories: categoryStats(stats.perTopic),
    orders: ordersOf(a.db),
    problems: { count: Number.isFinite(recorded) ? Math.max(recorded, problems.length) : problems.length, items: problems },
    meta: Object.fromEntries(Object.entries(meta).filter(([k]) => !k.startsWith('index.'))),
  };
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
