import * as vscode from 'vscode';
import { profileUrl } from '../../core/mqtt/brokerAddress';
import { formatBytes, formatDuration } from '../../core/util/units';
import type { Activity } from '../activity';
import { Disposable } from '../lifecycle';

interface RecorderNode {
  label: string;
  description?: string;
  icon: string;
  contextValue?: string;
  command?: vscode.Command;
  children?: RecorderNode[];
}

/** Recorder view: the embedded broker, the running recording or replay, and their live figures. */
export class RecorderView extends Disposable implements vscode.TreeDataProvider<RecorderNode> {
  private readonly changed = this.register(new vscode.EventEmitter<RecorderNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly activity: Activity) {
    super();
    this.register(activity.onDidChange(() => this.changed.fire(undefined)));
  }

  getChildren(node?: RecorderNode): RecorderNode[] {
    if (node) return node.children ?? [];
    const a = this.activity;
    const out: RecorderNode[] = [];
    if (a.recording) {
      const s = a.recording.stats;
      out.push({
        label: vscode.l10n.t('Recording {0}', s?.sessionName ?? ''),
        description: s?.state,
        icon: a.recording.recorder.isPaused ? 'debug-pause' : 'record',
        contextValue: a.recording.recorder.isPaused ? 'recording.paused' : 'recording.running',
        children: [
          { label: vscode.l10n.t('Broker'), description: `${a.recording.profile.name} (${profileUrl(a.recording.profile)})`, icon: 'plug' },
          ...(s?.state === 'waiting' ? [{ label: vscode.l10n.t('Waiting for the broker'), description: s.waitingFor ?? '', icon: 'loading~spin' }] : []),
          { label: vscode.l10n.t('Messages'), description: `${s?.messages ?? 0} (${s?.rate ?? 0}/s)`, icon: 'mail' },
          { label: vscode.l10n.t('Topics'), description: String(s?.topics ?? 0), icon: 'symbol-event' },
          { label: vscode.l10n.t('File'), description: `${formatBytes(s?.fileBytes ?? 0)} · ${s?.logPath ?? ''}`, icon: 'file' },
          { label: vscode.l10n.t('Skipped'), description: vscode.l10n.t('{0} paused, {1} excluded', s?.skippedPaused ?? 0, s?.skippedExcluded ?? 0), icon: 'filter' },
          {
            label: vscode.l10n.t('Reconnects'),
            description: s?.reconnects ? vscode.l10n.t('{0} ({1} without the broker)', s.reconnects, formatDuration(s.outageMs / 1000)) : '0',
            icon: 'debug-disconnect',
          },
          { label: vscode.l10n.t('Elapsed'), description: formatDuration((s?.elapsedMs ?? 0) / 1000), icon: 'watch' },
        ],
      });
    } else if (a.lastRecording) {
      const r = a.lastRecording;
      out.push({
        label: vscode.l10n.t('Last recording: {0}', r.status),
        description: vscode.l10n.t('{0} messages', r.stats.messages),
        icon: r.status === 'failed' ? 'error' : 'pass',
        children: [{ label: r.logPath, description: r.error ?? r.reason, icon: 'file' }],
      });
    }
    if (a.replay) {
      const p = a.replay.progress;
      out.push({
        label: vscode.l10n.t('Replaying {0}', a.replay.session),
        description: p?.state,
        icon: a.replay.replayer.paused ? 'debug-pause' : 'play',
        contextValue: a.replay.replayer.paused ? 'replay.paused' : 'replay.running',
        children: [
          { label: vscode.l10n.t('Broker'), description: `${a.replay.profile.name} (${profileUrl(a.replay.profile)})`, icon: 'plug' },
          { label: vscode.l10n.t('Sent'), description: `${p?.sent ?? 0} / ${p?.total ?? '…'} · ${vscode.l10n.t('pass {0}', p?.pass ?? 1)}`, icon: 'mail' },
          { label: vscode.l10n.t('Position'), description: formatDuration((p?.positionMs ?? 0) / 1000), icon: 'watch' },
          { label: vscode.l10n.t('Lateness'), description: `${(p?.latenessMs ?? 0).toFixed(1)} ms (max ${(p?.maxLatenessMs ?? 0).toFixed(1)} ms)`, icon: 'dashboard' },
        ],
      });
    }
    out.push(
      a.broker
        ? { label: vscode.l10n.t('Embedded broker'), description: a.broker.url, icon: 'server-process', contextValue: 'broker.running' }
        : { label: vscode.l10n.t('Embedded broker: stopped'), icon: 'server', contextValue: 'broker.stopped', command: { command: 'mqttSessions.startEmbeddedBroker', title: vscode.l10n.t('Start Embedded Broker') } },
    );
    return out;
  }

  getTreeItem(node: RecorderNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, node.children?.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.description = node.description;
    item.iconPath = new vscode.ThemeIcon(node.icon);
    item.contextValue = node.contextValue;
    item.command = node.command;
    return item;
  }
}
