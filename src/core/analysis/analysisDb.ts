import type { Database } from 'sql.js';
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
  /** Where the rows come from: our index file, or an index built in memory. */
  origin: 'index' | 'memory';
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
    // A large index takes a while to read (sql.js holds it in memory): read it once.
    const reader = checked ?? (await DbSessionReader.open(dbPath, options.naive));
    if (reader.format === 'db-index') return { name: files.name, db: reader.db, origin: 'index', close: () => reader.close() };
    reader.close();
  }
  const db = await indexInMemory(files, options.naive);
  return { name: files.name, db, origin: 'memory', close: () => db.close() };
}

async function indexInMemory(files: SessionFiles, naive: NaiveTimeZone | undefined): Promise<Database> {
  const source = await openSessionSource(withoutOldDb(files), { naive });
  const writer = await SessionDbWriter.create();
  try {
    for await (const batch of source.batches()) writer.add(batch);
    return writer.complete({ meta: source.meta(), problems: source.problems.items });
  } catch (err) {
    writer.abort();
    throw err;
  } finally {
    source.close();
  }
}

/** A `.log` in a read-only folder is read as it is, ignoring an old `.db` beside it. */
function withoutOldDb(files: SessionFiles): SessionFiles {
  return files.log ? { ...files, db: undefined } : files;
}
