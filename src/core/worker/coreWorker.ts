import { parentPort } from 'node:worker_threads';
import { type AnalysisDb, openAnalysis } from '../analysis/analysisDb';
import { withStaleDbLockRetry } from '../db/dbLock';
import { resolveSession } from '../session/sessionFiles';
import type { NaiveTimeZone } from '../session/timestamps';
import { type OperationContext, folderOperations, sessionOperations } from './workerOperations';
import type { CoreWorkerAnswer, CoreWorkerRequest, OpenedSession } from './workerProtocol';

/**
 * Worker entry (bundled as `dist/coreWorker.js`): the extension's sessions, indexes and
 * queries live here, so that a query over a large index never blocks the extension host. A session opened twice (two panels) is held once.
 */
interface Held {
  key: string;
  analysis: Promise<AnalysisDb>;
  refs: number;
  indexed: boolean;
}

const held = new Map<string, Held>();
/** Folder operations under way, by request id, so that a `cancel` can abort them. */
const running = new Map<number, AbortController>();
const handles = new Map<number, Held>();
let nextHandle = 1;

async function open(sessionPath: string, naive: NaiveTimeZone): Promise<OpenedSession> {
  const key = `${naive}:${sessionPath}`;
  let h = held.get(key);
  if (!h) {
    const entry: Held = { key, refs: 0, indexed: false, analysis: Promise.resolve(undefined as never) };
    entry.analysis = resolveSession(sessionPath).then((files) => openAnalysis(files, { naive, onIndexed: () => (entry.indexed = true) }));
    held.set(key, (h = entry));
    // A session that failed to open is not kept: the next open tries again.
    entry.analysis.catch(() => held.get(key) === entry && held.delete(key));
  }
  h.refs++;
  try {
    const a = await h.analysis;
    const handle = nextHandle++;
    handles.set(handle, h);
    return { handle, name: a.name, origin: a.origin, indexed: h.indexed };
  } catch (err) {
    h.refs--;
    throw err;
  }
}

function close(handle: number): void {
  const h = handles.get(handle);
  if (!h) return;
  handles.delete(handle);
  if (--h.refs > 0) return;
  held.delete(h.key);
  void h.analysis.then((a) => a.close(), () => undefined);
}

async function answer(r: CoreWorkerRequest): Promise<unknown> {
  switch (r.kind) {
    case 'open':
      return open(r.sessionPath, r.naive);
    case 'close':
      return close(r.handle);
    case 'session': {
      const h = handles.get(r.handle);
      if (!h) throw new Error('the session is no longer open');
      const op = sessionOperations[r.op] as (a: AnalysisDb, ...args: unknown[]) => unknown;
      const a = await h.analysis;
      // Held open for long: a lock left by a process killed meanwhile is cleared here, once.
      return withStaleDbLockRetry(a.file, () => op(a, ...r.args));
    }
    case 'folder': {
      const abort = new AbortController();
      running.set(r.id, abort);
      try {
        return await (folderOperations[r.op] as (ctx: OperationContext, ...args: unknown[]) => unknown)({ signal: abort.signal }, ...r.args);
      } finally {
        running.delete(r.id);
      }
    }
    case 'cancel':
      return running.get(r.target)?.abort();
  }
}

parentPort?.on('message', (r: CoreWorkerRequest) => {
  answer(r).then(
    (value) => parentPort?.postMessage({ id: r.id, ok: true, value } satisfies CoreWorkerAnswer),
    (err: unknown) => parentPort?.postMessage({ id: r.id, ok: false, message: err instanceof Error ? err.message : String(err) } satisfies CoreWorkerAnswer),
  );
});
