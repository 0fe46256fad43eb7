import type { CoreWorkerClient } from '../core/worker/coreWorkerClient';

let client: CoreWorkerClient | undefined;

/**
 * The one core worker of this extension host: session summaries, search, reports and the
 * panels' queries run there (sql.js keeps a whole index in memory; reading a large one
 * would block the host for a second). Loaded on first use.
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
