import type { NaiveTimeZone } from '../session/timestamps';
import type { FolderOperations, SessionOperations } from './workerOperations';

/** Messages from `coreWorkerClient` to `coreWorker`; each request has an id its answer repeats. */
export type CoreWorkerRequest =
  | { id: number; kind: 'open'; sessionPath: string; naive: NaiveTimeZone }
  | { id: number; kind: 'close'; handle: number }
  | { id: number; kind: 'session'; handle: number; op: keyof SessionOperations; args: unknown[] }
  | { id: number; kind: 'folder'; op: keyof FolderOperations; args: unknown[] }
  /** Aborts the folder operation of request `target` (its answer is then an error). */
  | { id: number; kind: 'cancel'; target: number };

export interface OpenedSession {
  handle: number;
  name: string;
  origin: 'index' | 'memory';
  /** The `.log` had to be indexed first. */
  indexed: boolean;
}

export type CoreWorkerAnswer = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };
