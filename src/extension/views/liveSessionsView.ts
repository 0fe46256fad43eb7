import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SessionStatus } from '../../core/registry/liveSessionRecord';
import type { RegistryGrouping, RegistryRow } from '../../core/registry/registryOverview';
import type { RegistryProblem, RegistrySummary } from '../../core/registry/registryStore';
import { coreWorker } from '../coreWorker';
import { Disposable } from '../lifecycle';
import { existingFolders, onSettingsChanged, readSettings } from '../settings';

export type LiveSessionsNode =
  | { kind: 'summary'; summary: RegistrySummary; filter?: SessionStatus }
  | { kind: 'group'; label: string; rows: RegistryRow[] }
  | { kind: 'record'; row: RegistryRow }
  | { kind: 'more'; group: LiveSessionsNode & { kind: 'group' }; shown: number }
  | { kind: 'problems'; problems: RegistryProblem[] }
  | { kind: 'problem'; problem: RegistryProblem };

/** Records listed per group at first and per "show more": a tree of thousands of rows is slow to send and useless to scroll. */
const PAGE = 200;

const STATUS_ICONS: Record<string, string> = { started: 'sync', completed: 'pass', failed: 'error', aborted: 'circle-slash' };

/** Live Sessions view: records grouped by run type or status, a status filter, a summary on top. */
export class LiveSessionsView extends Disposable implements vscode.TreeDataProvider<LiveSessionsNode> {
  private readonly changed = this.register(new vscode.EventEmitter<LiveSessionsNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  grouping: RegistryGrouping = 'runType';
  statusFilter: SessionStatus | undefined;
  /** Records shown per group label, beyond the first page. */
  private readonly shown = new Map<string, number>();

  constructor(private readonly state: vscode.Memento) {
    super();
    this.grouping = state.get<RegistryGrouping>('liveSessions.grouping', 'runType');
    this.statusFilter = state.get<SessionStatus>('liveSessions.status');
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/*.json'));
    for (const on of [watcher.onDidCreate, watcher.onDidChange, watcher.onDidDelete]) this.register(on(() => this.refresh()));
    this.register(onSettingsChanged(() => this.refresh()));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** "Show more" under a group: the next page of its records. */
  showMore(node: LiveSessionsNode): void {
    if (node.kind !== 'more') return;
    this.shown.set(node.group.label, node.shown + PAGE);
    this.changed.fire(node.group);
  }

  setGrouping(g: RegistryGrouping): void {
    this.grouping = g;
    this.shown.clear();
    void this.state.update('liveSessions.grouping', g);
    this.refresh();
  }

  setStatusFilter(s: SessionStatus | undefined): void {
    this.statusFilter = s;
    void this.state.update('liveSessions.status', s);
    this.refresh();
  }

  async getChildren(node?: LiveSessionsNode): Promise<LiveSessionsNode[]> {
    if (node?.kind === 'group') {
      const shown = Math.min(node.rows.length, this.shown.get(node.label) ?? PAGE);
      const records: LiveSessionsNode[] = node.rows.slice(0, shown).map((row) => ({ kind: 'record', row }));
      return shown < node.rows.length ? [...records, { kind: 'more', group: node, shown }] : records;
    }
    if (node?.kind === 'problems') return node.problems.map((problem) => ({ kind: 'problem', problem }));
    if (node) return [];
    // Read in the core worker: thousands of files parsed here would stall the extension host (garbage collection).
    const overview = await (await coreWorker()).folder('liveSessions', await existingFolders(readSettings().liveSessionFolders), this.statusFilter, this.grouping);
    if (!overview) return [];
    const out: LiveSessionsNode[] = [{ kind: 'summary', summary: overview.summary, filter: this.statusFilter }];
    for (const g of overview.groups) out.push({ kind: 'group', label: g.label, rows: g.rows });
    if (overview.problems.length) out.push({ kind: 'problems', problems: overview.problems });
    return out;
  }

  getTreeItem(node: LiveSessionsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'summary': {
        const s = node.summary;
        const item = new vscode.TreeItem(vscode.l10n.t('{0} sessions', s.num_sessions), vscode.TreeItemCollapsibleState.None);
        item.description = `${node.filter ? `${node.filter} · ` : ''}PnL ${Number(s.total_realized_pnl.toFixed(2))} · ⌀ DD ${Number(s.avg_max_drawdown.toFixed(4))}`;
        item.tooltip = Object.entries(s.by_status).map(([k, v]) => `${k}: ${v}`).join('\n');
        item.iconPath = new vscode.ThemeIcon('graph');
        item.contextValue = 'liveSummary';
        item.command = { command: 'mqttSessions.liveSessionSummary', title: vscode.l10n.t('Live-Session Summary') };
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = String(node.rows.length);
        item.iconPath = this.grouping === 'status' ? new vscode.ThemeIcon(STATUS_ICONS[node.label] ?? 'circle-outline') : new vscode.ThemeIcon('symbol-folder');
        item.contextValue = 'liveGroup';
        return item;
      }
      case 'record': {
        const r = node.row;
        const item = new vscode.TreeItem(r.session_id, vscode.TreeItemCollapsibleState.None);
        item.description = `${r.status} · ${r.started_at.slice(0, 16).replace('T', ' ')}${r.symbol ? ` · ${r.symbol}` : ''}`;
        item.tooltip = recordTooltip(r);
        item.iconPath = new vscode.ThemeIcon(STATUS_ICONS[r.status] ?? 'circle-outline');
        item.resourceUri = vscode.Uri.file(r.file);
        item.contextValue = 'liveRecord';
        item.command = { command: 'mqttSessions.openLiveSessionReport', title: vscode.l10n.t('Open Live-Session Report'), arguments: [node] };
        return item;
      }
      case 'more': {
        const rest = node.group.rows.length - node.shown;
        const item = new vscode.TreeItem(vscode.l10n.t('Show {0} more of {1}', Math.min(PAGE, rest), rest), vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.contextValue = 'liveMore';
        item.command = { command: 'mqttSessions.showMoreLiveSessions', title: vscode.l10n.t('Show More'), arguments: [node] };
        return item;
      }
      case 'problems': {
        const item = new vscode.TreeItem(vscode.l10n.t('{0} unreadable records', node.problems.length), vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(path.basename(node.problem.file), vscode.TreeItemCollapsibleState.None);
        item.description = node.problem.reason;
        item.tooltip = `${node.problem.file}: ${node.problem.reason}`;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        item.command = { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [vscode.Uri.file(node.problem.file)] };
        return item;
      }
    }
  }
}

/** Each value with its label: a bare "backtest paper sim" tells nothing. */
function recordTooltip(r: { session_id: string; status: string; run_type: string; mode: string; env_name: string; started_at: string; finished_at?: string | null; symbol?: string | null; error?: string | null }): string {
  const rows: [string, string | null | undefined][] = [
    [vscode.l10n.t('Session'), r.session_id],
    [vscode.l10n.t('Status'), r.status],
    [vscode.l10n.t('Run type'), r.run_type],
    [vscode.l10n.t('Mode'), r.mode],
    [vscode.l10n.t('Environment'), r.env_name],
    [vscode.l10n.t('Symbol'), r.symbol],
    [vscode.l10n.t('Started'), r.started_at],
    [vscode.l10n.t('Finished'), r.finished_at ?? '…'],
    [vscode.l10n.t('Error'), r.error],
  ];
  return rows.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => `${k}: ${v}`).join('\n');
}
