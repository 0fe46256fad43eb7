export interface TopicTally {
  count: number;
  bytes: number;
  first: number;
  last: number;
}

/**
 * What an index writer counts as rows go in: per topic (for `topic_stats`), the time
 * span, and whether the rows came in time order (`index.timeOrdered`).
 */
export class RowTally {
  topics = new Map<string, TopicTally>();
  startMs = Number.POSITIVE_INFINITY;
  endMs = Number.NEGATIVE_INFINITY;
  timeOrdered = true;
  private lastTsMs = Number.NEGATIVE_INFINITY;

  /** Continues a tally kept before (an index taken up where it stopped). */
  constructor(from?: { startMs: number | null; endMs: number | null; timeOrdered: boolean }) {
    if (from?.startMs != null) this.startMs = from.startMs;
    if (from?.endMs != null) this.endMs = this.lastTsMs = from.endMs;
    if (from) this.timeOrdered = from.timeOrdered;
  }

  add(topic: string, size: number, tsMs: number): void {
    const t = this.topics.get(topic);
    if (!t) this.topics.set(topic, { count: 1, bytes: size, first: tsMs, last: tsMs });
    else {
      t.count++;
      t.bytes += size;
      if (tsMs < t.first) t.first = tsMs;
      if (tsMs > t.last) t.last = tsMs;
    }
    if (tsMs < this.lastTsMs) this.timeOrdered = false;
    this.lastTsMs = tsMs;
    if (tsMs < this.startMs) this.startMs = tsMs;
    if (tsMs > this.endMs) this.endMs = tsMs;
  }

  /** The per-topic figures since the last call (the live index adds them to `topic_stats`). */
  takeTopics(): Map<string, TopicTally> {
    const out = this.topics;
    this.topics = new Map();
    return out;
  }
}
