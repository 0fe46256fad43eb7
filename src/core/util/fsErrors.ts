/** A folder or file we may read but not write (read-only mount, permissions). */
export function isNotWritable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EROFS' || code === 'EPERM';
}
