import type { NaiveTimeZone } from '../session/timestamps';
import type { IndexBuildResult } from './indexBuilder';

/** Messages between `indexClient` (any thread) and `indexWorker`. */
export interface IndexJob {
  logPath: string;
  dbPath: string;
  naive: NaiveTimeZone;
}

export type IndexWorkerMessage =
  | { type: 'progress'; bytesRead: number; totalBytes: number }
  | { type: 'done'; result: IndexBuildResult }
  | { type: 'error'; message: string };
