import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

/**
 * `<name>.log.lock` marks a `.log` being recorded by a live process, so that recovery
 * never closes a recording that is still running. Taken by exclusive create; it holds
 * the owner's pid, its process start time and host, so a lock whose pid now belongs to
 * another program is known to be stale. Only the owner removes a live lock.
 */
export function lockPath(logPath: string): string {
  return `${logPath}.lock`;
}

export interface LockOwner {
  pid: number;
  /** The process's start time as the kernel gives it (/proc/PID/stat), when known. */
  processStart?: string;
  host: string;
  since: string;
  /** Distinguishes this take from any other, so a release never removes another's lock (absent in locks of 0.1.0). */
  token?: string;
}

export type LockState = { state: 'free' } | { state: 'live'; owner: LockOwner } | { state: 'stale'; owner: LockOwner | undefined; why: string };

const held = new Map<string, string>();

/** Start time of a process (clock ticks since boot; Linux), undefined where not known. */
export function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined | 'missing'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const o = JSON.parse(text);
    return typeof o?.pid === 'number' ? o : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Is the lock held by a live recorder? A lock of another host is taken as live (no way
 * to check it: on doubt, keep). Locks appear whole (`createComplete`), so an unreadable
 * one is garbage, not one being written.
 */
export async function lockState(logPath: string): Promise<LockState> {
  const owner = await readOwner(lockPath(logPath));
  if (owner === 'missing') return { state: 'free' };
  if (owner === undefined) return { state: 'stale', owner, why: 'the lock file is unreadable' };
  if (owner.host && owner.host !== hostname()) return { state: 'live', owner };
  if (owner.token !== undefined && held.get(logPath) === owner.token) return { state: 'live', owner };
  if (!alive(owner.pid)) return { state: 'stale', owner, why: `pid ${owner.pid} is not running` };
  const start = owner.processStart && processStartOf(owner.pid);
  if (start && start !== owner.processStart) return { state: 'stale', owner, why: `pid ${owner.pid} is now another process` };
  return { state: 'live', owner };
}

export async function isLocked(logPath: string): Promise<boolean> {
  return (await lockState(logPath)).state === 'live';
}

/**
 * Takes the lock by exclusive create. A stale lock is cleared first (moved aside under
 * a unique name, checked to be the one judged stale, then removed). Throws when a live
 * recorder holds it.
 */
export async function takeLock(logPath: string): Promise<void> {
  const file = lockPath(logPath);
  const owner: LockOwner & { token: string } = { pid: process.pid, processStart: processStartOf(process.pid), host: hostname(), since: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createComplete(file, JSON.stringify(owner))) {
      held.set(logPath, owner.token);
      return;
    }
    const s = await lockState(logPath);
    if (s.state === 'live') throw new Error(`${logPath}: another recorder (pid ${s.owner.pid} on ${s.owner.host}) is writing it`);
    if (s.state === 'stale') await clearStaleLock(logPath, s);
  }
  throw new Error(`${logPath}: the lock keeps changing under us (another recorder is starting)`);
}

/**
 * Creates `file` with its whole content or not at all: written beside it, then linked
 * into place (a reader never sees a half-written lock). Where links are not supported,
 * an exclusive create. False when the file exists.
 */
async function createComplete(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, content, { flag: 'wx' });
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  try {
    await writeFile(file, content, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Removes a lock judged stale, and only that one: it is renamed aside first; if what was
 * renamed is not the lock judged stale (another process took it meanwhile), it is put back.
 */
export async function clearStaleLock(logPath: string, judged: LockState & { state: 'stale' }): Promise<boolean> {
  const file = lockPath(logPath);
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const moved = await readOwner(aside);
  const same = moved !== 'missing' && (moved === undefined ? judged.owner === undefined : moved.token === judged.owner?.token && moved.pid === judged.owner?.pid);
  if (!same) {
    // Not the lock we judged: give it back (link fails only if yet another lock is there).
    await link(aside, file).catch(() => undefined);
    await rm(aside, { force: true });
    return false;
  }
  await rm(aside, { force: true });
  return true;
}

/** Releases the lock if this process took it; another's lock is never removed. */
export async function releaseLock(logPath: string): Promise<void> {
  const token = held.get(logPath);
  if (!token) return;
  held.delete(logPath);
  const owner = await readOwner(lockPath(logPath)).catch(() => undefined);
  if (owner && owner !== 'missing' && owner.token === token) await rm(lockPath(logPath), { force: true });
}
