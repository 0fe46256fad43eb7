import type { Database } from 'sql.js';
import { META_KEYS } from '../index/indexSchema';
import { queryAll, tableExists } from '../index/sqlJs';
import type { SessionFiles } from '../session/sessionFiles';
import type { AnalysisDb } from './analysisDb';
import { type OrdersResult, OrderTracker } from './orderTracker';
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

/** Payload words that make a message worth parsing for orders; the rest never leaves SQL. */
const ORDER_WORDS = ['orderId', 'workpieceId', 'loadId', 'nfcCode'];
const ORDER_TOPICS = ['ccu/state/layout', 'ccu/order/request'];

/** Orders, requests and workpieces over the index, in session (file) order. */
export function ordersOf(db: Database): OrdersResult {
  const tracker = new OrderTracker();
  const stmt = db.prepare(
    `SELECT id, topic, payload, ts_ms, timestamp FROM mqtt_messages
     WHERE payload_encoding = 'utf8' AND (${ORDER_WORDS.map(() => 'instr(payload, ?) > 0').join(' OR ')} OR topic IN (${ORDER_TOPICS.map(() => '?').join(',')}))
     ORDER BY id`,
  );
  try {
    stmt.bind([...ORDER_WORDS, ...ORDER_TOPICS]);
    while (stmt.step()) {
      const [id, topic, payload, tsMs, timestamp] = stmt.get() as [number, string, string, number, string];
      tracker.add({ id, topic, payload, tsMs, timestamp });
    }
  } finally {
    stmt.free();
  }
  return tracker.result();
}

/** Everything the session report shows. */
export function analyzeOpened(files: SessionFiles, a: AnalysisDb): SessionAnalysis {
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
