import * as vscode from 'vscode';
import type { SearchHit } from '../../core/search/sessionSearch';
import type { SessionFiles } from '../../core/session/sessionFiles';
import type { SessionPanelFocus } from '../../protocol/sessionPanelProtocol';
import { coreWorker } from '../coreWorker';
import { readSettings } from '../settings';

/** A topic row of the Sessions view (what its menu and click pass). */
export interface TopicArg {
  kind: 'topic';
  session: SessionFiles;
  topic: string;
}

export function isTopicArg(arg: unknown): arg is TopicArg {
  const n = arg as Partial<TopicArg> | undefined;
  return n?.kind === 'topic' && typeof n.topic === 'string' && !!n.session;
}

/** The session file the panel opens (the `.log` if there is one). */
export function sessionFileOf(files: SessionFiles): string {
  return files.log ?? files.db ?? files.dir;
}

export async function copyTopic(arg: unknown): Promise<void> {
  if (!isTopicArg(arg)) return;
  await vscode.env.clipboard.writeText(arg.topic);
  vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', arg.topic), 3000);
}

/** Search hits in a quick pick; the picked one opens the session panel at that message. */
export async function pickHit(hits: (SearchHit & { file: string })[], open: (file: string, focus: SessionPanelFocus) => unknown): Promise<void> {
  const picked = await vscode.window.showQuickPick(
    hits.map((h) => ({ label: h.topic, description: `${h.session} · ${h.timestamp}`, detail: h.snippet, hit: h })),
    { placeHolder: vscode.l10n.t('{0} hits: pick one to show it in the timeline', hits.length), matchOnDescription: true, matchOnDetail: true },
  );
  if (picked) await open(picked.hit.file, { message: { id: picked.hit.id, tsMs: picked.hit.tsMs, topic: picked.hit.topic } });
}

/** Search in Session: words in one topic of one session (or the whole session from its row). */
export async function searchInSession(arg: unknown, open: (file: string, focus: SessionPanelFocus) => unknown): Promise<void> {
  const node = arg as { kind?: string; files?: SessionFiles } | undefined;
  const files = isTopicArg(arg) ? arg.session : node?.kind === 'session' ? node.files : undefined;
  if (!files) return;
  const topic = isTopicArg(arg) ? arg.topic : undefined;
  const text = await vscode.window.showInputBox({
    title: topic ? vscode.l10n.t('Search in {0} · {1}', files.name, topic) : vscode.l10n.t('Search in {0}', files.name),
    prompt: vscode.l10n.t('Words in topics and payloads (empty lists every message)'),
  });
  if (text === undefined) return;
  const file = sessionFileOf(files);
  const found = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Searching…') }, async () => {
    // In the core worker: the session's index only (built there if it has none).
    const session = (await coreWorker()).session(file, readSettings().naiveTimestamps);
    try {
      return await session.call('search', { text, topic, limit: 500 });
    } finally {
      session.close();
    }
  });
  const hits = found.map((h) => ({ ...h, file }));
  if (hits.length === 0) return void vscode.window.showInformationMessage(vscode.l10n.t('Nothing found for "{0}".', text));
  await pickHit(hits, open);
}
