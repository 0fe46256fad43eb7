import { closeSync, openSync, readSync } from 'node:fs';
import type { Database, SQLiteValue, Statement } from 'node-sqlite3-wasm';
import { clearStaleDbLock } from './dbLock';

export type { Database } from 'node-sqlite3-wasm';
export type SqlParam = string | number | null;

/**
 * SQLite through node-sqlite3-wasm: SQLite compiled to WebAssembly, pages read and
 * written through the file system (no native module, no download; runs in worker threads
 * and in the extension host). Nothing is read whole: memory stays flat at any size.
 * Loaded on first use, never at activation.
 */
let engine: typeof import('node-sqlite3-wasm') | undefined;
function sqlite(): typeof import('node-sqlite3-wasm') {
  // Required lazily: the module compiles its wasm when it is first required.
  engine ??= require('node-sqlite3-wasm') as typeof import('node-sqlite3-wasm');
  return engine;
}

/**
 * Every connection waits for a lock instead of failing at once: the engine's file
 * system layer takes one lock for any access, read or write, and holds it a statement
 * (or a transaction) long.
 */
export const BUSY_TIMEOUT_MS = 5000;

const SQLITE_MAGIC = 'SQLite format 3\0';

/** The first 16 bytes say whether this is an SQLite file at all (read, not trusted to the engine). */
function isSqliteFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(100);
    const n = readSync(fd, head, 0, 100, 0);
    return n === 100 && head.subarray(0, 16).toString('latin1') === SQLITE_MAGIC;
  } finally {
    closeSync(fd);
  }
}

export interface OpenOptions {
  /** Default true: a session file is read, never changed. */
  readOnly?: boolean;
}

/** Opens a `.db` in place. One clear error naming the file when it is not SQLite. */
export function openDatabaseFile(file: string, options: OpenOptions = {}): Database {
  const readOnly = options.readOnly ?? true;
  if (!isSqliteFile(file)) throw new Error(`${file}: not an SQLite database`);
  clearStaleDbLock(file);
  let db: Database;
  try {
    db = new (sqlite().Database)(file, { readOnly, fileMustExist: true });
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  // Only the busy timeout here: opening must not touch the file (a pragma such as
  // cache_size reads the schema, and would wait on a lock already).
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return db;
}

/** A new database file (it must not exist), for writing an index. */
export function createDatabaseFile(file: string): Database {
  const db = new (sqlite().Database)(file);
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return db;
}

export function tableExists(db: Database, name: string): boolean {
  return db.get("SELECT 1 AS x FROM sqlite_master WHERE type IN ('table','view') AND name = ?", [name]) !== null;
}

export function tableColumns(db: Database, table: string): string[] {
  return db.all(`PRAGMA table_info(${quoteIdent(table)})`).map((row) => String(row.name));
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Runs a query and returns its rows as objects. For small results. */
export function queryAll<T = Record<string, unknown>>(db: Database, sql: string, params: SqlParam[] = []): T[] {
  return db.all(sql, params) as T[];
}

/** Rows one at a time, the statement finalized when the loop ends (or breaks). */
export function* queryRows<T = Record<string, SQLiteValue>>(db: Database, sql: string, params: SqlParam[] = []): Generator<T> {
  const stmt = db.prepare(sql);
  try {
    for (const row of stmt.iterate(params)) yield row as T;
  } finally {
    finalizeQuietly(stmt);
  }
}

/**
 * A text column as a string. Our index stores text holding a NUL as its UTF-8 bytes (the
 * engine passes strings NUL-terminated), so a payload column may come back as bytes.
 */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  return value === null || value === undefined ? '' : String(value);
}

/**
 * Finalizes a statement without throwing: SQLite's finalize repeats the error of the
 * statement's last step, which the caller has already had (and named).
 */
export function finalizeQuietly(stmt: Statement): void {
  try {
    if (!stmt.isFinalized) stmt.finalize();
  } catch {
    /* the step's own error was thrown already */
  }
}

/**
 * Whose is this `.db`? `ours` when it holds our index metadata, `foreign` when it is a
 * readable SQLite file without it. Anything else (not SQLite, truncated, corrupt,
 * unreadable) throws, naming the file: a doubt, never a reason to move the file.
 */
export async function probeDatabase(file: string): Promise<'ours' | 'foreign'> {
  let db: Database;
  try {
    db = openDatabaseFile(file);
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.startsWith(file) ? message : `${file}: ${message}`);
  }
  try {
    if (!tableExists(db, 'session_meta')) return 'foreign';
    return db.get("SELECT 1 AS x FROM session_meta WHERE key = 'index.schema'") !== null ? 'ours' : 'foreign';
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}
