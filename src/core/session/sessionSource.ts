import { stat } from 'node:fs/promises';
import { INDEX_SCHEMA, META_KEYS } from '../index/indexSchema';
import { DbSessionReader } from './dbSessionReader';
import { SessionLogReader } from './logReader';
import type { ProblemList } from './problemList';
import type { SessionFiles } from './sessionFiles';
import type { SessionFormat } from './sessionFormat';
import type { SessionMessage } from './sessionMessage';
import type { NaiveTimeZone } from './timestamps';

export interface SessionReadOptions {
  naive?: NaiveTimeZone;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** The messages of a session, from whichever of its files is the right one to read. */
export interface SessionSource {
  readonly file: string;
  readonly format: SessionFormat;
  readonly problems: ProblemList;
  batches(): AsyncGenerator<SessionMessage[]>;
  /** Session meta keys; complete once `batches()` has been read for a `.log`. */
  meta(): Record<string, unknown>;
  /** The open index, when the source is one of ours (fast SQL paths). */
  readonly index?: DbSessionReader;
  close(): void;
}

/**
 * Is the `.db` our index of this `.log`, and current? The `.log` is the durable record:
 * the index is trusted only when it was built from the `.log` as it is now.
 */
export async function indexIsCurrent(reader: DbSessionReader, logPath: string | undefined): Promise<boolean> {
  if (reader.format !== 'db-index' || reader.indexSchema !== INDEX_SCHEMA) return false;
  if (!logPath) return true;
  const st = await stat(logPath);
  return reader.readIndexMeta(META_KEYS.sourceSize) === st.size && reader.readIndexMeta(META_KEYS.sourceMtimeMs) === st.mtimeMs;
}

export async function openSessionSource(files: SessionFiles, options: SessionReadOptions = {}): Promise<SessionSource> {
  const naive = options.naive ?? 'utc';
  if (files.db) {
    const reader = await openDbOrUndefined(files, naive);
    if (reader && (!files.log || (await indexIsCurrent(reader, files.log)))) return dbSource(reader);
    reader?.close();
  }
  if (!files.log) throw new Error(`${files.name}: no readable file`);
  return logSource(new SessionLogReader(files.log, { naive, onProgress: options.onProgress, signal: options.signal }));
}

/** With a `.log` beside it, a broken `.db` is not fatal: the `.log` is read instead. */
async function openDbOrUndefined(files: SessionFiles, naive: NaiveTimeZone): Promise<DbSessionReader | undefined> {
  try {
    return await DbSessionReader.open(files.db as string, naive);
  } catch (err) {
    if (files.log) return undefined;
    throw err;
  }
}

function dbSource(reader: DbSessionReader): SessionSource {
  return {
    file: reader.path,
    format: reader.format,
    problems: reader.problems,
    index: reader.format === 'db-index' ? reader : undefined,
    batches: () => reader.batches(),
    meta: () => reader.meta(),
    close: () => reader.close(),
  };
}

function logSource(reader: SessionLogReader): SessionSource {
  return {
    file: reader.path,
    get format(): SessionFormat {
      return reader.meta ? 'log-meta' : 'log';
    },
    problems: reader.problems,
    batches: () => reader.batches(),
    meta: () => {
      const { _kind, ...rest } = reader.meta?.data ?? {};
      return rest;
    },
    close: () => undefined,
  };
}
