import * as vscode from 'vscode';
import { profileUrl } from '../../core/mqtt/brokerAddress';
import { formatBytes, formatDuration } from '../../core/util/units';
import type { Activity } from '../activity';
import { type LastReplay, onDidEndReplay } from '../commands/publishCommands';
import { Disposable } from '../lifecycle';

interface RecorderNode {
  label: string;
  description?: string;
  icon: string;
  contextValue?: string;
  command?: vscode.Command;
  tooltip?: string;
  children?: RecorderNode[];
}

/**
 * Recorder view: the embedded broker, the running recording or replay, and their live
 * figures; when idle, what can be started. Empty in an untrusted workspace, so that its
 * welcome text says why (package.json viewsWelcome).
 */
export class RecorderView extends Disposable implements vscode.TreeDataProvider<RecorderNode> {
  private readonly changed = this.register(new vscode.EventEmitter<RecorderNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  private lastReplay: LastReplay | undefined;

  /** `brokerPort`: the port a click on the stopped broker starts it on (the last one used). */
  constructor(
    private readonly activity: Activity,
    private readonly brokerPort: () => string,
  ) {
    super();
    this.register(activity.onDidChange(() => this.changed.fire(undefined)));
    this.register(onDidEndReplay((r) => {
      this.lastReplay = r;
      this.changed.fire(undefined);
    }));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire(undefined)));
  }

  dismissLastReplay(): void {
    this.lastReplay = undefined;
    this.changed.fire(undefined);
  }

  getChildren(node?: RecorderNode): RecorderNode[] {
    if (node) return node.children ?? [];
    if (!vscode.workspace.isTrusted) return [];
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
    } else {
      out.push({ label: vscode.l10n.t('Not recording'), description: vscode.l10n.t('Start Recording…'), icon: 'circle-large-outline', command: { command: 'mqttSessions.startRecording', title: vscode.l10n.t('Start Recording…') }, tooltip: vscode.l10n.t('Record a broker\'s messages into a session file') });
      if (a.lastRecording) {
        const r = a.lastRecording;
        out.push({
          label: vscode.l10n.t('Last recording: {0}', r.status),
          description: vscode.l10n.t('{0} messages', r.stats.messages),
          icon: r.status === 'failed' ? 'error' : 'pass',
          children: [{ label: r.logPath, description: r.error ?? r.reason, icon: 'file' }],
        });
      }
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
    if (!a.replay) out.push({ label: vscode.l10n.t('No replay'), description: vscode.l10n.t('Replay Session…'), icon: 'play-circle', command: { command: 'mqttSessions.replaySession', title: vscode.l10n.t('Replay Session…') }, tooltip: vscode.l10n.t('Publish a recorded session to a broker again, in its timing') });
    if (this.lastReplay && !a.replay) out.push(lastReplayNode(this.lastReplay));
    const port = this.brokerPort();
    out.push(
      a.broker
        ? { label: vscode.l10n.t('Embedded broker'), description: a.broker.url, icon: 'server-process', contextValue: 'broker.running' }
        : {
            label: vscode.l10n.t('Embedded broker: stopped'),
            description: vscode.l10n.t('click to start on port {0}', port),
            tooltip: vscode.l10n.t('A local MQTT broker for tests (loopback only). A click starts it on port {0}; "Start Embedded Broker" in the view\'s menu asks for the port.', port),
            icon: 'server',
            contextValue: 'broker.stopped',
            command: { command: 'mqttSessions.startEmbeddedBroker', title: vscode.l10n.t('Start Embedded Broker'), arguments: [{ port }] },
          },
      { label: vscode.l10n.t('Broker profiles…'), icon: 'plug', command: { command: 'mqttSessions.manageBrokerProfiles', title: vscode.l10n.t('Manage Broker Profiles') }, tooltip: vscode.l10n.t('The brokers to record from and replay to') },
    );
    return out;
  }

  getTreeItem(node: RecorderNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, node.children?.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.description = node.description;
    item.iconPath = new vscode.ThemeIcon(node.icon);
    item.contextValue = node.contextValue;
    item.command = node.command;
    // Markdown: a plain-text tooltip would be read as the row's label by screen readers.
    if (node.tooltip) item.tooltip = new vscode.MarkdownString().appendText(node.tooltip);
    return item;
  }
}

function lastReplayNode(r: LastReplay): RecorderNode {
  const failed = r.state === 'failed';
  return {
    label: vscode.l10n.t('Last replay: {0} {1}', r.session, failed ? vscode.l10n.t('failed') : r.state === 'stopped' ? vscode.l10n.t('stopped') : vscode.l10n.t('done')),
    description: vscode.l10n.t('{0} of {1} messages sent', r.sent, r.total),
    icon: failed ? 'error' : r.state === 'stopped' ? 'debug-stop' : 'pass',
    contextValue: 'replay.last',
    tooltip: r.error,
    children: [
      { label: vscode.l10n.t('Broker'), description: r.broker, icon: 'plug' },
      ...(r.error ? [{ label: vscode.l10n.t('Error'), description: r.error, icon: 'error' }] : []),
      { label: vscode.l10n.t('Passes'), description: String(r.pass), icon: 'sync' },
      { label: vscode.l10n.t('Took'), description: formatDuration(r.elapsedMs / 1000), icon: 'watch' },
      { label: vscode.l10n.t('Lateness'), description: vscode.l10n.t('max {0} ms', r.maxLatenessMs.toFixed(1)), icon: 'dashboard' },
    ],
  };
}
