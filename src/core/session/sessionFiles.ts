import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { utcMs } from './timestamps';

/** A session: its base name and the `.log` and/or `.db` that hold it. */
export interface SessionFiles {
  name: string;
  dir: string;
  log?: string;
  db?: string;
}

const STAMP = /^(.*)_(\d{8})_(\d{6})$/;

/** `red-storage-production_20260807_113213` → label and the stamp's time (read as UTC). */
export function splitSessionName(name: string): { label: string; stampMs?: number } {
  const m = STAMP.exec(name);
  if (!m) return { label: name };
  const [, label, d, t] = m;
  const ms = utcMs(+d.slice(0, 4), +d.slice(4, 6), +d.slice(6, 8), +t.slice(0, 2), +t.slice(2, 4), +t.slice(4, 6));
  return Number.isFinite(ms) ? { label, stampMs: ms } : { label: name };
}

export function sessionFileList(s: SessionFiles): string[] {
  return [s.log, s.db].filter((f): f is string => f !== undefined);
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/**
 * SESSION argument → files: a path to a `.log` or `.db`, or a base name (with or
 * without folder). The partner file with the same base name is picked up too.
 */
export async function resolveSession(arg: string): Promise<SessionFiles> {
  const abs = path.resolve(arg);
  const ext = path.extname(abs).toLowerCase();
  const base = ext === '.log' || ext === '.db' ? abs.slice(0, -ext.length) : abs;
  if ((ext === '.log' || ext === '.db') && !(await isFile(abs))) throw new Error(`${arg}: no such file`);
  const log = (await isFile(`${base}.log`)) ? `${base}.log` : undefined;
  const db = (await isFile(`${base}.db`)) ? `${base}.db` : undefined;
  if (!log && !db) {
    const st = await stat(abs).catch(() => undefined);
    if (st?.isDirectory()) throw new Error(`${arg}: is a folder, not a session (give a .log, a .db or a base name)`);
    throw new Error(`${arg}: no such session (looked for ${path.basename(base)}.log and ${path.basename(base)}.db)`);
  }
  return { name: path.basename(base), dir: path.dirname(base), log, db };
}

/** The sessions of one folder (not recursive), paired by base name, sorted by name. */
export async function scanSessionFolder(dir: string): Promise<SessionFiles[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const byName = new Map<string, SessionFiles>();
  for (const e of entries) {
    if (!e.isFile()) continue;
    const ext = path.extname(e.name).toLowerCase();
    if (ext !== '.log' && ext !== '.db') continue;
    const name = e.name.slice(0, -ext.length);
    const s = byName.get(name) ?? { name, dir };
    if (ext === '.log') s.log = path.join(dir, e.name);
    else s.db = path.join(dir, e.name);
    byName.set(name, s);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
