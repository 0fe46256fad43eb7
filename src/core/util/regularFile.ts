import { type Stats, closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * The largest record or test-topic file read (16 MiB). Records are a few KiB and test topics
 * rarely more than a camera frame; the cap keeps a huge or endless file (`/dev/zero`) from
 * filling the memory.
 */
export const MAX_INPUT_FILE_BYTES = 16 * 1024 * 1024;

/** A file refused or unreadable; the message is one line naming the file. */
export class InputFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

export interface RegularFileOptions {
  /**
   * Folders a symlink may resolve into; by default the file's own folder. The folder being
   * read (and the workspace) are what the user chose to share: `/etc/passwd` is not.
   */
  roots?: readonly string[];
  maxBytes?: number;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function isInside(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function realRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return path.resolve(root);
  }
}

function errorText(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/** Refuses what is not a regular file, or a symlink resolving outside the roots (`target`: its real path). */
function checkPath(file: string, link: Stats, target: string | undefined, options: RegularFileOptions): void {
  if (link.isSymbolicLink()) {
    const roots = (options.roots ?? [path.dirname(path.resolve(file))]).map(realRoot);
    if (target !== undefined && !roots.some((r) => isInside(target, r))) throw new InputFileError(file, `symlink to ${target}, outside ${roots.join(', ')}, refused`);
  } else if (!link.isFile()) {
    throw new InputFileError(file, `${kindOf(link)}, not a regular file, refused`);
  }
}

/** The same on the open handle: what was checked by name may have been swapped since. */
function checkOpened(file: string, link: Stats, st: Stats, maxBytes: number): void {
  if (!st.isFile()) throw new InputFileError(file, `${link.isSymbolicLink() ? 'symlink to ' : ''}${kindOf(st)}, not a regular file, refused`);
  if (st.size > maxBytes) throw new InputFileError(file, `${st.size} bytes, larger than the limit of ${maxBytes} bytes, refused`);
}

/** Up to the end, but never past the cap: the file may grow while it is read. */
function nextChunk(size: number, total: number, maxBytes: number): Buffer {
  return Buffer.allocUnsafe(Math.min(Math.max(size - total, 0) + 1, maxBytes + 1 - total, 1 << 20));
}

function tooLarge(file: string, maxBytes: number): InputFileError {
  return new InputFileError(file, `larger than the limit of ${maxBytes} bytes, refused`);
}

function asInputError(file: string, err: unknown, what = 'cannot be read', after = ''): InputFileError {
  return err instanceof InputFileError ? err : new InputFileError(file, `${what} (${errorText(err)})${after}`);
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * The bytes of a regular file, or an `InputFileError`: FIFOs, devices and sockets are
 * refused, a symlink only when it resolves to a regular file inside one of the roots, and
 * nothing larger than the cap is read. Synchronous (registries are thousands of small
 * files, see registryStore); the open is non-blocking, so even a FIFO swapped in after the
 * check cannot hang, and the type is checked again on the open handle.
 */
export function readRegularFile(file: string, options: RegularFileOptions = {}): Buffer {
  const maxBytes = options.maxBytes ?? MAX_INPUT_FILE_BYTES;
  let link: Stats;
  try {
    link = lstatSync(file);
  } catch (err) {
    throw asInputError(file, err);
  }
  let target: string | undefined;
  if (link.isSymbolicLink()) {
    try {
      target = realpathSync(file);
    } catch (err) {
      throw asInputError(file, err, 'symlink that cannot be resolved', ', refused');
    }
  }
  checkPath(file, link, target, options);
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (err) {
    throw asInputError(file, err);
  }
  try {
    const st = fstatSync(fd);
    checkOpened(file, link, st, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = nextChunk(st.size, total, maxBytes);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw tooLarge(file, maxBytes);
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, total);
  } catch (err) {
    throw asInputError(file, err);
  } finally {
    closeSync(fd);
  }
}

/** `readRegularFile` without blocking the thread (the extension host reads test topics). */
export async function readRegularFileAsync(file: string, options: RegularFileOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? MAX_INPUT_FILE_BYTES;
  const link = await lstat(file).catch((err: unknown) => {
    throw asInputError(file, err);
  });
  const target = link.isSymbolicLink()
    ? await realpath(file).catch((err: unknown) => {
        throw asInputError(file, err, 'symlink that cannot be resolved', ', refused');
      })
    : undefined;
  checkPath(file, link, target, options);
  const handle = await open(file, OPEN_FLAGS).catch((err: unknown) => {
    throw asInputError(file, err);
  });
  try {
    const st = await handle.stat();
    checkOpened(file, link, st, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = nextChunk(st.size, total, maxBytes);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(file, maxBytes);
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } catch (err) {
    throw asInputError(file, err);
  } finally {
    await handle.close();
  }
}

/** The text of a regular file (UTF-8), under the same rules as `readRegularFile`. */
export function readRegularTextFile(file: string, options: RegularFileOptions = {}): string {
  return readRegularFile(file, options).toString('utf8');
}
