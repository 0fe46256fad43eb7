import type { CoreWorkerClient } from '../core/worker/coreWorkerClient';

let client: CoreWorkerClient | undefined;

/**
 * The one core worker of this extension host: session summaries, search, reports and the
 * panels' queries run there (a query over a large index takes CPU the host must not
 * lose). Loaded on first use.
 */
export async function coreWorker(): Promise<CoreWorkerClient> {
  const { CoreWorkerClient } = await import('../core/worker/coreWorkerClient');
  client ??= new CoreWorkerClient();
  return client;
}

export function disposeCoreWorker(): void {
  client?.dispose();
  client = undefined;
}
