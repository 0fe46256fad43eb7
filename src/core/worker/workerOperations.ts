import { writeFile } from 'node:fs/promises';
import type { AnalysisDb } from '../analysis/analysisDb';
import { type MessagePageQuery, messageDetail, messageHeads, messagePage, recordedMessage, selectedMessages } from '../analysis/messageBrowser';
import { analyzeOpened, orderDetail, ordersOf } from '../analysis/sessionAnalysis';
import { renderSessionReportMarkdown } from '../analysis/sessionReport';
import { categoryStats, sessionStats } from '../analysis/sessionStats';
import { type TimelineQuery, timeline } from '../analysis/timeline';
import type { SessionStatus } from '../registry/liveSessionRecord';
import { type RegistryGrouping, registryOverview } from '../registry/registryOverview';
import { type SearchQuery, searchFolder, searchIndex } from '../search/sessionSearch';
import type { SessionFiles } from '../session/sessionFiles';
import { cachedSummary } from '../session/summaryCache';
import { summarizeSession } from '../session/sessionSummary';
import type { NaiveTimeZone } from '../session/timestamps';
import { type ExportFormat, exportSessionToFile } from '../transfer/sessionExport';

/**
 * What the extension asks of the core worker about one open session. Each takes the
 * session first; the rest must survive `postMessage` (structured clone).
 */
export const sessionOperations = {
  stats: (a: AnalysisDb) => {
    const stats = sessionStats(a.db);
    return { name: a.name, stats, categories: categoryStats(stats.perTopic) };
  },
  timeline: (a: AnalysisDb, q: TimelineQuery) => {
    const t0 = performance.now();
    const t = timeline(a.db, q);
    return { timeline: t, elapsedMs: performance.now() - t0 };
  },
  messages: (a: AnalysisDb, q: MessagePageQuery) => messagePage(a.db, q),
  detail: (a: AnalysisDb, id: number) => messageDetail(a.db, id),
  recorded: (a: AnalysisDb, id: number) => recordedMessage(a.db, id),
  /** Writes the selection as JSON to `target`; the count. */
  exportSelection: async (a: AnalysisDb, q: Omit<MessagePageQuery, 'offset' | 'limit'>, target: string) => {
    const rows = selectedMessages(a.db, q);
    await writeFile(target, JSON.stringify(rows, null, 2));
    return rows.length;
  },
  /** Order summaries (no message ids, no transitions). */
  orders: (a: AnalysisDb) => {
    const r = ordersOf(a.db);
    return { ...r, orders: r.orders.map(({ messageIds: _ids, transitions: _t, ...rest }) => rest) };
  },
  /** One order with at most `max` of its messages (id, time, topic); `more` counts the rest. */
  order: (a: AnalysisDb, orderId: string, max: number) => {
    const order = orderDetail(a.db, orderId);
    const ids = order?.messageIds.slice(0, max) ?? [];
    return { order: order && { ...order, messageIds: ids }, messages: messageHeads(a.db, ids), more: Math.max(0, (order?.messageIds.length ?? 0) - ids.length) };
  },
  report: (a: AnalysisDb, files: SessionFiles) => renderSessionReportMarkdown(analyzeOpened(files, a)),
  /** Search in Session: one session's index, not every session of its folder. */
  search: (a: AnalysisDb, q: SearchQuery) => searchIndex(a.name, a.db, q),
};

/** Given to a folder operation by the worker: aborted when the extension cancels the request. */
export interface OperationContext {
  signal: AbortSignal;
}

/** What the extension asks of the core worker without an open session. Each takes the context first. */
export const folderOperations = {
  /** With `cacheDir`, kept there across restarts while the session's files do not change. */
  summarize: (ctx: OperationContext, files: SessionFiles, naive: NaiveTimeZone, cacheDir?: string) =>
    cacheDir ? cachedSummary(files, naive, cacheDir, ctx.signal) : summarizeSession(files, { naive, signal: ctx.signal }),
  /** Hits of every session of `dir`; `indexed` names the sessions indexed first. */
  search: async (_ctx: OperationContext, dir: string, q: SearchQuery, naive: NaiveTimeZone) => {
    const indexed: string[] = [];
    const r = await searchFolder(dir, q, { naive, onIndexed: (s) => indexed.push(s) });
    return { ...r, indexed };
  },
  /** The Live Sessions view's summary, groups and problems (rows only; a record is read again when opened). */
  liveSessions: (_ctx: OperationContext, dirs: string[], status: SessionStatus | undefined, grouping: RegistryGrouping) => registryOverview(dirs, status, grouping),
  /** Writes the whole session to `target` (a new file; removed again when cancelled); the count. */
  exportSession: (ctx: OperationContext, files: SessionFiles, format: ExportFormat, target: string, naive: NaiveTimeZone) =>
    exportSessionToFile(files, format, target, { naive, signal: ctx.signal }),
};

export type SessionOperations = typeof sessionOperations;
export type FolderOperations = typeof folderOperations;
/** The arguments of a session operation after the session. */
export type SessionArgs<K extends keyof SessionOperations> = SessionOperations[K] extends (a: AnalysisDb, ...rest: infer R) => unknown ? R : never;
export type SessionAnswer<K extends keyof SessionOperations> = Awaited<ReturnType<SessionOperations[K]>>;
/** The arguments of a folder operation after its context. */
export type FolderArgs<K extends keyof FolderOperations> = FolderOperations[K] extends (ctx: OperationContext, ...rest: infer R) => unknown ? R : never;
export type FolderAnswer<K extends keyof FolderOperations> = Awaited<ReturnType<FolderOperations[K]>>;
