import { rename, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { DbSessionReader } from '../session/dbSessionReader';
import type { SessionFiles } from '../session/sessionFiles';
import { indexIsCurrent } from '../session/sessionSource';
import type { NaiveTimeZone } from '../session/timestamps';
import type { IndexBuildResult } from './indexBuilder';
import { probeDatabase } from '../db/sqlite';
import { isLocked } from '../record/sessionLock';
import { LIVE_KEY } from './liveIndex';
import { buildIndexInWorker } from './indexClient';

export interface EnsureIndexOptions {
  naive?: NaiveTimeZone;
  force?: boolean;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  signal?: AbortSignal;
  /** Hand back the current index open (`reader`), so that the caller does not read it twice. */
  keepOpen?: boolean;
}

export interface EnsureIndexResult {
  dbPath: string;
  built: boolean;
  /** Why it was (re)built: `missing`, `stale`, `foreign`, `forced`. */
  reason?: string;
  /** Where a `.db` that was not ours went before being replaced. */
  backup?: string;
  build?: IndexBuildResult;
  /** With `keepOpen`, the index as it was checked, when it was current: the caller closes it. */
  reader?: DbSessionReader;
}

/**
 * Makes sure a session has a current index and returns its path. A `.db`-only session
 * is its own index. A `.db` written by another tool beside a `.log` (a readable SQLite
 * file without our metadata) is kept as `<name>.db.bak` before our index (a superset the
 * old tools still read) replaces it. A `.db` that cannot be read is never moved: that is
 * an error naming the file, unless `force` asks for a new index (it is then kept aside).
 */
export async function ensureIndex(files: SessionFiles, options: EnsureIndexOptions = {}): Promise<EnsureIndexResult> {
  const dbPath = files.db ?? path.join(files.dir, `${files.name}.db`);
  if (!files.log) {
    if (!files.db) throw new Error(`${files.name}: no session files`);
    return { dbPath, built: false };
  }
  let reason = options.force ? 'forced' : 'missing';
  let foreign = false;
  if (files.db && !options.force) {
    const reader = await DbSessionReader.open(files.db, options.naive).catch(() => undefined);
    if (reader) {
      let kept = false;
      try {
        if ((await indexIsCurrent(reader, files.log)) || (await isLiveIndexOfRecording(reader, files.log))) {
          kept = options.keepOpen === true;
          return { dbPath, built: false, reader: kept ? reader : undefined };
        }
        foreign = reader.format !== 'db-index';
      } finally {
        if (!kept) reader.close();
      }
    } else {
      // Not readable as a session: only a readable SQLite file without our metadata is
      // positively another tool's. Anything else is a doubt, and the file stays as it is.
      try {
        foreign = (await probeDatabase(files.db)) === 'foreign';
      } catch (err) {
        throw new Error(`${(err as Error).message} — left as it is; \`index --force\` keeps it as .db.bak and builds a new index`);
      }
    }
    reason = foreign ? 'foreign' : 'stale';
  } else if (files.db && options.force) {
    // Asked for: a file that is not surely ours is kept aside, never overwritten.
    foreign = (await probeDatabase(files.db).catch(() => 'doubt')) !== 'ours';
  }
  let backup: string | undefined;
  if (foreign && files.db) {
    backup = await freeName(`${files.db}.bak`);
    await rename(files.db, backup);
    // Its rollback journal, if any, goes with it: it must never be played into our index.
    await rename(`${files.db}-journal`, `${backup}-journal`).catch(() => undefined);
  }
  const build = await buildIndexInWorker(files.log, dbPath, options);
  return { dbPath, built: true, reason, backup, build };
}

/**
 * A recording in progress has its index kept current by its recorder (a second behind):
 * it is used as it is, never rebuilt under the recorder's feet.
 */
async function isLiveIndexOfRecording(reader: DbSessionReader, logPath: string): Promise<boolean> {
  return reader.format === 'db-index' && reader.readIndexMeta(LIVE_KEY) === true && (await isLocked(logPath));
}

async function freeName(candidate: string): Promise<string> {
  for (let i = 1; ; i++) {
    const name = i === 1 ? candidate : `${candidate}.${i}`;
    try {
      await stat(name);
    } catch {
      return name;
    }
  }
}
