import { lstat, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';

/**
 * Moving a file to the trash as the freedesktop.org Trash specification (1.0) describes
 * it, which file managers on Linux read (GNOME, KDE, `gio trash`, `trash-cli`): the file
 * goes to `<trash>/files/<name>`, and `<trash>/info/<name>.trashinfo` records where it
 * came from and when. Written here because the npm `trash` package cannot be bundled
 * (its mount-table reader loads parsers by computed path). Only ever a rename: a file
 * the trash cannot take without copying is left where it is, with an error.
 */
export interface TrashedFile {
  original: string;
  /** Where the file is now. */
  trashedAs: string;
  info: string;
}

export interface TrashOptions {
  /** The home folder (default `os.homedir()`, which follows `$HOME`). */
  home?: string;
  /** `$XDG_DATA_HOME` (default from the environment; only an absolute path counts). */
  dataHome?: string;
  now?: Date;
}

const MAX_NAME_TRIES = 10_000;

/** `%`-escapes as in URIs (RFC 2396), segment by segment so that `/` stays. */
function escapePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

function localDate(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

function uidOf(): number {
  const uid = process.getuid?.();
  if (uid === undefined) throw new Error('the freedesktop trash needs a POSIX system (no user id here)');
  return uid;
}

/** The device of a path, or of its nearest existing parent. */
async function deviceOf(p: string): Promise<number> {
  for (let d = p; ; d = path.dirname(d)) {
    const st = await stat(d).catch(() => undefined);
    if (st) return st.dev;
    if (path.dirname(d) === d) throw new Error(`${p}: no existing parent folder`);
  }
}

/** The top of the mount that holds `dir` (the highest parent on the same device). */
async function mountTopOf(dir: string, dev: number): Promise<string> {
  let top = dir;
  for (;;) {
    const up = path.dirname(top);
    if (up === top) return top;
    const st = await stat(up).catch(() => undefined);
    if (!st || st.dev !== dev) return top;
    top = up;
  }
}

/** A folder of the trash: made 0700 when missing; one that is there must be a real folder (not a symlink). */
async function ensureFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new Error(`${dir}: not a folder (a symlink or a file), refused as a trash folder`);
}

interface TrashDir {
  root: string;
  /** Paths in its .trashinfo are relative to this folder (a trash on another mount), or absolute (home). */
  relativeTo?: string;
}

/**
 * The trash for a file: the home trash when the file is on its device; else, on the
 * file's mount, `$top/.Trash/$uid` when `$top/.Trash` is a sticky folder (not a
 * symlink), otherwise `$top/.Trash-$uid`.
 */
async function trashFor(file: string, dev: number, options: TrashOptions): Promise<TrashDir> {
  const dataHome = options.dataHome ?? process.env.XDG_DATA_HOME;
  const home = path.join(dataHome && path.isAbsolute(dataHome) ? dataHome : path.join(options.home ?? homedir(), '.local', 'share'), 'Trash');
  if ((await deviceOf(home)) === dev) return { root: home };
  const uid = uidOf();
  const top = await mountTopOf(path.dirname(file), dev);
  const shared = await lstat(path.join(top, '.Trash')).catch(() => undefined);
  if (shared?.isDirectory() && (shared.mode & 0o1000) !== 0) return { root: path.join(top, '.Trash', String(uid)), relativeTo: top };
  const own = path.join(top, `.Trash-${uid}`);
  const st = await lstat(own).catch(() => undefined);
  if (st && (!st.isDirectory() || st.uid !== uid)) throw new Error(`${own}: not a trash folder of this user, refused`);
  return { root: own, relativeTo: top };
}

/** Reserves `<info>/<name>.trashinfo` by exclusive create and writes it whole; the name is free in files/ too. */
async function reserveName(t: TrashDir, original: string, now: Date): Promise<{ name: string; info: string }> {
  const ext = path.extname(original);
  const stem = path.basename(original, ext);
  const shown = t.relativeTo ? path.relative(t.relativeTo, original) : original;
  const text = `[Trash Info]\nPath=${escapePath(shown)}\nDeletionDate=${localDate(now)}\n`;
  for (let i = 1; i <= MAX_NAME_TRIES; i++) {
    const name = i === 1 ? `${stem}${ext}` : `${stem}.${i}${ext}`;
    const info = path.join(t.root, 'info', `${name}.trashinfo`);
    let fh;
    try {
      fh = await open(info, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    try {
      await fh.writeFile(text, 'utf8');
    } finally {
      await fh.close();
    }
    if (await lstat(path.join(t.root, 'files', name)).then(() => true, () => false)) {
      await rm(info, { force: true });
      continue;
    }
    return { name, info };
  }
  throw new Error(`${t.root}: no free name for ${path.basename(original)} after ${MAX_NAME_TRIES} tries`);
}

/** Moves one regular file to the trash (never a symlink or special file); an error names the file. */
export async function moveToTrash(file: string, options: TrashOptions = {}): Promise<TrashedFile> {
  const original = path.resolve(file);
  try {
    if (process.platform === 'darwin' || process.platform === 'win32') throw new Error(`the freedesktop trash is for Linux and BSD, not ${process.platform} (VS Code's "Prune Sessions…" uses the system's trash)`);
    const st = await lstat(original);
    if (!st.isFile()) throw new Error('not a regular file, refused');
    const t = await trashFor(original, st.dev, options);
    await ensureFolder(path.join(t.root, 'files'));
    await ensureFolder(path.join(t.root, 'info'));
    const { name, info } = await reserveName(t, original, options.now ?? new Date());
    const trashedAs = path.join(t.root, 'files', name);
    try {
      await rename(original, trashedAs);
    } catch (err) {
      await rm(info, { force: true });
      throw (err as NodeJS.ErrnoException).code === 'EXDEV' ? new Error(`the trash ${t.root} is on another device (a copy is never made)`) : err;
    }
    return { original, trashedAs, info };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${original}: cannot move to the trash: ${e.code ? `${e.code}${e.path && e.path !== original ? ` on ${e.path}` : ''}` : e.message}`);
  }
}

/** Puts a trashed file back where it was (when nothing took its place) and drops its .trashinfo. */
export async function restoreFromTrash(t: TrashedFile): Promise<void> {
  if (await lstat(t.original).then(() => true, () => false)) throw new Error(`${t.original}: something is there again; left in the trash as ${t.trashedAs}`);
  await rename(t.trashedAs, t.original);
  await rm(t.info, { force: true });
}

/** `moveToTrash` as prune's mover: where each file went, and how to put it back. */
export function freedesktopMover(options: TrashOptions = {}): (file: string) => Promise<{ where: string; restore: () => Promise<void> }> {
  return async (file) => {
    const t = await moveToTrash(file, options);
    return { where: t.trashedAs, restore: () => restoreFromTrash(t) };
  };
}
