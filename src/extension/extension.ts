import * as path from 'node:path';
import * as vscode from 'vscode';
import { Activity } from './activity';
import type { ExtensionServices } from './services';
import { manageBrokerProfiles, requireTrust } from './brokerPicker';
import { Choices } from './choices';
import { allPreloads, filesToSend, replaySession, sendFiles, stopReplay, toggleReplayPause } from './commands/publishCommands';
import { sessionArg } from './commands/sessionArg';
import { copyTopic, isTopicArg, searchInSession } from './commands/topicCommands';
import { createTestTopic, detectTestTopicFolders, findTestTopicFolders } from './commands/testTopicCommands';
import type { SessionPanelFocus } from '../protocol/sessionPanelProtocol';
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
  private readonly logUri: vscode.Uri;

  constructor(context: vscode.ExtensionContext) {
    super();
    this.choices = this.register(new Choices(context.workspaceState));
    this.logUri = context.logUri;
    this.deps = { activity: this.activity, choices: this.choices, secrets: context.secrets, log: this.log };
    const sessions = this.register(new SessionsView(vscode.Uri.joinPath(context.globalStorageUri, 'summaries').fsPath));
    const testTopics = this.register(new TestTopicsView());
    const live = this.register(new LiveSessionsView(context.workspaceState));
    const recorder = this.register(new RecorderView(this.activity, () => this.choices.get('brokerPort', '1883')));
    const sessionsTree = this.register(vscode.window.createTreeView('mqttSessions.sessions', { treeDataProvider: sessions }));
    const testTopicsTree = this.register(vscode.window.createTreeView('mqttSessions.testTopics', { treeDataProvider: testTopics }));
    // Restricted Mode: say why recording and sending are missing (the Recorder view's welcome has the trust link).
    const trustMessages = (): void => {
      const untrusted = !vscode.workspace.isTrusted;
      sessionsTree.message = untrusted ? vscode.l10n.t('Restricted Mode: recording and replay are off until you trust this workspace.') : undefined;
      testTopicsTree.message = untrusted ? vscode.l10n.t('Restricted Mode: sending is off until you trust this workspace.') : undefined;
    };
    trustMessages();
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(trustMessages));
    // When clauses: Stop Embedded Broker only while it runs; the Test Topics welcome offers found folders.
    const brokerContext = (): void => void vscode.commands.executeCommand('setContext', 'mqttSessions.brokerRunning', !!this.activity.broker);
    brokerContext();
    this.register(this.activity.onDidChange(brokerContext));
    const folderContext = async (): Promise<void> => {
      const found = (await existingFolders(readSettings().testTopicFolders)).length === 0 && (await detectTestTopicFolders()).length > 0;
      await vscode.commands.executeCommand('setContext', 'mqttSessions.testTopicFolderFound', found);
    };
    this.register(onSettingsChanged(() => void folderContext()));
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
    const openPanelAt = async (file: string, focus?: SessionPanelFocus) => (await panels()).SessionPanel.show(panelHost, file, focus);
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
      'mqttSessions.searchSessions': () => searchSessions(this.log, openPanelAt),
      'mqttSessions.searchInSession': (arg) => searchInSession(arg, openPanelAt),
      'mqttSessions.copyTopic': (arg) => copyTopic(arg),
      'mqttSessions.openSessionReport': (arg) => openSessionReport(storage, arg),
      'mqttSessions.openSessionPanel': async (arg) => {
        // A topic row opens the timeline on its topic.
        const p = await sessionPath(isTopicArg(arg) ? { kind: 'session', files: arg.session } : arg, vscode.l10n.t('Open which session?'));
        if (p) await openPanelAt(p, isTopicArg(arg) ? { topic: arg.topic } : undefined);
      },
      'mqttSessions.openTopicInTimeline': (arg) => vscode.commands.executeCommand('mqttSessions.openSessionPanel', arg),
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
      'mqttSessions.startEmbeddedBroker': (arg) => this.startBroker((arg as { port?: string } | undefined)?.port),
      'mqttSessions.dismissLastReplay': () => recorder.dismissLastReplay(),
      'mqttSessions.createTestTopic': () => createTestTopic(),
      'mqttSessions.findTestTopicFolders': () => findTestTopicFolders(),
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
      void folderContext().catch(() => undefined);
    }, 0);
    this.register({ dispose: () => clearTimeout(later) });
  }

  /** The JSON log goes to the extension's log folder unless the setting names one (then, trusted only, in the workspace). */
  private async setLogFolder(): Promise<void> {
    const wf = vscode.workspace.workspaceFolders?.[0];
    const set = readSettings().logFolder.trim();
    if (!set) return this.log.setLogFolder(this.logUri.fsPath);
    this.log.setLogFolder(wf && vscode.workspace.isTrusted ? path.resolve(wf.uri.fsPath, set) : undefined);
  }

  private async recover(): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    await offerRecovery(this.deps, await existingFolders(readSettings().sessionFolders));
  }

  /** `givenPort`: the Recorder row's click starts at once on the last port; the command asks for one. */
  private async startBroker(givenPort?: string): Promise<void> {
    if (!requireTrust(vscode.l10n.t('The embedded broker'))) return;
    if (this.activity.broker) return void vscode.window.showInformationMessage(vscode.l10n.t('The embedded broker runs at {0}.', this.activity.broker.url));
    const port =
      givenPort ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('Start Embedded Broker'),
        prompt: vscode.l10n.t('A local MQTT broker for tests, on the loopback interface only. Port:'),
        value: this.choices.get('brokerPort', '1883'),
        validateInput: (v) => (/^\d+$/.test(v) && Number(v) < 65536 ? undefined : vscode.l10n.t('A port number')),
      }));
    if (!port) return;
    this.choices.set('brokerPort', port);
    const { startEmbeddedBroker } = await import('../core/broker/embeddedBroker');
    let broker;
    try {
      broker = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Starting the embedded broker on port {0}…', port) }, () => startEmbeddedBroker({ port: Number(port) }));
    } catch (err) {
      const other = vscode.l10n.t('Choose Another Port…');
      const answer = await vscode.window.showErrorMessage(vscode.l10n.t('The embedded broker could not start on port {0}: {1}', port, (err as Error).message), other);
      if (answer === other) await this.startBroker();
      return;
    }
    this.activity.setBroker(broker);
    this.log.info('broker', `embedded broker at ${broker.url}`);
    void vscode.window.showInformationMessage(vscode.l10n.t('Embedded broker at {0}.', broker.url));
  }

  private async stopBroker(): Promise<void> {
    const b = this.activity.broker;
    if (!b) return void vscode.window.showInformationMessage(vscode.l10n.t('The embedded broker is not running.'));
    this.activity.setBroker(undefined);
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Stopping the embedded broker…') }, () => b.close());
    this.log.info('broker', `embedded broker at ${b.url} stopped`);
    void vscode.window.showInformationMessage(vscode.l10n.t('Embedded broker at {0} stopped.', b.url));
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
