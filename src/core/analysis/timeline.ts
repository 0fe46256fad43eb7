import type { Database } from 'sql.js';
import { queryAll } from '../index/sqlJs';

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

/** Messages binned per topic for a time range: grouped in SQL, so the size depends on the width, not the session. */
export function timeline(db: Database, q: TimelineQuery = {}): Timeline {
  const bounds = queryAll<{ lo: number | null; hi: number | null }>(db, 'SELECT MIN(ts_ms) AS lo, MAX(ts_ms) AS hi FROM mqtt_messages')[0];
  const fromMs = q.fromMs ?? bounds?.lo ?? 0;
  const toMs = Math.max(fromMs, q.toMs ?? bounds?.hi ?? fromMs);
  const bins = Math.max(1, Math.min(MAX_BINS, Math.floor(q.bins ?? MAX_BINS)));
  // A zero-length range still draws: one millisecond spread over the bins.
  const binMs = Math.max(toMs - fromMs, 1) / bins;

  const topicRows = queryAll<{ topic: string; n: number }>(
    db,
    'SELECT topic, COUNT(*) AS n FROM mqtt_messages WHERE ts_ms >= ? AND ts_ms <= ? GROUP BY topic ORDER BY n DESC, topic',
    [fromMs, toMs],
  );
  const wanted = q.topics ? new Set(q.topics) : undefined;
  const chosen = topicRows.filter((r) => !wanted || wanted.has(r.topic));
  const omittedTopics = Math.max(0, chosen.length - MAX_LANES);
  const topics = chosen.slice(0, MAX_LANES).map((r) => r.topic);
  const laneOf = new Map(topics.map((t, i) => [t, i]));
  const lanes: TimelineLane[] = topics.map((topic) => ({ topic, total: 0, firstBin: -1, counts: [], idSteps: [] }));
  if (topics.length === 0) return { fromMs, toMs, binMs, bins, lanes, omittedTopics };

  const all = !q.topics && omittedTopics === 0;
  const stmt = db.prepare(
    `SELECT topic, MIN(CAST((ts_ms - ?) / ? AS INTEGER), ?) AS b, COUNT(*) AS n, MIN(id) AS first
     FROM mqtt_messages WHERE ts_ms >= ? AND ts_ms <= ? ${all ? '' : `AND topic IN (${topics.map(() => '?').join(',')})`}
     GROUP BY topic, b ORDER BY topic, b`,
  );
  try {
    stmt.bind([fromMs, binMs, bins - 1, fromMs, toMs, ...(all ? [] : topics)]);
    let lane: TimelineLane | undefined;
    let prevBin = 0;
    let prevId = 0;
    while (stmt.step()) {
      const [topic, b, n, first] = stmt.get() as [string, number, number, number];
      if (lane?.topic !== topic) {
        const i = laneOf.get(topic);
        if (i === undefined) continue;
        lane = lanes[i];
        lane.firstBin = b;
        prevBin = b;
        prevId = 0;
      } else {
        (lane.binSteps ??= []).push(b - prevBin);
        prevBin = b;
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
