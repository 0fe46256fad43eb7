import { META_KEYS } from '../index/indexSchema';
import { type Database, queryAll, queryRows, tableExists } from '../db/sqlite';

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
  /** Default `MESSAGE_SCAN_LIMIT`. */
  messageScanLimit?: number;
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
  /** Bin i holds the messages of [binFromMs + i·binMs, binFromMs + (i+1)·binMs) within the range. */
  binFromMs: number;
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

interface Grid {
  /** Start of bin 0. */
  fromMs: number;
  binMs: number;
  bins: number;
  /** Set when the bins are summed from the index's buckets: the whole ones `lo..hi`. */
  buckets?: Buckets & { lo: number; hi: number };
}

/**
 * The bins of a range. Bins at least a bucket wide are whole multiples of the bucket,
 * laid on the buckets' boundaries (bin 0 starting up to a bin before `fromMs`), so that
 * every bucket falls in one bin and a bin holds exactly the messages of its time span.
 * No more bins than asked. Narrower bins start at `fromMs` and count messages — unless the range holds more than
 * `scanLimit` messages: then they are made a bucket wide (fewer than asked).
 */
function grid(db: Database, fromMs: number, toMs: number, asked: number, scanLimit: number): Grid {
  const span = Math.max(toMs - fromMs, 1);
  const b = bucketsOf(db);
  let binMs = span / asked;
  if (!b) return { fromMs, binMs, bins: asked };
  const lo = Math.ceil((fromMs - b.originMs) / b.bucketMs);
  const hi = Math.floor((toMs - b.originMs) / b.bucketMs) - 1;
  // One bin cannot be laid on the buckets' boundaries unless the range starts on one: count messages.
  if (lo > hi || asked < 2) return { fromMs, binMs, bins: asked };
  if (binMs < b.bucketMs) {
    if (toMs - fromMs < 2 * b.bucketMs || !manyMessages(db, fromMs, toMs, scanLimit)) return { fromMs, binMs, bins: asked };
    binMs = b.bucketMs;
  }
  const loStart = b.originMs + lo * b.bucketMs;
  /** Bins `k` buckets wide, when no more than asked. */
  const fit = (k: number): Grid | undefined => {
    const w = k * b.bucketMs;
    // [fromMs, loStart) is shorter than a bucket: one bin before loStart holds it.
    const start = loStart > fromMs ? loStart - w : loStart;
    const bins = Math.max(1, Math.ceil((toMs - start) / w));
    return bins <= asked ? { fromMs: start, binMs: w, bins, buckets: { ...b, lo, hi } } : undefined;
  };
  // The narrowest k that fits, by bisection: counting k up one by one took about k / asked
  // steps, endless when a range dwarfs the buckets (an index with a row out of its time range).
  let low = Math.ceil(binMs / b.bucketMs - 1e-9);
  const first = fit(low);
  if (first) return first;
  let high = Math.max(low + 1, Math.ceil((toMs - loStart) / (b.bucketMs * (asked - 1))) + 1);
  for (let i = 0; i < 1100 && !fit(high); i++) high *= 2;
  for (let i = 0; i < 200 && high - low > 1; i++) {
    const mid = Math.floor((low + high) / 2);
    if (mid <= low || mid >= high) break;
    if (fit(mid)) high = mid;
    else low = mid;
  }
  return fit(high) ?? { fromMs, binMs: span / asked, bins: asked };
}

/** `(topic, bin, count, first id)`; a topic's rows come in bin order (a bin may repeat). */
type BinRow = [topic: string, bin: number, n: number, first: number];

function binOf(g: Grid, t: number): number {
  // As SQL's MAX(0, MIN(CAST(... AS INTEGER), bins - 1)): the same doubles, the same bins.
  return Math.max(0, Math.min(Math.trunc((t - g.fromMs) / g.binMs), g.bins - 1));
}

function topicFilter(topics: string[] | undefined): string {
  return topics ? `AND topic IN (${topics.map(() => '?').join(',')})` : '';
}

/** Messages of `[fromMs, toMs]` (`toMs` excluded when `open`) binned in SQL, by topic and bin. */
function binnedMessages(db: Database, g: Grid, fromMs: number, toMs: number, open: boolean, topics: string[] | undefined, each: (row: BinRow) => void): void {
  const rows = queryRows<{ topic: string; b: number; n: number; first: number }>(
    db,
    `SELECT topic, MAX(0, MIN(CAST((ts_ms - ?) / ? AS INTEGER), ?)) AS b, COUNT(*) AS n, MIN(id) AS first
     FROM mqtt_messages WHERE ts_ms >= ? AND ts_ms ${open ? '<' : '<='} ? ${topicFilter(topics)}
     GROUP BY topic, b ORDER BY topic, b`,
    [g.fromMs, g.binMs, g.bins - 1, fromMs, toMs, ...(topics ?? [])],
  );
  for (const r of rows) each([r.topic, r.b, r.n, r.first]);
}

function byTopic(rows: BinRow[]): Map<string, BinRow[]> {
  const m = new Map<string, BinRow[]>();
  for (const r of rows) {
    const list = m.get(r[0]);
    if (list) list.push(r);
    else m.set(r[0], [r]);
  }
  return m;
}

/**
 * The rows of a range when bins are at least a bucket wide: the buckets wholly inside,
 * binned here while streaming them in key order (SQLite's GROUP BY over a computed bin
 * sorts, about 3× slower), plus the messages of the two partial edges, so counts stay
 * exact. Per topic the order is lower edge, buckets, upper edge: time order.
 */
function binnedBuckets(db: Database, g: Grid, b: Buckets & { lo: number; hi: number }, fromMs: number, toMs: number, topics: string[] | undefined, each: (row: BinRow) => void): void {
  const { lo, hi } = b;
  const loStart = b.originMs + lo * b.bucketMs;
  const hiEnd = b.originMs + (hi + 1) * b.bucketMs;
  const edge = (from: number, to: number, open: boolean): Map<string, BinRow[]> => {
    const rows: BinRow[] = [];
    binnedMessages(db, g, from, to, open, topics, (r) => rows.push(r));
    return byTopic(rows);
  };
  const lower = edge(fromMs, loStart, true);
  const upper = edge(hiEnd, toMs, false);
  const flushUpper = (topic: string): void => {
    upper.get(topic)?.forEach(each);
    upper.delete(topic);
  };
  // One row a topic, its buckets as text: fetching 200,000 small rows through the engine
  // costs more than the query (a full-range timeline of 50 topics: ~235 → ~165 ms).
  const rows = queryRows<{ topic: string; s: string }>(
    db,
    `SELECT topic, group_concat(bucket || ',' || count || ',' || first_id, ',' ORDER BY bucket) AS s
     FROM timeline_buckets WHERE bucket >= ? AND bucket <= ? ${topicFilter(topics)} GROUP BY topic ORDER BY topic`,
    [lo, hi, ...(topics ?? [])],
  );
  let current: string | undefined;
  for (const { topic, s } of rows) {
    if (current !== undefined) flushUpper(current);
    current = topic;
    lower.get(topic)?.forEach(each);
    lower.delete(topic);
    const v = s.split(',');
    for (let i = 0; i + 2 < v.length; i += 3) each([topic, binOf(g, b.originMs + Number(v[i]) * b.bucketMs), Number(v[i + 1]), Number(v[i + 2])]);
  }
  if (current !== undefined) flushUpper(current);
  // Topics seen only at the edges.
  for (const [topic, rows] of lower) {
    rows.forEach(each);
    flushUpper(topic);
  }
  for (const rows of upper.values()) rows.forEach(each);
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

/** SQLite orders TEXT by its UTF-8 bytes; so do the lanes on a tie. */
/** More messages in the range than binning them one by one answers quickly (~50 ms). */
export const MESSAGE_SCAN_LIMIT = 50_000;

function manyMessages(db: Database, fromMs: number, toMs: number, limit: number): boolean {
  const r = queryAll<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM (SELECT 1 FROM mqtt_messages WHERE ts_ms >= ? AND ts_ms <= ? LIMIT ?)', [fromMs, toMs, limit + 1])[0];
  return (r?.n ?? 0) > limit;
}

function utf8Order(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Messages binned per topic for a time range, so the size depends on the width, not the
 * session. Every bin counts exactly the messages of its time span (see `grid`): from the
 * index's buckets when bins are at least a bucket wide, else from the messages.
 */
export function timeline(db: Database, q: TimelineQuery = {}): Timeline {
  // Two subqueries: SQLite answers MIN or MAX alone from the index, both at once by a scan.
  const bounds =
    q.fromMs === undefined || q.toMs === undefined
      ? queryAll<{ lo: number | null; hi: number | null }>(db, 'SELECT (SELECT MIN(ts_ms) FROM mqtt_messages) AS lo, (SELECT MAX(ts_ms) FROM mqtt_messages) AS hi')[0]
      : undefined;
  const fromMs = q.fromMs ?? bounds?.lo ?? 0;
  const toMs = Math.max(fromMs, q.toMs ?? bounds?.hi ?? fromMs);
  const asked = Math.max(1, Math.min(MAX_BINS, Math.floor(q.bins ?? MAX_BINS)));
  const g = grid(db, fromMs, toMs, asked, q.messageScanLimit ?? MESSAGE_SCAN_LIMIT);
  const topics = q.topics ? [...new Set(q.topics)] : undefined;

  const lanes = new Map<string, TimelineLane>();
  let lane: TimelineLane | undefined;
  let prevBin = 0;
  let prevId = 0;
  const add = ([topic, bin, n, first]: BinRow): void => {
    if (lane?.topic !== topic) {
      lane = lanes.get(topic);
      if (!lane) lanes.set(topic, (lane = { topic, total: 0, firstBin: -1, counts: [], idSteps: [] }));
    }
    lane.total += n;
    if (lane.firstBin >= 0 && bin === prevBin) {
      // Same bin again (an edge next to a bucket): add up, keep the earlier message.
      const last = lane.counts.length - 1;
      lane.counts[last] += n;
      if (first < prevId) {
        lane.idSteps[last] += first - prevId;
        prevId = first;
      }
      return;
    }
    if (lane.firstBin < 0) {
      lane.firstBin = bin;
      prevId = 0;
    } else (lane.binSteps ??= []).push(bin - prevBin);
    prevBin = bin;
    lane.counts.push(n);
    lane.idSteps.push(first - prevId);
    prevId = first;
  };

  if (topics?.length !== 0) {
    if (g.buckets) binnedBuckets(db, g, g.buckets, fromMs, toMs, topics, add);
    else binnedMessages(db, g, fromMs, toMs, false, topics, add);
  }

  const chosen = [...lanes.values()].sort((x, y) => y.total - x.total || utf8Order(x.topic, y.topic));
  const kept = chosen.slice(0, MAX_LANES);
  for (const l of kept) if (l.binSteps?.every((s) => s === 1)) delete l.binSteps;
  return { fromMs, toMs, binFromMs: g.fromMs, binMs: g.binMs, bins: g.bins, lanes: kept, omittedTopics: chosen.length - kept.length };
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
