import { Worker } from 'node:worker_threads';
import { runtimeFile } from '../runtime/runtimePaths';
import type { NaiveTimeZone } from '../session/timestamps';
import type { IndexBuildResult } from './indexBuilder';
import type { IndexJob, IndexWorkerMessage, LiveIndexJob, LiveIndexWorkerMessage } from './indexProtocol';

export interface IndexRunOptions {
  naive?: NaiveTimeZone;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  signal?: AbortSignal;
}

/**
 * Builds a `.log`'s index in a worker thread, so the caller's event loop (the
 * extension host, shared with every other extension) stays free.
 */
export function buildIndexInWorker(logPath: string, dbPath: string, options: IndexRunOptions = {}): Promise<IndexBuildResult> {
  const job: IndexJob = { logPath, dbPath, naive: options.naive ?? 'utc' };
  return new Promise((resolve, reject) => {
    const worker = new Worker(runtimeFile('indexWorker.js'), { workerData: job });
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => {
      void worker.terminate();
      finish(() => reject(new Error('indexing cancelled')));
    };
    options.signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: IndexWorkerMessage) => {
      if (m.type === 'progress') options.onProgress?.(m.bytesRead, m.totalBytes);
      else if (m.type === 'done') finish(() => resolve(m.result));
      else finish(() => reject(new Error(m.message)));
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => finish(() => reject(new Error(`index worker exited with code ${code}`))));
  });
}

export interface LiveIndex {
  /** Messages in the index so far (updated about once a second). */
  readonly indexed: number;
  /** Indexes what is left of the (closed) `.log` and marks the index current. */
  finish(): Promise<IndexBuildResult & { resumedAtLine: number }>;
  /** Stops without finishing (the `.log` stays the record; recovery finishes the index). */
  abort(): Promise<void>;
}

/**
 * Keeps `dbPath` current with `logPath` while it is being recorded, in a worker thread:
 * about once a second the new lines go into the index in one transaction.
 */
export function startLiveIndex(logPath: string, dbPath: string, options: { naive?: NaiveTimeZone; intervalMs?: number; resume?: boolean; finishNow?: boolean } = {}): LiveIndex {
  const job: LiveIndexJob = { logPath, dbPath, naive: options.naive ?? 'utc', intervalMs: options.intervalMs ?? 1000, resume: options.resume, finishNow: options.finishNow };
  const worker = new Worker(runtimeFile('liveIndexWorker.js'), { workerData: job });
  let indexed = 0;
  let failure: Error | undefined;
  let settle: ((m: LiveIndexWorkerMessage) => void) | undefined;
  const ended = new Promise<IndexBuildResult & { resumedAtLine: number }>((resolve, reject) => {
    settle = (m) => {
      if (m.type === 'done') resolve({ ...m.result, resumedAtLine: m.resumedAtLine });
      else if (m.type === 'error') reject(new Error(m.message));
    };
  });
  ended.catch(() => undefined);
  worker.on('message', (m: LiveIndexWorkerMessage) => {
    if (m.type === 'progress') indexed = m.messages;
    else {
      if (m.type === 'error') failure = new Error(m.message);
      settle?.(m);
      void worker.terminate();
    }
  });
  worker.on('error', (err) => {
    failure = err;
    settle?.({ type: 'error', message: err.message });
  });
  worker.on('exit', (code) => settle?.({ type: 'error', message: `live index worker exited with code ${code}` }));
  return {
    get indexed() {
      return indexed;
    },
    finish() {
      if (!failure) worker.postMessage({ type: 'finish' });
      return ended;
    },
    async abort() {
      await worker.terminate();
    },
  };
}
