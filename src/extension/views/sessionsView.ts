import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SessionFiles } from '../../core/session/sessionFiles';
import type { SessionSummary } from '../../core/session/sessionSummary';
import { formatDuration } from '../../core/util/units';
import { coreWorker } from '../coreWorker';
import { Disposable } from '../lifecycle';
import { existingFolders, onSettingsChanged, readSettings } from '../settings';

export type SessionsNode =
  | { kind: 'folder'; dir: string }
  | { kind: 'session'; files: SessionFiles; summary?: SessionSummary; error?: string }
  | { kind: 'topic'; session: SessionFiles; topic: string; count: number }
  | { kind: 'problems'; session: SessionFiles; summary: SessionSummary };

const MAX_TOPICS = 500;

/**
 * Sessions view: folder → session → topics with counts. Summaries are cached by the
 * files' size and time, so a refresh only reads what changed.
 */
export class SessionsView extends Disposable implements vscode.TreeDataProvider<SessionsNode> {
  private readonly changed = this.register(new vscode.EventEmitter<SessionsNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private refreshTimer: NodeJS.Timeout | undefined;

  /** `summaryCache`: where summaries are kept across restarts (the extension's global storage). */
  constructor(private readonly summaryCache?: string) {
    super();
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/*.{log,db}'));
    for (const on of [watcher.onDidCreate, watcher.onDidChange, watcher.onDidDelete]) this.register(on(() => this.refreshSoon()));
    this.register(onSettingsChanged(() => this.refresh()));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** File events come in bursts while recording: one refresh a second at most. */
  private refreshSoon(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refresh();
    }, 1000);
  }

  async getChildren(node?: SessionsNode): Promise<SessionsNode[]> {
    if (!node) {
      const dirs = await existingFolders(readSettings().sessionFolders);
      return dirs.map((dir) => ({ kind: 'folder', dir }));
    }
    if (node.kind === 'folder') {
      const { scanSessionFolder } = await import('../../core/session/sessionFiles');
      const sessions = await scanSessionFolder(node.dir);
      const out: SessionsNode[] = [];
      for (const files of sessions) out.push({ kind: 'session', files, ...(await this.summaryOf(files)) });
      return out;
    }
    if (node.kind === 'session' && node.summary) {
      const s = node.summary;
      const topics: SessionsNode[] = s.topicCounts.slice(0, MAX_TOPICS).map((t) => ({ kind: 'topic', session: node.files, topic: t.topic, count: t.count }));
      return s.problemCount ? [{ kind: 'problems', session: node.files, summary: s }, ...topics] : topics;
    }
    return [];
  }

  /** From the core worker, which keeps the one cache of summaries (memory and disk). */
  private async summaryOf(files: SessionFiles): Promise<{ summary?: SessionSummary; error?: string }> {
    try {
      // In the core worker: a large session's index would block the extension host.
      return { summary: await (await coreWorker()).folder('summarize', files, readSettings().naiveTimestamps, this.summaryCache) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  getTreeItem(node: SessionsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(vscode.workspace.asRelativePath(node.dir), vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = vscode.ThemeIcon.Folder;
        item.resourceUri = vscode.Uri.file(node.dir);
        item.contextValue = 'sessionFolder';
        item.id = `folder:${node.dir}`;
        return item;
      }
      case 'session':
        return sessionItem(node);
      case 'topic': {
        const item = new vscode.TreeItem(node.topic, vscode.TreeItemCollapsibleState.None);
        item.description = String(node.count);
        item.iconPath = new vscode.ThemeIcon('symbol-event');
        item.contextValue = 'sessionTopic';
        // The whole topic: a long one is cut off in the row.
        item.tooltip = vscode.l10n.t('{0}: {1} messages', node.topic, node.count);
        item.command = { command: 'mqttSessions.openSessionPanel', title: vscode.l10n.t('Open in Timeline'), arguments: [node] };
        return item;
      }
      case 'problems': {
        const s = node.summary;
        const item = new vscode.TreeItem(vscode.l10n.t('{0} problems', s.problemCount), vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.tooltip = new vscode.MarkdownString(s.problems.slice(0, 20).map((p) => `- ${vscode.l10n.t('line {0}', p.line)}: ${escapeMarkdown(p.reason)}`).join('\n'));
        item.contextValue = 'sessionProblems';
        return item;
      }
    }
  }
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&');
}

function sessionItem(node: Extract<SessionsNode, { kind: 'session' }>): vscode.TreeItem {
  const s = node.summary;
  const item = new vscode.TreeItem(node.files.name, s && s.topics > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `session:${path.join(node.files.dir, node.files.name)}`;
  item.resourceUri = vscode.Uri.file(node.files.log ?? node.files.db ?? node.files.dir);
  if (!s) {
    item.description = vscode.l10n.t('unreadable');
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    item.tooltip = node.error;
    item.contextValue = 'session.unreadable';
    return item;
  }
  const date = s.start ? s.start.slice(0, 16).replace('T', ' ') : '–';
  item.description = vscode.l10n.t('{0} · {1} messages · {2}', date, s.messages, formatDuration(s.durationSec));
  const tip = new vscode.MarkdownString();
  tip.appendMarkdown(`**${escapeMarkdown(s.name)}**\n\n`);
  tip.appendMarkdown(`${vscode.l10n.t('Messages')}: ${s.messages}  \n${vscode.l10n.t('Topics')}: ${s.topics}  \n`);
  tip.appendMarkdown(`${vscode.l10n.t('Start')}: ${s.start ?? '–'}  \n${vscode.l10n.t('End')}: ${s.end ?? '–'}  \n`);
  tip.appendMarkdown(`${vscode.l10n.t('Format')}: ${s.format}  \n${vscode.l10n.t('Files')}: ${s.files.map((f) => escapeMarkdown(path.basename(f))).join(', ')}`);
  if (s.problemCount) tip.appendMarkdown(`\n\n$(warning) ${vscode.l10n.t('{0} problems', s.problemCount)}`);
  tip.supportThemeIcons = true;
  item.tooltip = tip;
  item.iconPath = s.problemCount ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')) : new vscode.ThemeIcon(node.files.log ? 'file-text' : 'database');
  item.contextValue = node.files.log ? 'session.log' : 'session.db';
  item.command = { command: 'mqttSessions.openSessionPanel', title: vscode.l10n.t('Open Session Panel'), arguments: [node] };
  return item;
}
