import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Database } from '../db/sqlite';
import { SessionDbWriter } from '../index/sessionDbWriter';
import { ensureIndex } from '../index/sessionIndex';
import { DbSessionReader } from '../session/dbSessionReader';
import type { SessionFiles } from '../session/sessionFiles';
import { openSessionSource } from '../session/sessionSource';
import type { NaiveTimeZone } from '../session/timestamps';
import { isNotWritable } from '../util/fsErrors';

/** A session's messages in our index layout (DESIGN §3.1), ready for SQL. */
export interface AnalysisDb {
  name: string;
  db: Database;
  /** Where the rows come from: our index file, or an index built for the occasion in a temp folder. */
  origin: 'index' | 'memory';
  /** The database file the rows are read from. */
  file: string;
  close(): void;
}

export interface OpenAnalysisOptions {
  naive?: NaiveTimeZone;
  /** Told when a `.log` had to be indexed first. */
  onIndexed?: (session: string) => void;
}

/**
 * Opens a session for analysis: its current index (built first when missing or stale),
 * or, when no index file can be had (an old tool's `.db` alone, a read-only folder), an
 * index built in memory from whatever the session is — so every query runs on one layout.
 */
export async function openAnalysis(files: SessionFiles, options: OpenAnalysisOptions = {}): Promise<AnalysisDb> {
  let dbPath: string | undefined;
  let checked: DbSessionReader | undefined;
  try {
    const ensured = await ensureIndex(files, { naive: options.naive, keepOpen: true });
    if (ensured.built) options.onIndexed?.(files.name);
    dbPath = ensured.dbPath;
    checked = ensured.reader;
  } catch (err) {
    if (!files.log || !isNotWritable(err)) throw err;
  }
  if (dbPath) {
    // The index as ensureIndex checked it: opened once.
    const reader = checked ?? (await DbSessionReader.open(dbPath, options.naive));
    if (reader.format === 'db-index') return { name: files.name, db: reader.db, origin: 'index', file: reader.path, close: () => reader.close() };
    reader.close();
  }
  const { db, file, close } = await indexForTheOccasion(files, options.naive);
  return { name: files.name, db, origin: 'memory', file, close };
}

/**
 * No index file can be had beside the session: one is built in the temp folder (on disk,
 * so memory stays flat) and removed when the analysis closes.
 */
async function indexForTheOccasion(files: SessionFiles, naive: NaiveTimeZone | undefined): Promise<{ db: Database; file: string; close: () => void }> {
  const source = await openSessionSource(withoutOldDb(files), { naive });
  const writer = await SessionDbWriter.create(path.join(tmpdir(), `mqtt-sessions-${files.name}.db`));
  try {
    for await (const batch of source.batches()) writer.add(batch);
    return writer.completeInPlace({ meta: source.meta(), problems: source.problems.items });
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    source.close();
  }
}

/** A `.log` in a read-only folder is read as it is, ignoring an old `.db` beside it. */
function withoutOldDb(files: SessionFiles): SessionFiles {
  return files.log ? { ...files, db: undefined } : files;
}
