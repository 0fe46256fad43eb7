import { Worker } from 'node:worker_threads';
import { runtimeFile } from '../runtime/runtimePaths';
import type { NaiveTimeZone } from '../session/timestamps';
import type { IndexBuildResult } from './indexBuilder';
import type { IndexJob, IndexWorkerMessage } from './indexProtocol';

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
