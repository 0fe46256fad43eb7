import type { Database } from 'sql.js';
import { META_KEYS } from '../index/indexSchema';
import { queryAll, tableExists } from '../index/sqlJs';

export const MAX_BINS = 2000;
export const MAX_LANES = 200;

export interface TimelineQuery {
  /** Defaults: the session's first and last message. */
  fromMs?: number;
  toMs?: number;
  /** Bins per lane (at most 2000): the drawing's width in points. */
  bins?: number;
  /** Lanes to draw; default every topic (at most 200, most messages first). */
  topics?: string[];
}

/**
 * One topic's lane, compact for the wire (a full-range timeline of a million messages
 * stays well under 1 MB of JSON): only occupied bins, bin numbers and message ids as
 * differences from the previous entry. `decodeLane` expands it.
 */
export interface TimelineLane {
  topic: string;
  total: number;
  /** First occupied bin; later ones as gaps in `binSteps` (absent when every step is 1). */
  firstBin: number;
  binSteps?: number[];
  counts: number[];
  /** The first message id of each occupied bin, as differences (the first one absolute). */
  idSteps: number[];
}

export interface Timeline {
  fromMs: number;
  toMs: number;
  binMs: number;
  bins: number;
  lanes: TimelineLane[];
  /** Topics left out because of the lane limit. */
  omittedTopics: number;
}

export interface TimelineBin {
  bin: number;
  count: number;
  /** A representative message: the first of the bin. */
  id: number;
}

/**
 * The rows to bin, as `(topic, t, n, first)`: the messages of the range, or — when bins
 * are at least a bucket wide — the index's buckets that lie wholly inside the range plus
 * the messages of the two partial edges, so counts stay exact.
 */
function rowSource(db: Database, fromMs: number, toMs: number, binMs: number): { sql: string; params: number[] } {
  const messages = (where: string): string => `SELECT topic, ts_ms AS t, 1 AS n, id AS first FROM mqtt_messages WHERE ${where}`;
  const b = bucketsOf(db);
  if (b && binMs >= b.bucketMs) {
    const lo = Math.ceil((fromMs - b.originMs) / b.bucketMs);
    const hi = Math.floor((toMs - b.originMs) / b.bucketMs) - 1;
    if (lo <= hi) {
      const loStart = b.originMs + lo * b.bucketMs;
      const hiEnd = b.originMs + (hi + 1) * b.bucketMs;
      return {
        sql: `(SELECT topic, bucket * ${b.bucketMs} + ${b.originMs} AS t, count AS n, first_id AS first FROM timeline_buckets WHERE bucket >= ? AND bucket <= ?
               UNION ALL ${messages('ts_ms >= ? AND ts_ms < ?')} UNION ALL ${messages('ts_ms >= ? AND ts_ms <= ?')})`,
        params: [lo, hi, fromMs, loStart, hiEnd, toMs],
      };
    }
  }
  return { sql: `(${messages('ts_ms >= ? AND ts_ms <= ?')})`, params: [fromMs, toMs] };
}

interface Buckets {
  bucketMs: number;
  originMs: number;
}

/** The index's pre-binned counts (schema 2), if it has them. */
function bucketsOf(db: Database): Buckets | undefined {
  if (!tableExists(db, 'timeline_buckets')) return undefined;
  const meta = queryAll<{ key: string; value: string }>(db, 'SELECT key, value FROM session_meta WHERE key IN (?, ?)', [META_KEYS.bucketMs, META_KEYS.bucketOriginMs]);
  const get = (k: string): number => Number(meta.find((m) => m.key === k)?.value);
  const b = { bucketMs: get(META_KEYS.bucketMs), originMs: get(META_KEYS.bucketOriginMs) };
  return Number.isFinite(b.bucketMs) && b.bucketMs > 0 && Number.isFinite(b.originMs) ? b : undefined;
}

/**
 * Messages binned per topic for a time range, grouped in SQL, so the size depends on the
 * width, not the session. When a bin is at least one of the index's buckets wide, bins
 * are summed from the buckets (a bucket counts in the bin holding its start: edges may
 * shift by under a bucket); narrower bins count the messages themselves.
 */
export function timeline(db: Database, q: TimelineQuery = {}): Timeline {
  const bounds = queryAll<{ lo: number | null; hi: number | null }>(db, 'SELECT MIN(ts_ms) AS lo, MAX(ts_ms) AS hi FROM mqtt_messages')[0];
  const fromMs = q.fromMs ?? bounds?.lo ?? 0;
  const toMs = Math.max(fromMs, q.toMs ?? bounds?.hi ?? fromMs);
  const bins = Math.max(1, Math.min(MAX_BINS, Math.floor(q.bins ?? MAX_BINS)));
  // A zero-length range still draws: one millisecond spread over the bins.
  const binMs = Math.max(toMs - fromMs, 1) / bins;
  const rows = rowSource(db, fromMs, toMs, binMs);
  const topicRows = queryAll<{ topic: string; n: number }>(db, `SELECT topic, SUM(n) AS n FROM ${rows.sql} GROUP BY topic ORDER BY n DESC, topic`, rows.params);
  const wanted = q.topics ? new Set(q.topics) : undefined;
  const chosen = topicRows.filter((r) => !wanted || wanted.has(r.topic));
  const omittedTopics = Math.max(0, chosen.length - MAX_LANES);
  const topics = chosen.slice(0, MAX_LANES).map((r) => r.topic);
  const laneOf = new Map(topics.map((t, i) => [t, i]));
  const lanes: TimelineLane[] = topics.map((topic) => ({ topic, total: 0, firstBin: -1, counts: [], idSteps: [] }));
  if (topics.length === 0) return { fromMs, toMs, binMs, bins, lanes, omittedTopics };

  const all = !q.topics && omittedTopics === 0;
  const stmt = db.prepare(
    `SELECT topic, MAX(0, MIN(CAST((t - ?) / ? AS INTEGER), ?)) AS b, SUM(n) AS n, MIN(first) AS first
     FROM ${rows.sql} ${all ? '' : `WHERE topic IN (${topics.map(() => '?').join(',')})`}
     GROUP BY topic, b ORDER BY topic, b`,
  );
  try {
    stmt.bind([fromMs, binMs, bins - 1, ...rows.params, ...(all ? [] : topics)]);
    let lane: TimelineLane | undefined;
    let prevBin = 0;
    let prevId = 0;
    while (stmt.step()) {
      const [topic, bin, n, first] = stmt.get() as [string, number, number, number];
      if (lane?.topic !== topic) {
        const i = laneOf.get(topic);
        if (i === undefined) continue;
        lane = lanes[i];
        lane.firstBin = bin;
        prevBin = bin;
        prevId = 0;
      } else {
        (lane.binSteps ??= []).push(bin - prevBin);
        prevBin = bin;
      }
      lane.total += n;
      lane.counts.push(n);
      lane.idSteps.push(first - prevId);
      prevId = first;
    }
  } finally {
    stmt.free();
  }
  for (const lane of lanes) if (lane.binSteps?.every((s) => s === 1)) delete lane.binSteps;
  return { fromMs, toMs, binMs, bins, lanes, omittedTopics };
}

/** A lane's occupied bins, expanded. */
export function decodeLane(lane: TimelineLane): TimelineBin[] {
  const out: TimelineBin[] = [];
  let bin = lane.firstBin;
  let id = 0;
  lane.counts.forEach((count, i) => {
    if (i > 0) bin += lane.binSteps ? lane.binSteps[i - 1] : 1;
    id += lane.idSteps[i];
    out.push({ bin, count, id });
  });
  return out;
}
