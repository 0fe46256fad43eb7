import { open, readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { buildIndexInWorker, startLiveIndex } from '../index/indexClient';
import { SessionLogReader } from '../session/logReader';
import { SessionLogWriter } from '../session/logWriter';
import { formatTimestamp } from '../session/timestamps';
import { metaOfLog } from './sessionClaim';
import { clearStaleLock, lockState, releaseLock, takeLock } from './sessionLock';

const TAIL_BYTES = 64 * 1024;

/** Does the `.log` end with a `session_end` line? Reads only its tail. */
export async function hasSessionEnd(logPath: string): Promise<boolean> {
  const fh = await open(logPath, 'r');
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, size - length);
    const lines = buf.toString('utf8').split('\n').filter((l) => l.trim());
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i];
      if (!line.includes('_kind')) return false;
      try {
        const o = JSON.parse(line);
        if (o._kind === 'session_end') return true;
        if (o._kind === undefined) return false;
      } catch {
        return false;
      }
    }
    return false;
  } finally {
    await fh.close();
  }
}

export interface InterruptedSession {
  logPath: string;
  sizeBytes: number;
  modified: string;
  /** Why its lock was found stale, when it had one. */
  staleLock?: string;
}

export interface LiveRecording {
  logPath: string;
  pid: number;
  host: string;
}

/**
 * Our recordings (a `session_meta` first line written by this recorder) without a
 * `session_end`, that no live recorder holds. Old recorders' files never had a
 * `session_end`, so only our own are considered.
 */
export async function findInterrupted(dir: string, live: LiveRecording[] = []): Promise<InterruptedSession[]> {
  const found: InterruptedSession[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return found;
  }
  for (const name of names.filter((n) => n.endsWith('.log')).sort()) {
    const logPath = path.join(dir, name);
    if (!(await isOurRecording(logPath)) || (await hasSessionEnd(logPath))) continue;
    const lock = await lockState(logPath);
    if (lock.state === 'live') {
      live.push({ logPath, pid: lock.owner.pid, host: lock.owner.host });
      continue;
    }
    const st = await stat(logPath);
    found.push({ logPath, sizeBytes: st.size, modified: new Date(st.mtimeMs).toISOString(), ...(lock.state === 'stale' ? { staleLock: lock.why } : {}) });
  }
  return found;
}

async function isOurRecording(logPath: string): Promise<boolean> {
  const version = (await metaOfLog(logPath))?.sessionRecorderVersion;
  return typeof version === 'string' && version.startsWith('mqtt-session-manager');
}

export interface RecoveryResult {
  logPath: string;
  dbPath: string;
  messages: number;
  problems: number;
  /** The line of the `.log` where the live index was taken up (undefined: built whole). */
  resumedAtLine?: number;
}

/** Closes an interrupted `.log` as `interrupted` with its message count, and indexes it. */
export async function finalizeInterrupted(logPath: string): Promise<RecoveryResult> {
  const lock = await lockState(logPath);
  if (lock.state === 'live') throw new Error(`${logPath}: a recorder (pid ${lock.owner.pid} on ${lock.owner.host}) is still writing it`);
  if (lock.state === 'stale') await clearStaleLock(logPath, lock);
  // Held while closing: a second recovery, or a resume, cannot append at the same time.
  await takeLock(logPath);
  try {
    return await closeInterrupted(logPath);
  } finally {
    await releaseLock(logPath);
  }
}

async function closeInterrupted(logPath: string): Promise<RecoveryResult> {
  if (await hasSessionEnd(logPath)) throw new Error(`${logPath}: already closed (another recovery was first)`);
  const reader = new SessionLogReader(logPath);
  let lastMs: number | undefined;
  for await (const batch of reader.batches()) if (batch.length) lastMs = batch[batch.length - 1].tsMs;
  // A cut-off last line would glue onto the session_end line: end it first.
  const endsWithNewline = await lastByteIsNewline(logPath);
  const writer = new SessionLogWriter(logPath, 'append');
  if (!endsWithNewline) writer.writeRaw('\n');
  writer.close({
    status: 'interrupted',
    reason: 'the recorder stopped without finishing (crash, kill or power loss); closed on recovery',
    messages: reader.messages,
    lastMessageAt: lastMs === undefined ? null : formatTimestamp(lastMs),
    recoveredAt: formatTimestamp(Date.now()),
    problems: reader.problems.count,
  });
  const dbPath = logPath.replace(/\.log$/, '.db');
  // The live index of the recording, finished from where it stopped; else built whole.
  let resumedAtLine: number | undefined;
  try {
    if (!existsSync(dbPath)) throw new Error('no live index');
    resumedAtLine = (await startLiveIndex(logPath, dbPath, { resume: true, finishNow: true }).finish()).resumedAtLine;
  } catch {
    await buildIndexInWorker(logPath, dbPath);
  }
  return { logPath, dbPath, messages: reader.messages, problems: reader.problems.count, resumedAtLine };
}

async function lastByteIsNewline(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) return true;
    const buf = Buffer.alloc(1);
    await fh.read(buf, 0, 1, size - 1);
    return buf[0] === 10;
  } finally {
    await fh.close();
  }
}
