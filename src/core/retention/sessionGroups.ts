import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { scanSessionFolder } from '../session/sessionFiles';

/** What a file is to its session. Parts are `<name>.part-<NAME>.log|db` (DESIGN §3.1). */
export type FileRole = 'log' | 'db' | 'part-log' | 'part-db' | 'journal' | 'backup';

export interface GroupFile {
  path: string;
  role: FileRole;
  size: number;
  mtimeMs: number;
  /** Identity: what is moved must be the file that was planned, not one put there since. */
  dev: number;
  ino: number;
}

/** Why a session stays. `file` names the file that says so. */
export type KeepReason =
  | { kind: 'recording'; file: string; pid: number; host: string }
  | { kind: 'stale-lock'; file: string; why: string }
  | { kind: 'lock-unclear'; file: string; error: string }
  | { kind: 'pinned' | 'golden'; file: string }
  | { kind: 'not-regular'; file: string; what: string }
  | { kind: 'in-use'; file: string }
  | { kind: 'unreadable'; file: string; error: string };

/** A session with every file that goes with it, and what the folder says against removing it. */
export interface SessionGroup {
  name: string;
  dir: string;
  files: GroupFile[];
  bytes: number;
  /** The newest modification time of its files: the `.log` is append-only, so this is when its last message was written. */
  lastWrittenMs: number;
  /** The `.log` paths whose recorder lock (`.log.lock`) must be free, whether or not the `.log` exists yet. */
  logsToCheck: string[];
  obstacles: KeepReason[];
}

export interface IgnoredEntry {
  path: string;
  what: string;
}

export interface RetentionScan {
  dir: string;
  groups: SessionGroup[];
  /** Entries that look like sessions but are not regular files: never followed, never removed. */
  ignored: IgnoredEntry[];
}

const PART = /^(.+?)\.part-.+$/;

/** The session a part belongs to: `<name>.part-<NAME>` → `<name>`; any other name is its own. */
export function sessionBaseName(name: string): string {
  return PART.exec(name)?.[1] ?? name;
}

function kindOf(e: Dirent): string {
  if (e.isSymbolicLink()) return 'a symlink';
  if (e.isDirectory()) return 'a folder';
  if (e.isFIFO()) return 'a FIFO';
  if (e.isSocket()) return 'a socket';
  if (e.isCharacterDevice() || e.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** What a file named `<session><suffix>` is to that session; undefined: not part of it. */
function roleOf(suffix: string, isPart: boolean): FileRole | 'lock' | 'db-lock' | 'temp' | 'mark' | undefined {
  if (suffix === '.log') return isPart ? 'part-log' : 'log';
  if (suffix === '.db') return isPart ? 'part-db' : 'db';
  if (/\.tmp|\.stale-/.test(suffix)) return 'temp';
  if (suffix.endsWith('.log.lock')) return 'lock';
  if (suffix.endsWith('.lock')) return 'db-lock';
  if (/^\.db(?:\.bak(?:\.\d+)?)?-journal$/.test(suffix)) return 'journal';
  if (/^\.db\.bak(?:\.\d+)?$/.test(suffix)) return 'backup';
  if (suffix === '.pinned' || suffix === '.golden') return 'mark';
  return undefined;
}

/**
 * The sessions of one folder as prune sees them: the pairs that `list` finds
 * (`scanSessionFolder`), parts grouped under their session, and beside them the files
 * that go with a session (rollback journals, `.db.bak` backups) and those that speak
 * against touching it (a recorder's lock, an index open in another process, a file
 * being written, a symlink in the place of one of its files).
 */
export async function scanRetentionFolder(dir: string): Promise<RetentionScan> {
  const sessions = await scanSessionFolder(dir);
  const entries = await readdir(dir, { withFileTypes: true });
  const groups = new Map<string, SessionGroup>();
  const groupOf = (name: string): SessionGroup => {
    const base = sessionBaseName(name);
    let g = groups.get(base);
    if (!g) groups.set(base, (g = { name: base, dir, files: [], bytes: 0, lastWrittenMs: 0, logsToCheck: [path.join(dir, `${base}.log`)], obstacles: [] }));
    return g;
  };
  const names = sessions.map((s) => s.name);
  for (const n of names) groupOf(n).logsToCheck.push(path.join(dir, `${n}.log`));
  // The longest name first: `a.b.log` belongs to `a.b`, not to `a`.
  const byLength = [...new Set([...names, ...groups.keys()])].sort((a, b) => b.length - a.length);
  const ignored: IgnoredEntry[] = [];
  for (const e of entries) {
    const owner = byLength.find((n) => e.name.startsWith(`${n}.`));
    const file = path.join(dir, e.name);
    if (owner === undefined) {
      if (/\.(log|db)$/i.test(e.name) && !e.isFile()) ignored.push({ path: file, what: kindOf(e) });
      continue;
    }
    const g = groupOf(owner);
    const role = roleOf(e.name.slice(owner.length), PART.test(owner));
    if (role === undefined || role === 'mark') continue;
    if (role === 'lock') {
      g.logsToCheck.push(file.slice(0, -'.lock'.length));
      continue;
    }
    if (role === 'db-lock' || role === 'temp') {
      g.obstacles.push({ kind: 'in-use', file });
      continue;
    }
    if (!e.isFile()) {
      g.obstacles.push({ kind: 'not-regular', file, what: kindOf(e) });
      continue;
    }
    try {
      const st = await lstat(file);
      if (!st.isFile()) throw new Error('changed while it was read');
      g.files.push({ path: file, role, size: st.size, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino });
      g.bytes += st.size;
      g.lastWrittenMs = Math.max(g.lastWrittenMs, st.mtimeMs);
    } catch (err) {
      g.obstacles.push({ kind: 'unreadable', file, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
    }
  }
  for (const g of groups.values()) {
    g.logsToCheck = [...new Set(g.logsToCheck)].sort();
    g.files.sort((a, b) => a.path.localeCompare(b.path));
  }
  return { dir, groups: [...groups.values()].filter((g) => g.files.length > 0 || g.obstacles.length > 0).sort((a, b) => a.name.localeCompare(b.name)), ignored };
}
