import { lstat } from 'node:fs/promises';
import * as path from 'node:path';
import { type PlannedSession, type PrunePlan, keepReasonOf } from './prunePlan';
import { type FileRole, type GroupFile, type KeepReason, scanRetentionFolder } from './sessionGroups';

/**
 * Moves one file to a trash (the freedesktop one on the CLI, VS Code's in the editor).
 * `restore`, when the trash allows it, puts the file back.
 */
export type TrashMover = (file: string) => Promise<{ where?: string; restore?: () => Promise<void> }>;

export type SessionOutcome =
  | { name: string; status: 'moved'; files: { file: string; where?: string }[] }
  | { name: string; status: 'skipped'; why: KeepReason | { kind: 'gone' } | { kind: 'changed'; file: string } }
  /** `inTrash`: files that went before the failure and could not be put back. */
  | { name: string; status: 'failed'; file: string; error: string; inTrash: { file: string; where?: string }[] };

/** The rebuildable first, the durable record last: a failure half way loses the least. */
const ORDER: Record<FileRole, number> = { journal: 0, backup: 1, 'part-db': 2, db: 3, 'part-log': 4, log: 5 };

function sameFile(a: GroupFile, b: GroupFile): boolean {
  return a.path === b.path && a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** The planned file, or the first one that changed (written to, replaced, joined by a new part) since the plan. */
function firstChange(planned: readonly GroupFile[], now: readonly GroupFile[]): string | undefined {
  const byPath = new Map(now.map((f) => [f.path, f]));
  for (const f of planned) {
    const cur = byPath.get(f.path);
    if (!cur || !sameFile(f, cur)) return f.path;
  }
  return now.find((f) => !planned.some((p) => p.path === f.path))?.path;
}

async function stillThePlanned(f: GroupFile): Promise<boolean> {
  const st = await lstat(f.path).catch(() => undefined);
  return !!st && st.isFile() && st.dev === f.dev && st.ino === f.ino && st.size === f.size && st.mtimeMs === f.mtimeMs;
}

async function moveSession(s: PlannedSession, move: TrashMover): Promise<SessionOutcome> {
  const done: { file: string; where?: string; restore?: () => Promise<void> }[] = [];
  for (const f of [...s.files].sort((a, b) => ORDER[a.role] - ORDER[b.role] || a.path.localeCompare(b.path))) {
    try {
      if (!(await stillThePlanned(f))) throw new Error(`${path.basename(f.path)} changed just now`);
      done.push({ file: f.path, ...(await move(f.path)) });
    } catch (err) {
      // The session stays whole where it can: what already went is put back.
      const inTrash: { file: string; where?: string }[] = [];
      for (const d of done.reverse()) {
        try {
          if (!d.restore) throw new Error('cannot be put back');
          await d.restore();
        } catch {
          inTrash.push({ file: d.file, where: d.where });
        }
      }
      return { name: s.name, status: 'failed', file: f.path, error: (err as Error).message.split('\n')[0], inTrash };
    }
  }
  return { name: s.name, status: 'moved', files: done.map(({ file, where }) => ({ file, where })) };
}

/**
 * Carries out a plan, session by session, each one whole or not at all. Each is judged
 * again just before it goes (its files unchanged, no recorder's lock, no mark, nothing
 * open), so that a recording resumed or a session pinned since the plan stays. A session
 * that fails stops there; the others go on. `only`: the names chosen from the plan.
 */
export async function applyPrune(plan: PrunePlan, move: TrashMover, options: { only?: ReadonlySet<string>; onOutcome?: (o: SessionOutcome) => void } = {}): Promise<SessionOutcome[]> {
  const now = new Map((await scanRetentionFolder(plan.dir)).groups.map((g) => [g.name, g]));
  const outcomes: SessionOutcome[] = [];
  for (const s of plan.remove) {
    if (options.only && !options.only.has(s.name)) continue;
    const g = now.get(s.name);
    const changed = g && firstChange(s.files, g.files);
    const reason = g && !changed ? await keepReasonOf(g) : undefined;
    const o: SessionOutcome = !g
      ? { name: s.name, status: 'skipped', why: { kind: 'gone' } }
      : changed
        ? { name: s.name, status: 'skipped', why: { kind: 'changed', file: changed } }
        : reason
          ? { name: s.name, status: 'skipped', why: reason }
          : await moveSession(s, move);
    outcomes.push(o);
    options.onOutcome?.(o);
  }
  return outcomes;
}
