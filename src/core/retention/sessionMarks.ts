import { lstat, open, rm } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Marks that keep a session from ever being pruned: a sidecar file beside the session,
 * `<name>.pinned` (set by "Pin Session" in the Sessions view, or `touch`), or
 * `<name>.golden` (a golden run, issue 19). A sidecar rather than a setting: the CLI and
 * VS Code see the same mark, and it travels with the folder. Its content is not read;
 * only a regular file counts (a symlink named so is not a mark anyone set through us).
 */
export const KEEP_MARKS = ['pinned', 'golden'] as const;
export type KeepMark = (typeof KEEP_MARKS)[number];

export function markPath(dir: string, name: string, mark: KeepMark): string {
  return path.join(dir, `${name}.${mark}`);
}

/** The mark that keeps the session, if any: the one check prune makes (issue 19 adds golden runs here). */
export async function keepMarkOf(dir: string, name: string): Promise<KeepMark | undefined> {
  for (const mark of KEEP_MARKS) {
    const st = await lstat(markPath(dir, name, mark)).catch(() => undefined);
    if (st?.isFile()) return mark;
  }
  return undefined;
}

/** Sets or clears `<name>.pinned`. Creating never overwrites; clearing removes only a regular file. */
export async function setPinned(dir: string, name: string, pinned: boolean): Promise<void> {
  const file = markPath(dir, name, 'pinned');
  if (pinned) {
    const fh = await open(file, 'a');
    await fh.close();
    return;
  }
  const st = await lstat(file).catch(() => undefined);
  if (st?.isFile()) await rm(file);
}
