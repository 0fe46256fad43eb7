import { rename, rm, writeFile } from 'node:fs/promises';

/** Temp file beside the target, then rename: a reader never sees half a file. */
export async function writeFileAtomic(target: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    await writeFile(tmp, bytes, { flag: 'wx' });
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
