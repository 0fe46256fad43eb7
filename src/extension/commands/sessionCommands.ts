import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SessionFiles } from '../../core/session/sessionFiles';
import { coreWorker } from '../coreWorker';
import type { ExtensionLog } from '../log';
import { existingFolders, readSettings, recordingFolder } from '../settings';
import type { LiveSessionsNode, LiveSessionsView } from '../views/liveSessionsView';
import type { SessionPanelFocus } from '../../protocol/sessionPanelProtocol';
import { sessionArg } from './sessionArg';
import { pickHit, sessionFileOf } from './topicCommands';

/** Reports go to the extension's storage and open in VS Code's Markdown preview. */
async function showMarkdown(storage: vscode.Uri, name: string, text: string): Promise<void> {
  const dir = vscode.Uri.joinPath(storage, 'reports').fsPath;
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.md`);
  await writeFile(file, text, 'utf8');
  await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(file));
}

export async function openSessionReport(storage: vscode.Uri, arg?: unknown): Promise<void> {
  const files = await sessionArg(arg, vscode.l10n.t('Report of which session?'));
  if (!files) return;
  const text = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Analysing {0}…', files.name), cancellable: false }, async () => {
    const session = (await coreWorker()).session(files.log ?? files.db ?? files.dir, readSettings().naiveTimestamps);
    try {
      return await session.call('report', files);
    } finally {
      session.close();
    }
  });
  await showMarkdown(storage, `session-${files.name}`, text);
}

/** Rebuild Index: in the worker, with progress and cancel. */
export async function rebuildIndex(log: ExtensionLog, arg?: unknown): Promise<void> {
  const files = await sessionArg(arg, vscode.l10n.t('Rebuild the index of which session?'));
  if (!files) return;
  if (!files.log) return void vscode.window.showInformationMessage(vscode.l10n.t('{0} has no .log: its .db is all there is.', files.name));
  const { ensureIndex } = await import('../../core/index/sessionIndex');
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Indexing {0}', files.name), cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    let last = 0;
    try {
      const r = await ensureIndex(files, {
        force: true,
        naive: readSettings().naiveTimestamps,
        signal: abort.signal,
        onProgress: (done, total) => {
          const pct = total ? (100 * done) / total : 0;
          progress.report({ increment: pct - last });
          last = pct;
        },
      });
      log.info('index', `indexed ${files.name}: ${r.build?.messages ?? '?'} messages → ${r.dbPath}`);
    } catch (err) {
      if (abort.signal.aborted) return void vscode.window.showInformationMessage(vscode.l10n.t('Indexing cancelled.'));
      void vscode.window.showErrorMessage(vscode.l10n.t('Indexing failed: {0}', (err as Error).message));
    }
  });
}

export async function exportSession(arg?: unknown): Promise<void> {
  const files = await sessionArg(arg, vscode.l10n.t('Export which session?'));
  if (!files) return;
  const format = await vscode.window.showQuickPick(['csv', 'json', 'jsonl'], { placeHolder: vscode.l10n.t('Format') });
  if (!format) return;
  const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(files.dir, `${files.name}.${format}`)), filters: { [format.toUpperCase()]: [format] } });
  if (!target) return;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Exporting {0}…', files.name), cancellable: true }, async (_progress, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    try {
      // In the core worker: a whole session is read, never in the extension host.
      const n = await (await coreWorker()).cancellable(abort.signal, 'exportSession', files, format as 'csv' | 'json' | 'jsonl', target.fsPath, readSettings().naiveTimestamps);
      void vscode.window.showInformationMessage(vscode.l10n.t('Exported {0} messages to {1}.', n, vscode.workspace.asRelativePath(target)));
    } catch (err) {
      if (abort.signal.aborted) return void vscode.window.showInformationMessage(vscode.l10n.t('Export cancelled.'));
      void vscode.window.showErrorMessage(vscode.l10n.t('Export failed: {0}', (err as Error).message));
    }
  });
}

/** Delete Session: its files go to the trash, after a modal confirmation. */
export async function deleteSession(arg?: unknown): Promise<void> {
  const files: SessionFiles | undefined = await sessionArg(arg, vscode.l10n.t('Delete which session?'));
  if (!files) return;
  const list = [files.log, files.db].filter((f): f is string => !!f);
  const yes = vscode.l10n.t('Move to Trash');
  const answer = await vscode.window.showWarningMessage(vscode.l10n.t('Delete the session {0}? ({1})', files.name, list.map((f) => path.basename(f)).join(', ')), { modal: true }, yes);
  if (answer !== yes) return;
  for (const f of list) await vscode.workspace.fs.delete(vscode.Uri.file(f), { useTrash: true });
}

/** Search Sessions…: full text over every session folder; a hit opens the session panel at that message. */
export async function searchSessions(log: ExtensionLog, open: (file: string, focus: SessionPanelFocus) => unknown): Promise<void> {
  const text = await vscode.window.showInputBox({ prompt: vscode.l10n.t('Search words in topics and payloads (all sessions)') });
  if (!text) return;
  const worker = await coreWorker();
  const { resolveSession } = await import('../../core/session/sessionFiles');
  const hits = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Searching…') }, async () => {
    const all = [];
    for (const dir of await existingFolders(readSettings().sessionFolders)) {
      const r = await worker.folder('search', dir, { text, limit: 200 }, readSettings().naiveTimestamps);
      for (const s of r.indexed) log.info('index', `indexed ${s} for search`);
      for (const e of r.errors) log.warn('search', `${e.session}: ${e.error}`);
      const files = new Map<string, string>();
      for (const h of r.hits) if (!files.has(h.session)) files.set(h.session, sessionFileOf(await resolveSession(path.join(dir, h.session))));
      all.push(...r.hits.map((h) => ({ ...h, file: files.get(h.session) as string })));
    }
    return all;
  });
  if (hits.length === 0) return void vscode.window.showInformationMessage(vscode.l10n.t('Nothing found for "{0}".', text));
  await pickHit(hits, open);
}

export async function openLiveSessionReport(storage: vscode.Uri, node?: LiveSessionsNode): Promise<void> {
  const { renderRecordMarkdown } = await import('../../core/registry/registryReport');
  const { loadRecord } = await import('../../core/registry/registryStore');
  if (node?.kind !== 'record') return void vscode.window.showInformationMessage(vscode.l10n.t('Choose a record in the Live Sessions view.'));
  // The row holds what the list shows; the report is of the record as its file has it now.
  let record;
  try {
    record = await loadRecord(node.row.file);
  } catch (err) {
    return void vscode.window.showErrorMessage((err as Error).message);
  }
  await showMarkdown(storage, `live-${record.session_id}`, renderRecordMarkdown(record));
}

async function registryListing(view: LiveSessionsView) {
  const { listRecordsIn } = await import('../../core/registry/registryStore');
  const dirs = await existingFolders(readSettings().liveSessionFolders);
  return { dirs, ...(await listRecordsIn(dirs, { status: view.statusFilter })) };
}

export async function liveSessionSummary(storage: vscode.Uri, view: LiveSessionsView): Promise<void> {
  const { summarizeRecords } = await import('../../core/registry/registryStore');
  const { renderSummaryMarkdown } = await import('../../core/registry/registryReport');
  const { dirs, entries, problems } = await registryListing(view);
  await showMarkdown(storage, 'live-summary', renderSummaryMarkdown(summarizeRecords(entries), { dir: dirs.join(', '), filter: { status: view.statusFilter }, problems }));
}

/** Generate Live-Session Report: the CLI's `report` files, into the (first) registry folder. */
export async function generateLiveSessionReport(view: LiveSessionsView): Promise<void> {
  const { reportDocuments, writeReportDocuments } = await import('../../core/registry/reportFiles');
  const { dirs, entries, problems } = await registryListing(view);
  if (dirs.length === 0) return void vscode.window.showInformationMessage(vscode.l10n.t('No live-session folder (setting mqttSessions.liveSessionFolders).'));
  const format = await vscode.window.showQuickPick(['markdown', 'html', 'both'], { placeHolder: vscode.l10n.t('Report format') });
  if (!format) return;
  const written = await writeReportDocuments(dirs[0], reportDocuments(entries, { dir: dirs[0], filter: { status: view.statusFilter }, problems }, format as 'markdown' | 'html' | 'both', false));
  const open = vscode.l10n.t('Open');
  if ((await vscode.window.showInformationMessage(vscode.l10n.t('Wrote {0}', written.map((f) => path.basename(f)).join(', ')), open)) === open) {
    const md = written.find((f) => f.endsWith('.md'));
    await vscode.commands.executeCommand(md ? 'markdown.showPreview' : 'vscode.open', vscode.Uri.file(md ?? written[0]));
  }
}

/** The live-session HTML report and its summary in a panel: the report's own strict CSP, no scripts. */
export async function openLiveSessionHtmlReport(view: LiveSessionsView): Promise<void> {
  const { summarizeRecords } = await import('../../core/registry/registryStore');
  const { renderRecordsHtml, renderSummaryHtml } = await import('../../core/registry/registryReport');
  const { dirs, entries, problems } = await registryListing(view);
  const panel = vscode.window.createWebviewPanel('mqttSessions.liveReport', vscode.l10n.t('Live-Session Report'), vscode.ViewColumn.Active, { enableScripts: false, localResourceRoots: [] });
  const which = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('Report of every record'), value: 'report' as const },
      { label: vscode.l10n.t('Summary'), value: 'summary' as const },
    ],
    { placeHolder: vscode.l10n.t('Which HTML document?') },
  );
  if (!which) return panel.dispose();
  panel.webview.html =
    which.value === 'report'
      ? renderRecordsHtml(entries.map((e) => e.record))
      : renderSummaryHtml(summarizeRecords(entries), { dir: dirs.join(', '), filter: { status: view.statusFilter }, problems });
}

/** Import Session…: CSV, JSON or JSON lines into a new session of the first session folder, indexed. */
export async function importSession(log: ExtensionLog): Promise<void> {
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { [vscode.l10n.t('Messages')]: ['csv', 'json', 'jsonl', 'ndjson'] }, openLabel: vscode.l10n.t('Import') });
  if (!picked?.[0]) return;
  const outDir = await recordingFolder(readSettings());
  if (!outDir) return;
  await mkdir(outDir, { recursive: true });
  const { importSession: runImport } = await import('../../core/transfer/sessionImport');
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Importing {0}…', path.basename(picked[0].fsPath)), cancellable: true }, async (_progress, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    try {
      const r = await runImport(picked[0].fsPath, { outDir, naive: readSettings().naiveTimestamps, signal: abort.signal });
      log.info('import', `imported ${r.messages} messages into ${r.logPath} (${r.problems.count} rows skipped)`);
      void vscode.window.showInformationMessage(vscode.l10n.t('Imported {0} messages into {1}; {2} rows skipped.', r.messages, path.basename(r.logPath), r.problems.count));
    } catch (err) {
      if (abort.signal.aborted) return void vscode.window.showInformationMessage(vscode.l10n.t('Import cancelled.'));
      void vscode.window.showErrorMessage(vscode.l10n.t('Import failed: {0}', (err as Error).message));
    }
  });
}
