import { readFile, rm, writeFile } from 'node:fs/promises';

/**
 * `<name>.log.lock` marks a `.log` being recorded by a live process, so that recovery
 * never closes a recording that is still running.
 */
export function lockPath(logPath: string): string {
  return `${logPath}.lock`;
}

export async function takeLock(logPath: string): Promise<void> {
  const file = lockPath(logPath);
  if (await isLocked(logPath)) throw new Error(`${logPath}: another recorder (pid ${(await readLock(file))?.pid}) is writing it`);
  await writeFile(file, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
}

export async function releaseLock(logPath: string): Promise<void> {
  await rm(lockPath(logPath), { force: true });
}

async function readLock(file: string): Promise<{ pid: number } | undefined> {
  try {
    const o = JSON.parse(await readFile(file, 'utf8'));
    return typeof o?.pid === 'number' ? o : undefined;
  } catch {
    return undefined;
  }
}

/** Locked when the lock names a process that is still alive. */
export async function isLocked(logPath: string): Promise<boolean> {
  const lock = await readLock(lockPath(logPath));
  if (!lock) return false;
  if (lock.pid === process.pid) return true;
  try {
    process.kill(lock.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
