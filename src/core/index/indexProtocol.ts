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

/** A live index: kept current while a recording runs (`liveIndexWorker`). */
export interface LiveIndexJob {
  logPath: string;
  dbPath: string;
  naive: NaiveTimeZone;
  /** Take up a live index left by a recorder that stopped, instead of starting one. */
  resume?: boolean;
  /** Index the rest and finish at once (recovery). */
  finishNow?: boolean;
  intervalMs: number;
}

export type LiveIndexWorkerMessage =
  | { type: 'progress'; messages: number; bytes: number }
  | { type: 'done'; result: IndexBuildResult; resumedAtLine: number }
  | { type: 'error'; message: string };
