import { META_KEYS } from '../index/indexSchema';
import { queryAll } from '../db/sqlite';
import { topicTotals } from '../index/topicTotals';
import { type DbSessionReader, withFileName } from './dbSessionReader';
import { type SessionFiles, sessionFileList, splitSessionName } from './sessionFiles';
import type { SessionFormat } from './sessionFormat';
import type { Problem } from './sessionMessage';
import { type SessionReadOptions, openSessionSource } from './sessionSource';
import { formatTimestamp } from './timestamps';

export interface TopicCount {
  topic: string;
  count: number;
}

/** What `info --json` prints and the catalog shows. */
export interface SessionSummary {
  name: string;
  label: string;
  files: string[];
  /** The file the figures were read from. */
  readFrom: string;
  format: SessionFormat;
  messages: number;
  topics: number;
  start: string | null;
  end: string | null;
  durationSec: number;
  /** First problems (line, reason); `problemCount` counts them all. */
  problems: Problem[];
  problemCount: number;
  meta: Record<string, unknown>;
  topicCounts: TopicCount[];
}

export async function summarizeSession(files: SessionFiles, options: SessionReadOptions = {}): Promise<SessionSummary> {
  const source = await openSessionSource(files, options);
  try {
    let figures: Figures;
    if (source.index) {
      figures = figuresFromIndex(source.index);
    } else {
      const counts = new Map<string, number>();
      let messages = 0;
      let startMs = Number.POSITIVE_INFINITY;
      let endMs = Number.NEGATIVE_INFINITY;
      for await (const batch of source.batches()) {
        for (const m of batch) {
          counts.set(m.topic, (counts.get(m.topic) ?? 0) + 1);
          if (m.tsMs < startMs) startMs = m.tsMs;
          if (m.tsMs > endMs) endMs = m.tsMs;
        }
        messages += batch.length;
      }
      figures = {
        messages,
        startMs: messages ? startMs : null,
        endMs: messages ? endMs : null,
        topicCounts: sortCounts([...counts].map(([topic, count]) => ({ topic, count }))),
        problems: source.problems.items,
        problemCount: source.problems.count,
      };
    }
    const { startMs, endMs } = figures;
    return {
      name: files.name,
      label: splitSessionName(files.name).label,
      files: sessionFileList(files),
      readFrom: source.file,
      format: source.format,
      messages: figures.messages,
      topics: figures.topicCounts.length,
      start: startMs === null ? null : formatTimestamp(startMs),
      end: endMs === null ? null : formatTimestamp(endMs),
      durationSec: startMs === null || endMs === null ? 0 : Math.round(endMs - startMs) / 1000,
      problems: figures.problems,
      problemCount: figures.problemCount,
      meta: source.meta(),
      topicCounts: figures.topicCounts,
    };
  } finally {
    source.close();
  }
}

interface Figures {
  messages: number;
  startMs: number | null;
  endMs: number | null;
  topicCounts: TopicCount[];
  problems: Problem[];
  problemCount: number;
}

/** Our index answers without reading the rows (per-topic totals). */
function figuresFromIndex(reader: DbSessionReader): Figures {
  try {
    return indexFigures(reader);
  } catch (err) {
    throw withFileName(reader.path, err);
  }
}

function indexFigures(reader: DbSessionReader): Figures {
  const totals = topicTotals(reader.db);
  let messages = 0;
  let startMs: number | null = null;
  let endMs: number | null = null;
  for (const t of totals) {
    messages += t.count;
    if (startMs === null || t.firstMs < startMs) startMs = t.firstMs;
    if (endMs === null || t.lastMs > endMs) endMs = t.lastMs;
  }
  const topicCounts = totals.map(({ topic, count }) => ({ topic, count }));
  const problems = queryAll<Problem>(reader.db, 'SELECT line, reason FROM session_problems ORDER BY line');
  const problemCount = Number(reader.readIndexMeta(META_KEYS.problems) ?? problems.length);
  return { messages, startMs, endMs, topicCounts: sortCounts(topicCounts), problems, problemCount };
}

function sortCounts(counts: TopicCount[]): TopicCount[] {
  return counts.sort((a, b) => b.count - a.count || a.topic.localeCompare(b.topic));
}
