import { type Stats, closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync } from 'node:fs';
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

/**
 * The bytes of a regular file, or an `InputFileError`: FIFOs, devices and sockets are
 * refused, a symlink only when it resolves to a regular file inside one of the roots, and
 * nothing larger than the cap is read. Synchronous on purpose (registries are thousands of
 * small files, see registryStore); the open is non-blocking, so even a FIFO swapped in
 * after the check cannot hang, and the type is checked again on the open handle.
 */
export function readRegularFile(file: string, options: RegularFileOptions = {}): Buffer {
  const maxBytes = options.maxBytes ?? MAX_INPUT_FILE_BYTES;
  let link: Stats;
  try {
    link = lstatSync(file);
  } catch (err) {
    throw new InputFileError(file, `cannot be read (${errorText(err)})`);
  }
  if (link.isSymbolicLink()) {
    let target: string;
    try {
      target = realpathSync(file);
    } catch (err) {
      throw new InputFileError(file, `symlink that cannot be resolved (${errorText(err)}), refused`);
    }
    const roots = (options.roots ?? [path.dirname(path.resolve(file))]).map(realRoot);
    if (!roots.some((r) => isInside(target, r))) throw new InputFileError(file, `symlink to ${target}, outside ${roots.join(', ')}, refused`);
  } else if (!link.isFile()) {
    throw new InputFileError(file, `${kindOf(link)}, not a regular file, refused`);
  }
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new InputFileError(file, `cannot be read (${errorText(err)})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputFileError(file, `${link.isSymbolicLink() ? 'symlink to ' : ''}${kindOf(st)}, not a regular file, refused`);
    if (st.size > maxBytes) throw new InputFileError(file, `${st.size} bytes, larger than the limit of ${maxBytes} bytes, refused`);
    // Read to the end, but never past the cap: the file may grow while we read it.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(st.size - total, 0) + 1, maxBytes + 1 - total, 1 << 20) || 1);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw new InputFileError(file, `larger than the limit of ${maxBytes} bytes, refused`);
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof InputFileError) throw err;
    throw new InputFileError(file, `cannot be read (${errorText(err)})`);
  } finally {
    closeSync(fd);
  }
}

/** The text of a regular file (UTF-8), under the same rules as `readRegularFile`. */
export function readRegularTextFile(file: string, options: RegularFileOptions = {}): string {
  return readRegularFile(file, options).toString('utf8');
}
