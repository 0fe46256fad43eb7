import { type SessionFiles, scanSessionFolder } from './sessionFiles';
import { type SessionSummary, summarizeSession } from './sessionSummary';
import type { NaiveTimeZone } from './timestamps';

export interface CatalogEntry {
  files: SessionFiles;
  summary?: SessionSummary;
  /** Why the session could not be summarised (one line). */
  error?: string;
}

/**
 * Every session of the given folders, paired and summarised. A session that cannot be
 * read is listed with its error: one bad file never hides the others.
 */
export async function scanCatalog(dirs: readonly string[], options: { naive?: NaiveTimeZone; summarize?: boolean } = {}): Promise<CatalogEntry[]> {
  const entries: CatalogEntry[] = [];
  for (const dir of dirs) {
    for (const files of await scanSessionFolder(dir)) {
      if (options.summarize === false) {
        entries.push({ files });
        continue;
      }
      try {
        entries.push({ files, summary: await summarizeSession(files, { naive: options.naive }) });
      } catch (err) {
        entries.push({ files, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  return entries;
}
