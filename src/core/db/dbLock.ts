import { existsSync, renameSync, rmdirSync, statSync } from 'node:fs';

/**
 * node-sqlite3-wasm locks a database by creating the directory `<file>.lock` for any
 * access and removing it after; it records no owner (and a file inside would make its
 * unlock fail). A process killed while it holds it leaves the directory behind and the
 * database locked for everyone. Our connections hold it at most a statement or a
 * transaction of about a second, so a lock older than this is stale. A statement that
 * runs longer (a slow iteration over a whole table) must be split, or its lock is
 * taken for stale.
 */
export const STALE_DB_LOCK_MS = 30_000;

/** Age of `<file>.lock` in ms, or undefined when there is none. */
function lockAge(dir: string, now: number): number | undefined {
  try {
    const st = statSync(dir);
    return st.isDirectory() ? now - st.mtimeMs : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes `<file>.lock` when it is older than `staleMs`; true when it did. `now` and
 * `staleMs` are parameters so that tests need not wait for real time to pass.
 *
 * The directory is first renamed aside, then its age checked again: of several
 * processes clearing the same stale lock at once only one can rename it, and a fresh
 * lock taken meanwhile by a live process is put back instead of removed.
 */
export function clearStaleDbLock(file: string, now = Date.now(), staleMs = STALE_DB_LOCK_MS): boolean {
  const dir = `${file}.lock`;
  const age = lockAge(dir, now);
  if (age === undefined || age < staleMs) return false;
  const aside = `${dir}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    renameSync(dir, aside);
  } catch {
    return false; // Someone else cleared it, or the folder is not ours to change.
  }
  const asideAge = lockAge(aside, now);
  if (asideAge !== undefined && asideAge < staleMs) {
    // A live lock taken between the two checks: give it back unless it was taken again.
    try {
      if (!existsSync(dir)) renameSync(aside, dir);
      else rmdirSync(aside);
    } catch {
      // Nothing better to do: its holder tolerates a missing lock when it unlocks.
    }
    return false;
  }
  try {
    rmdirSync(aside);
  } catch {
    // Left aside under a name the engine never looks at: it locks nothing.
  }
  return true;
}

/** The engine's answer when the busy timeout ran out while another connection held the lock. */
export function isDbLockedError(err: unknown): boolean {
  return err instanceof Error && /database is locked/i.test(err.message);
}

export interface StaleRetryOptions {
  /** Clock, for tests. */
  now?: () => number;
  staleMs?: number;
}

/**
 * Runs `run` (a query, sync or async); when it fails because a lock older than any we hold
 * kept it out, clears that lock and runs it once more. For connections held open for long
 * (the core worker's), which the check at open does not reach.
 */
export async function withStaleDbLockRetry<T>(file: string, run: () => T | Promise<T>, options: StaleRetryOptions = {}): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const now = options.now?.() ?? Date.now();
    if (!isDbLockedError(err) || !clearStaleDbLock(file, now, options.staleMs)) throw err;
    return run();
  }
}
