import * as vscode from 'vscode';
import { Activity } from './activity';
import type { ExtensionServices } from './services';
import { manageBrokerProfiles, requireTrust } from './brokerPicker';
import { Choices } from './choices';
import { allPreloads, filesToSend, replaySession, sendFiles, stopReplay, toggleReplayPause } from './commands/publishCommands';
import { sessionArg } from './commands/sessionArg';
import { offerRecovery, pauseRecording, resumeRecording, startRecording, stopRecording } from './commands/recordingCommands';
import { pruneSessions, setSessionPinned } from './commands/retentionCommands';
import {
  deleteSession,
  exportSession,
  generateLiveSessionReport,
  importSession,
  liveSessionSummary,
  openLiveSessionHtmlReport,
  openLiveSessionReport,
  openSessionReport,
  rebuildIndex,
  searchSessions,
} from './commands/sessionCommands';
import { disposeCoreWorker } from './coreWorker';
import { Disposable } from './lifecycle';
import { ExtensionLog } from './log';
import { existingFolders, onSettingsChanged, readSettings } from './settings';
import type { PanelHost } from './panels/analysisPanel';
import { ORDERS_PANEL_VIEW_TYPE, SESSION_PANEL_VIEW_TYPE } from '../protocol/panelViewTypes';
import { type LiveSessionsNode, LiveSessionsView } from './views/liveSessionsView';
import { RecorderView } from './views/recorderView';
import { SessionsView } from './views/sessionsView';
import { TestTopicsView } from './views/testTopicsView';

/**
 * The extension: views, commands, the status bar. Activation only registers; SQLite,
 * mqtt and the readers load on first use (dynamic imports in the commands and views).
 */
class MqttSessionsExtension extends Disposable {
  private readonly log = this.register(new ExtensionLog());
  private readonly activity = this.register(new Activity());
  private readonly choices: Choices;

  /** Ends recording, replay and broker; everything else is disposed through context.subscriptions. */
  shutdown(): Promise<void> {
    return this.activity.shutdown();
  }
  private readonly deps: ExtensionServices;

  constructor(context: vscode.ExtensionContext) {
    super();
    this.choices = this.register(new Choices(context.workspaceState));
    this.deps = { activity: this.activity, choices: this.choices, secrets: context.secrets, log: this.log };
    const sessions = this.register(new SessionsView(vscode.Uri.joinPath(context.globalStorageUri, 'summaries').fsPath));
    const testTopics = this.register(new TestTopicsView());
    const live = this.register(new LiveSessionsView(context.workspaceState));
    const recorder = this.register(new RecorderView(this.activity));
    this.register(vscode.window.registerTreeDataProvider('mqttSessions.sessions', sessions));
    this.register(vscode.window.registerTreeDataProvider('mqttSessions.testTopics', testTopics));
    this.register(vscode.window.registerTreeDataProvider('mqttSessions.liveSessions', live));
    this.register(vscode.window.registerTreeDataProvider('mqttSessions.recorder', recorder));
    const storage = context.storageUri ?? context.globalStorageUri;
    const d = this.deps;
    const panelHost: PanelHost = {
      extensionUri: context.extensionUri,
      log: this.log,
      replay: (sessionPath, fromMs, toMs, topics) => replaySession(d, vscode.Uri.file(sessionPath), { fromMs, toMs, topics }),
    };
    // Panels load with their first use (their protocols bring zod along).
    const panels = async () => ({ ...(await import('./panels/sessionPanel')), ...(await import('./panels/ordersPanel')) });
    this.register(vscode.window.registerWebviewPanelSerializer(SESSION_PANEL_VIEW_TYPE, { deserializeWebviewPanel: async (panel, state) => (await panels()).SessionPanel.restore(panelHost, panel, state) }));
    this.register(vscode.window.registerWebviewPanelSerializer(ORDERS_PANEL_VIEW_TYPE, { deserializeWebviewPanel: async (panel, state) => (await panels()).OrdersPanel.restore(panelHost, panel, state) }));
    const sessionPath = async (arg: unknown, question: string): Promise<string | undefined> => {
      const files = await sessionArg(arg, question);
      return files && (files.log ?? files.db);
    };
    const commands: Record<string, (...args: unknown[]) => unknown> = {
      'mqttSessions.startRecording': () => startRecording(d),
      'mqttSessions.pauseRecording': () => pauseRecording(this.activity),
      'mqttSessions.resumeRecording': () => resumeRecording(this.activity),
      'mqttSessions.stopRecording': () => stopRecording(this.activity),
      'mqttSessions.replaySession': (arg) => replaySession(d, arg),
      'mqttSessions.pauseReplay': () => toggleReplayPause(this.activity),
      'mqttSessions.stopReplay': () => stopReplay(this.activity),
      'mqttSessions.sendTestTopic': async (arg, selection) => sendFiles(d, await filesToSend(arg, selection), vscode.l10n.t('Send test topics')),
      'mqttSessions.sendToBroker': async (arg, selection) => sendFiles(d, await filesToSend(arg, selection), vscode.l10n.t('Send test topics')),
      'mqttSessions.sendAllPreloads': async () => sendFiles(d, await allPreloads(), vscode.l10n.t('Send all preloads')),
      'mqttSessions.searchSessions': () => searchSessions(this.log),
      'mqttSessions.openSessionReport': (arg) => openSessionReport(storage, arg),
      'mqttSessions.openSessionPanel': async (arg) => {
        const p = await sessionPath(arg, vscode.l10n.t('Open which session?'));
        if (p) (await panels()).SessionPanel.show(panelHost, p);
      },
      'mqttSessions.openOrdersPanel': async (arg) => {
        const p = await sessionPath(arg, vscode.l10n.t('Orders of which session?'));
        if (p) (await panels()).OrdersPanel.show(panelHost, p);
      },
      'mqttSessions.openLiveSessionReport': (arg) => openLiveSessionReport(storage, arg as never),
      'mqttSessions.liveSessionSummary': () => liveSessionSummary(storage, live),
      'mqttSessions.generateLiveSessionReport': () => generateLiveSessionReport(live),
      'mqttSessions.openLiveSessionHtmlReport': () => openLiveSessionHtmlReport(live),
      'mqttSessions.showMoreLiveSessions': (node) => live.showMore(node as LiveSessionsNode),
      'mqttSessions.groupLiveSessions': async () => {
        const g = await vscode.window.showQuickPick(
          [
            { label: vscode.l10n.t('Run type'), value: 'runType' as const },
            { label: vscode.l10n.t('Status'), value: 'status' as const },
          ],
          { placeHolder: vscode.l10n.t('Group live sessions by') },
        );
        if (g) live.setGrouping(g.value);
      },
      'mqttSessions.filterLiveSessions': async () => {
        const s = await vscode.window.showQuickPick([vscode.l10n.t('all'), 'started', 'completed', 'failed', 'aborted'], { placeHolder: vscode.l10n.t('Show records with status') });
        if (s) live.setStatusFilter(s === vscode.l10n.t('all') ? undefined : (s as 'started'));
      },
      'mqttSessions.rebuildIndex': (arg) => rebuildIndex(this.log, arg),
      'mqttSessions.exportSession': (arg) => exportSession(arg),
      'mqttSessions.importSession': () => importSession(this.log),
      'mqttSessions.deleteSession': (arg) => deleteSession(arg),
      'mqttSessions.pruneSessions': () => pruneSessions(this.log),
      'mqttSessions.pinSession': (arg) => setSessionPinned(arg, true),
      'mqttSessions.unpinSession': (arg) => setSessionPinned(arg, false),
      'mqttSessions.manageBrokerProfiles': () => manageBrokerProfiles(context.secrets),
      'mqttSessions.startEmbeddedBroker': () => this.startBroker(),
      'mqttSessions.stopEmbeddedBroker': () => this.stopBroker(),
      'mqttSessions.showLogs': () => this.log.channel.show(),
      'mqttSessions.refresh': () => {
        sessions.refresh();
        testTopics.refresh();
        live.refresh();
      },
      'mqttSessions.listSessions': () => openSessionReport(storage),
    };
    for (const [id, run] of Object.entries(commands)) {
      this.register(
        vscode.commands.registerCommand(id, async (...args: unknown[]) => {
          try {
            await run(...args);
          } catch (err) {
            this.log.error('command', `${id}: ${(err as Error).message}`);
            void vscode.window.showErrorMessage((err as Error).message);
          }
        }),
      );
    }
    this.register({ dispose: disposeCoreWorker });
    this.register(onSettingsChanged(() => void this.setLogFolder()));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => void this.recover()));
    // After activation: reading settings loads zod, recovery reads the session folders.
    const later = setTimeout(() => {
      void this.setLogFolder();
      void this.recover();
    }, 0);
    this.register({ dispose: () => clearTimeout(later) });
  }

  private async setLogFolder(): Promise<void> {
    const wf = vscode.workspace.workspaceFolders?.[0];
    this.log.setLogFolder(wf && vscode.workspace.isTrusted ? vscode.Uri.joinPath(wf.uri, readSettings().logFolder).fsPath : undefined);
  }

  private async recover(): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    await offerRecovery(this.deps, await existingFolders(readSettings().sessionFolders));
  }

  private async startBroker(): Promise<void> {
    if (!requireTrust(vscode.l10n.t('The embedded broker'))) return;
    if (this.activity.broker) return void vscode.window.showInformationMessage(vscode.l10n.t('The embedded broker runs at {0}.', this.activity.broker.url));
    const port = await vscode.window.showInputBox({ prompt: vscode.l10n.t('Port (loopback only)'), value: this.choices.get('brokerPort', '1883'), validateInput: (v) => (/^\d+$/.test(v) && Number(v) < 65536 ? undefined : vscode.l10n.t('A port number')) });
    if (!port) return;
    this.choices.set('brokerPort', port);
    const { startEmbeddedBroker } = await import('../core/broker/embeddedBroker');
    const broker = await startEmbeddedBroker({ port: Number(port) });
    this.activity.setBroker(broker);
    this.log.info('broker', `embedded broker at ${broker.url}`);
    void vscode.window.showInformationMessage(vscode.l10n.t('Embedded broker at {0}.', broker.url));
  }

  private async stopBroker(): Promise<void> {
    const b = this.activity.broker;
    this.activity.setBroker(undefined);
    await b?.close();
  }
}

let running: MqttSessionsExtension | undefined;

export function activate(context: vscode.ExtensionContext): void {
  running = new MqttSessionsExtension(context);
  context.subscriptions.push(running);
}

/** Returns the promise VS Code waits for: a recording must write its `session_end` line (issue 18). */
export function deactivate(): Promise<void> | undefined {
  const ext = running;
  running = undefined;
  return ext?.shutdown();
}
