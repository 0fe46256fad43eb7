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
 * A session's summary, kept in `dir` across restarts: a folder of big sessions opened
 * again is not summarised again (each summary opens an index, and a `.log` without one
 * is read through). An entry holds
 * while the session's files keep their size and time; a cache that cannot be read or
 * written is only a slower path, never an error.
 */
export async function cachedSummary(files: SessionFiles, naive: NaiveTimeZone, dir: string, signal?: AbortSignal): Promise<SessionSummary> {
  const key = await summarySourceKey(files, naive);
  const file = path.join(dir, `${createHash('sha1').update(path.join(files.dir, files.name)).digest('hex')}.json`);
  try {
    const entry = JSON.parse(await readFile(file, 'utf8')) as CacheEntry;
    if (entry.key === key && entry.summary?.name === files.name) return entry.summary;
  } catch {
    /* not cached yet, or unreadable: summarize */
  }
  const summary = await summarizeSession(files, { naive, signal });
  // The files may have changed while they were read: cache only what still matches.
  if ((await summarySourceKey(files, naive)) === key) {
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
