import { parentPort, workerData } from 'node:worker_threads';
import { buildIndexFromLog } from './indexBuilder';
import type { IndexJob, IndexWorkerMessage } from './indexProtocol';

/** Worker entry (bundled as `dist/indexWorker.js`): builds one index and exits. */
const job = workerData as IndexJob;
const post = (m: IndexWorkerMessage): void => parentPort?.postMessage(m);
let lastProgress = 0;

buildIndexFromLog(job.logPath, job.dbPath, {
  naive: job.naive,
  onProgress: (bytesRead, totalBytes) => {
    const now = Date.now();
    if (now - lastProgress < 100 && bytesRead < totalBytes) return;
    lastProgress = now;
    post({ type: 'progress', bytesRead, totalBytes });
  },
}).then(
  (result) => post({ type: 'done', result }),
  (err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
);
