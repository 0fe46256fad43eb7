import { Worker } from 'node:worker_threads';
import { runtimeFile } from '../runtime/runtimePaths';
import type { NaiveTimeZone } from '../session/timestamps';
import type { FolderAnswer, FolderArgs, FolderOperations, SessionAnswer, SessionArgs, SessionOperations } from './workerOperations';
import type { CoreWorkerAnswer, CoreWorkerRequest, OpenedSession } from './workerProtocol';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
/** A request before its id is given. */
type Unsent = CoreWorkerRequest extends infer R ? (R extends CoreWorkerRequest ? Omit<R, 'id'> : never) : never;

/**
 * The extension host's side of `coreWorker`: starts it on first use, and stops it when
 * nothing has been open for `idleMs` (a large index is hundreds of MB in its memory).
 * If the worker dies, pending calls fail with one message and the next call starts a
 * new one; open sessions open again by themselves.
 */
export class CoreWorkerClient {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Sessions not yet closed: the worker is kept while there are any. */
  readonly sessions = new Set<RemoteSession>();
  /** Counts worker starts; a handle belongs to one. */
  generation = 0;

  constructor(private readonly idleMs = 30_000) {}

  folder<K extends keyof FolderOperations>(op: K, ...args: FolderArgs<K>): Promise<FolderAnswer<K>> {
    return this.send({ kind: 'folder', op, args }) as Promise<FolderAnswer<K>>;
  }

  /** A folder operation that `signal` cancels in the worker (the answer is then an error). */
  cancellable<K extends keyof FolderOperations>(signal: AbortSignal, op: K, ...args: FolderArgs<K>): Promise<FolderAnswer<K>> {
    signal.throwIfAborted();
    return this.send({ kind: 'folder', op, args }, (id) => {
      const cancel = (): void => void this.send({ kind: 'cancel', target: id }).catch(() => undefined);
      signal.addEventListener('abort', cancel, { once: true });
      return () => signal.removeEventListener('abort', cancel);
    }) as Promise<FolderAnswer<K>>;
  }

  /** A session in the worker; opened on its first call. */
  session(sessionPath: string, naive: NaiveTimeZone): RemoteSession {
    const s = new RemoteSession(this, sessionPath, naive);
    this.sessions.add(s);
    return s;
  }

  /** @internal `sent` is told the request's id; what it returns runs once the answer came. */
  send(request: Unsent, sent?: (id: number) => () => void): Promise<unknown> {
    clearTimeout(this.idleTimer);
    const worker = this.start();
    const id = this.nextId++;
    const answered = new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
    const done = sent?.(id);
    return done ? answered.finally(done) : answered;
  }

  /** Starts the worker if needed; its generation. */
  started(): number {
    this.start();
    return this.generation;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(runtimeFile('coreWorker.js'));
    this.generation++;
    worker.on('message', (a: CoreWorkerAnswer) => {
      const p = this.pending.get(a.id);
      if (!p) return;
      this.pending.delete(a.id);
      if (a.ok) p.resolve(a.value);
      else p.reject(new Error(a.message));
      this.idleCheck();
    });
    const gone = (why: string): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
    };
    worker.on('error', (err) => gone(`the analysis worker failed: ${err.message}`));
    worker.on('exit', (code) => gone(`the analysis worker stopped (exit code ${code})`));
    this.worker = worker;
    return worker;
  }

  /** @internal */
  idleCheck(): void {
    clearTimeout(this.idleTimer);
    if (!this.worker || this.pending.size || this.sessions.size) return;
    this.idleTimer = setTimeout(() => void this.stopWorker(), this.idleMs);
    this.idleTimer.unref();
  }

  /** Stops the worker now (tests use it to play a crash); the next call starts another. */
  async stopWorker(): Promise<void> {
    const w = this.worker;
    if (w) await w.terminate();
  }

  get running(): boolean {
    return !!this.worker;
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    this.sessions.clear();
    void this.stopWorker();
  }
}

/** One session held open in the worker. */
export class RemoteSession {
  private opening: { generation: number; session: Promise<OpenedSession> } | undefined;
  private closed = false;

  constructor(
    private readonly client: CoreWorkerClient,
    readonly sessionPath: string,
    private readonly naive: NaiveTimeZone,
  ) {}

  /** Opens it (indexing a `.log` first when needed) — again after the worker restarted. */
  opened(): Promise<OpenedSession> {
    if (this.closed) return Promise.reject(new Error(`${this.sessionPath}: closed`));
    const generation = this.client.started();
    if (this.opening?.generation !== generation) {
      const session = this.client.send({ kind: 'open', sessionPath: this.sessionPath, naive: this.naive }) as Promise<OpenedSession>;
      this.opening = { generation, session };
      session.catch(() => {
        if (this.opening?.session === session) this.opening = undefined;
      });
    }
    return this.opening.session;
  }

  async call<K extends keyof SessionOperations>(op: K, ...args: SessionArgs<K>): Promise<SessionAnswer<K>> {
    const { handle } = await this.opened();
    return this.client.send({ kind: 'session', handle, op, args }) as Promise<SessionAnswer<K>>;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const opening = this.opening;
    this.client.sessions.delete(this);
    if (opening && opening.generation === this.client.generation && this.client.running) {
      void opening.session.then(
        (s) => this.client.send({ kind: 'close', handle: s.handle }),
        () => undefined,
      ).catch(() => undefined).finally(() => this.client.idleCheck());
    } else this.client.idleCheck();
  }
}
