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
        entries.push({ files, error: oneLineNamingFile(files, err) });
      }
    }
  }
  return entries;
}

/** The error on one line, naming the session's file when it does not already name one of them. */
function oneLineNamingFile(files: SessionFiles, err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  const names = [files.log, files.db].filter((f): f is string => f !== undefined);
  return names.some((f) => message.includes(f)) ? message : `${names[0] ?? files.name}: ${message}`;
}
