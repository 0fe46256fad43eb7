import { lockState } from '../record/sessionLock';
import type { RetentionPolicy } from './retentionPolicy';
import { type GroupFile, type IgnoredEntry, type KeepReason, type SessionGroup, scanRetentionFolder } from './sessionGroups';
import { keepMarkOf, markPath } from './sessionMarks';

export interface PlannedSession {
  name: string;
  dir: string;
  /** Every file that goes, with its size; all of them or none. */
  files: GroupFile[];
  bytes: number;
  lastWrittenMs: number;
  /** `age`: last written before the cut-off; `size`: among the oldest while the folder is over the cap. */
  reason: 'age' | 'size';
}

export interface KeptSession {
  name: string;
  bytes: number;
  lastWrittenMs: number;
  reason: KeepReason;
}

export interface PrunePlan {
  dir: string;
  policy: RetentionPolicy;
  nowMs: number;
  /** The size of every session of the folder (the files prune would remove with them). */
  totalBytes: number;
  /** What is left after the plan. */
  remainingBytes: number;
  remove: PlannedSession[];
  /** Sessions the policy would have taken, and why they stay. */
  kept: KeptSession[];
  ignored: IgnoredEntry[];
  /** Set when even the plan leaves the folder over `maxTotalBytes` (what stays is kept for a reason). */
  overCapBytes?: number;
}

/**
 * Why a session must stay, or undefined. The recorder's lock first: a live lock is a
 * recording, a stale one an interrupted recording that `recover` has yet to close, and
 * a lock that cannot be judged is a doubt; each of them keeps it.
 */
export async function keepReasonOf(g: SessionGroup): Promise<KeepReason | undefined> {
  if (g.obstacles.length) return g.obstacles[0];
  for (const log of g.logsToCheck) {
    const file = `${log}.lock`;
    try {
      const s = await lockState(log);
      if (s.state === 'live') return { kind: 'recording', file, pid: s.owner.pid, host: s.owner.host };
      if (s.state === 'stale') return { kind: 'stale-lock', file, why: s.why };
    } catch (err) {
      return { kind: 'lock-unclear', file, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
    }
  }
  const mark = await keepMarkOf(g.dir, g.name);
  return mark ? { kind: mark, file: markPath(g.dir, g.name, mark) } : undefined;
}

/**
 * What prune would move to the trash from `dir`: sessions last written before
 * `now - olderThan`, then, while the folder is over `maxTotal`, the oldest of the others.
 * Nothing is changed. A session is judged by the newest modification time of its files.
 */
export async function planPrune(dir: string, policy: RetentionPolicy, options: { nowMs?: number } = {}): Promise<PrunePlan> {
  const nowMs = options.nowMs ?? Date.now();
  const scan = await scanRetentionFolder(dir);
  const totalBytes = scan.groups.reduce((n, g) => n + g.bytes, 0);
  const oldestFirst = [...scan.groups].sort((a, b) => a.lastWrittenMs - b.lastWrittenMs || a.name.localeCompare(b.name));
  const reasons = new Map<SessionGroup, KeepReason | undefined>();
  for (const g of oldestFirst) reasons.set(g, await keepReasonOf(g));
  const remove: PlannedSession[] = [];
  const kept: KeptSession[] = [];
  const keep = (g: SessionGroup): void => {
    kept.push({ name: g.name, bytes: g.bytes, lastWrittenMs: g.lastWrittenMs, reason: reasons.get(g) as KeepReason });
  };
  const take = (g: SessionGroup, reason: PlannedSession['reason']): void => {
    remove.push({ name: g.name, dir, files: g.files, bytes: g.bytes, lastWrittenMs: g.lastWrittenMs, reason });
  };
  let remaining = totalBytes;
  const left: SessionGroup[] = [];
  for (const g of oldestFirst) {
    if (policy.olderThanMs !== undefined && g.lastWrittenMs < nowMs - policy.olderThanMs) {
      if (reasons.get(g)) keep(g);
      else {
        take(g, 'age');
        remaining -= g.bytes;
      }
    } else left.push(g);
  }
  let overCapBytes: number | undefined;
  if (policy.maxTotalBytes !== undefined) {
    for (const g of left) {
      if (remaining <= policy.maxTotalBytes) break;
      if (reasons.get(g)) continue;
      take(g, 'size');
      remaining -= g.bytes;
    }
    if (remaining > policy.maxTotalBytes) {
      overCapBytes = remaining - policy.maxTotalBytes;
      // What stays over the cap stays for a reason: say which.
      for (const g of left) if (reasons.get(g)) keep(g);
    }
  }
  return { dir, policy, nowMs, totalBytes, remainingBytes: remaining, remove, kept, ignored: scan.ignored, ...(overCapBytes !== undefined ? { overCapBytes } : {}) };
}
