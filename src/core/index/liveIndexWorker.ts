import { parentPort, workerData } from 'node:worker_threads';
import { LiveIndexer } from './liveIndex';
import type { LiveIndexJob, LiveIndexWorkerMessage } from './indexProtocol';

/**
 * Worker entry (bundled as `dist/liveIndexWorker.js`): keeps the index of a recording
 * current, catching up with its `.log` every `intervalMs`, off the recorder's thread.
 * `finish` (or a job with `finishNow`, for recovery) indexes the rest and exits.
 */
const job = workerData as LiveIndexJob;
const post = (m: LiveIndexWorkerMessage): void => parentPort?.postMessage(m);

function fail(err: unknown): void {
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}

try {
  const indexer = job.resume ? LiveIndexer.resume(job.logPath, job.dbPath, job.naive) : LiveIndexer.create(job.logPath, job.dbPath, job.naive);
  const finish = (): void => {
    try {
      post({ type: 'done', result: indexer.finish(), resumedAtLine: indexer.resumedAtLine });
    } catch (err) {
      indexer.close();
      fail(err);
    }
  };
  if (job.finishNow) finish();
  else {
    const timer = setInterval(() => {
      try {
        indexer.catchUp();
        post({ type: 'progress', messages: indexer.messageCount, bytes: indexer.bytesIndexed });
      } catch (err) {
        clearInterval(timer);
        indexer.close();
        fail(err);
      }
    }, job.intervalMs);
    parentPort?.on('message', (m: { type: 'finish' }) => {
      if (m.type !== 'finish') return;
      clearInterval(timer);
      finish();
    });
  }
} catch (err) {
  fail(err);
}
