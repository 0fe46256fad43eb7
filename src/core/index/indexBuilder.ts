import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { SessionLogReader } from '../session/logReader';
import type { NaiveTimeZone } from '../session/timestamps';
import { META_KEYS } from './indexSchema';
import { SessionDbWriter } from './sessionDbWriter';

export interface IndexBuildOptions {
  naive?: NaiveTimeZone;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface IndexBuildResult {
  dbPath: string;
  messages: number;
  topics: number;
  problems: number;
  lines: number;
  startMs: number | null;
  endMs: number | null;
  elapsedMs: number;
}

/** Builds the `.db` index of a `.log`. Runs inside the index worker; callable directly too. */
export async function buildIndexFromLog(logPath: string, dbPath: string, options: IndexBuildOptions = {}): Promise<IndexBuildResult> {
  const t0 = performance.now();
  const before = await stat(logPath);
  const reader = new SessionLogReader(logPath, { naive: options.naive, onProgress: options.onProgress, batchSize: 2000 });
  const writer = await SessionDbWriter.create(dbPath);
  try {
    for await (const batch of reader.batches()) writer.add(batch);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await writer.finish(dbPath, {
    meta: reader.meta?.data,
    records: reader.records,
    problems: reader.problems.items,
    index: {
      [META_KEYS.sourceLog]: path.basename(logPath),
      // What was read, so that a later append makes the index stale.
      [META_KEYS.sourceSize]: reader.bytesRead,
      [META_KEYS.sourceMtimeMs]: before.mtimeMs,
      [META_KEYS.problems]: reader.problems.count,
      [META_KEYS.lines]: reader.lines,
      [META_KEYS.sessionEnd]: reader.end?.data,
    },
  });
  return {
    dbPath,
    messages: writer.messages,
    topics: writer.topicCount,
    problems: reader.problems.count,
    lines: reader.lines,
    startMs: writer.messages ? writer.startMs : null,
    endMs: writer.messages ? writer.endMs : null,
    elapsedMs: performance.now() - t0,
  };
}
