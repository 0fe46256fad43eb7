import { open, stat } from 'node:fs/promises';
import { releaseLock, takeLock } from './sessionLock';

/** Names tried after `<base>.log`: `<base>-2.log` … when two recorders start in one second. */
const MAX_SUFFIX = 100;

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Takes the lock of the `.log` a recording writes, before the file exists: two recorders
 * of one name started in the same second get `<base>.log` and `<base>-2.log`, never one
 * file. Resuming takes the lock of the file given, or fails when a live recorder has it.
 */
export async function claimLogFile(baseOrResume: string, resumed: boolean): Promise<string> {
  if (resumed) {
    await takeLock(baseOrResume);
    return baseOrResume;
  }
  let lastError: Error | undefined;
  for (let i = 1; i <= MAX_SUFFIX; i++) {
    const candidate = `${baseOrResume}${i === 1 ? '' : `-${i}`}.log`;
    if (await exists(candidate)) continue;
    try {
      await takeLock(candidate);
    } catch (err) {
      lastError = err as Error;
      continue;
    }
    // Locked by us: a file that appeared meanwhile came from outside the recorder; pass it by.
    if (!(await exists(candidate))) return candidate;
    await releaseLock(candidate);
  }
  throw new Error(`${baseOrResume}.log: no free session name after ${MAX_SUFFIX} tries${lastError ? ` (${lastError.message})` : ''}`);
}

/** The `session_meta` line of a `.log`, if its first line is one. */
export async function metaOfLog(logPath: string): Promise<Record<string, unknown> | undefined> {
  const fh = await open(logPath, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const first = buf.subarray(0, bytesRead).toString('utf8').split('\n')[0];
    const o = JSON.parse(first.replace(/^\uFEFF/, ''));
    return o && typeof o === 'object' && o._kind === 'session_meta' ? o : undefined;
  } catch {
    return undefined;
  } finally {
    await fh.close();
  }
}
