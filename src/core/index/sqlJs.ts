import { readFile } from 'node:fs/promises';
import type { Database, SqlJsStatic } from 'sql.js';
import { runtimeFile } from '../runtime/runtimePaths';

let loading: Promise<SqlJsStatic> | undefined;

/** Loads sql.js once, on first use: never at extension activation. */
export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!loading) {
    loading = (async () => {
      // Required lazily so that merely importing core code does not pull in the wasm runtime.
      const initSqlJs = (await import('sql.js')).default;
      const wasmBinary = await readFile(runtimeFile('sql-wasm.wasm'));
      return initSqlJs({ wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) as ArrayBuffer });
    })();
    loading.catch(() => (loading = undefined));
  }
  return loading;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/** Opens a `.db` file in memory; one clear error when it is not SQLite. */
export async function openDatabaseFile(file: string): Promise<Database> {
  const bytes = await readFile(file);
  if (bytes.length < 100 || bytes.subarray(0, 16).toString('latin1') !== SQLITE_MAGIC) {
    throw new Error(`${file}: not an SQLite database`);
  }
  const SQL = await loadSqlJs();
  return new SQL.Database(bytes);
}

export function tableExists(db: Database, name: string): boolean {
  const stmt = db.prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?");
  try {
    stmt.bind([name]);
    return stmt.step();
  } finally {
    stmt.free();
  }
}

export function tableColumns(db: Database, table: string): string[] {
  const res = db.exec(`PRAGMA table_info(${quoteIdent(table)})`);
  return res.length ? res[0].values.map((row) => String(row[1])) : [];
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Runs a query and returns its rows as objects. For small results. */
export function queryAll<T = Record<string, unknown>>(db: Database, sql: string, params: (string | number | null)[] = []): T[] {
  const stmt = db.prepare(sql);
  try {
    stmt.bind(params);
    const rows: T[] = [];
    while (stmt.step()) rows.push(stmt.getAsObject() as T);
    return rows;
  } finally {
    stmt.free();
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
    db = await openDatabaseFile(file);
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.startsWith(file) ? message : `${file}: ${message}`);
  }
  try {
    if (!tableExists(db, 'session_meta')) return 'foreign';
    return queryAll(db, "SELECT 1 FROM session_meta WHERE key = 'index.schema'").length ? 'ours' : 'foreign';
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}
