import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { SessionFiles } from './sessionFiles';
import { type SessionSummary, summarizeSession } from './sessionSummary';
import { summarySourceKey } from './summaryKey';
import type { NaiveTimeZone } from './timestamps';

interface CacheEntry {
  key: string;
  summary: SessionSummary;
}

/**
 * The one cache of summaries (issue 18): in memory in front of the files, in the process
 * that summarises (the core worker), so a view refresh costs one `stat` round and no
 * read. A failure is kept too, so a broken file is not read again until it changes.
 */
const MEMORY_LIMIT = 2000;
const inMemory = new Map<string, { key: string; summary?: SessionSummary; error?: string }>();

/** Empties the memory layer, as a new process starts (tests of the files behind it). */
export function forgetSummariesInMemory(): void {
  inMemory.clear();
}

function remember(id: string, entry: { key: string; summary?: SessionSummary; error?: string }): void {
  inMemory.delete(id);
  inMemory.set(id, entry);
  if (inMemory.size > MEMORY_LIMIT) inMemory.delete(inMemory.keys().next().value as string);
}

/**
 * A session's summary, kept in `dir` across restarts: a folder of big sessions opened
 * again is not summarised again (each summary opens an index, and a `.log` without one
 * is read through). An entry holds
 * while the session's files keep their size and time; a cache that cannot be read or
 * written is only a slower path, never an error.
 */
export async function cachedSummary(files: SessionFiles, naive: NaiveTimeZone, dir: string, signal?: AbortSignal): Promise<SessionSummary> {
  const key = await summarySourceKey(files, naive);
  const id = path.join(files.dir, files.name);
  const held = inMemory.get(id);
  if (held?.key === key) {
    if (held.summary) return held.summary;
    throw new Error(held.error);
  }
  const file = path.join(dir, `${createHash('sha1').update(id).digest('hex')}.json`);
  try {
    const entry = JSON.parse(await readFile(file, 'utf8')) as CacheEntry;
    if (entry.key === key && entry.summary?.name === files.name) {
      remember(id, entry);
      return entry.summary;
    }
  } catch {
    /* not cached yet, or unreadable: summarize */
  }
  let summary: SessionSummary;
  try {
    summary = await summarizeSession(files, { naive, signal });
  } catch (err) {
    if (!signal?.aborted && (await summarySourceKey(files, naive).catch(() => undefined)) === key) remember(id, { key, error: (err as Error).message });
    throw err;
  }
  // The files may have changed while they were read: cache only what still matches.
  if ((await summarySourceKey(files, naive)) === key) {
    remember(id, { key, summary });
    try {
      await mkdir(dir, { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify({ key, summary } satisfies CacheEntry));
      await rename(temp, file);
    } catch {
      /* a cache that cannot be written only costs time */
    }
  }
  return summary;
}
