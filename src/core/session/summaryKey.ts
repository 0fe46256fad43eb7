import { stat } from 'node:fs/promises';
import type { SessionFiles } from './sessionFiles';
import type { NaiveTimeZone } from './timestamps';

/**
 * What a session's summary is made from: each file's size and time, and how naive times
 * are read. A summary holds while this stays the same. (A module of its own: the
 * extension checks it at activation without loading the readers.)
 */
export async function summarySourceKey(files: SessionFiles, naive: NaiveTimeZone): Promise<string> {
  const parts = [files.log, files.db].filter((f): f is string => !!f);
  const stamps = await Promise.all(parts.map(async (f) => stat(f).then((s) => `${f}:${s.size}:${s.mtimeMs}`, () => `${f}:missing`)));
  return [naive, ...stamps].join('|');
}
