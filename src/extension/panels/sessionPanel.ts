import * as path from 'node:path';
import * as vscode from 'vscode';
import { SESSION_PANEL_VIEW_TYPE, type SessionPanelEvent, type SessionPanelFocus, type SessionPanelRequest, type SessionPanelState, sessionPanelRequestSchema } from '../../protocol/sessionPanelProtocol';
import { existingFolders, readSettings } from '../settings';
import { AnalysisPanel, type PanelHost, type PanelKind, panelOptions } from './analysisPanel';

const KIND: PanelKind<SessionPanelState> = {
  viewType: SESSION_PANEL_VIEW_TYPE,
  entry: 'sessionPanel',
  initialState: (sessionPath) => ({ sessionPath, hiddenCategories: [], showPrefiltered: false }),
};

/**
 * The session panel: statistics, filters, the timeline, a message table, payload detail
 * with diff. Answers the webview with bins, pages and one message — never the session.
 */
export class SessionPanel extends AnalysisPanel<SessionPanelState, SessionPanelRequest, SessionPanelEvent> {
  private static readonly shown = new Map<string, SessionPanel>();
  /** Sent after `init`: a new panel's webview cannot take it before it has its topics. */
  private pendingFocus: SessionPanelFocus | undefined;

  /** `focus`: a topic's lane or one message (a search hit) to open the panel at. */
  static show(host: PanelHost, sessionPath: string, focus?: SessionPanelFocus): void {
    const open = SessionPanel.shown.get(sessionPath);
    if (open && AnalysisPanel.reveal(KIND.viewType, sessionPath)) {
      if (focus) open.post({ type: 'focus', focus });
      return;
    }
    const panel = vscode.window.createWebviewPanel(KIND.viewType, path.basename(sessionPath), vscode.ViewColumn.Active, panelOptions(host.extensionUri));
    new SessionPanel(host, panel, { ...KIND.initialState(sessionPath), onlyTopic: focus?.topic ?? focus?.message?.topic }).pendingFocus = focus;
  }

  /** After a reload: the serializer hands back the panel and its last state. */
  static restore(host: PanelHost, panel: vscode.WebviewPanel, state: unknown): void {
    const s = state as Partial<SessionPanelState> | undefined;
    if (!s?.sessionPath) return panel.dispose();
    panel.webview.options = panelOptions(host.extensionUri);
    new SessionPanel(host, panel, { ...KIND.initialState(s.sessionPath), ...s, sessionPath: s.sessionPath });
  }

  private constructor(host: PanelHost, panel: vscode.WebviewPanel, state: SessionPanelState) {
    super(host, panel, state, KIND, sessionPanelRequestSchema);
    SessionPanel.shown.set(state.sessionPath, this);
    this.register({ dispose: () => SessionPanel.shown.get(state.sessionPath) === this && SessionPanel.shown.delete(state.sessionPath) });
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.post({ type: 'trust', trusted: true })));
  }

  protected notice(level: 'info' | 'error', text: string): SessionPanelEvent {
    return { type: 'notice', level, text };
  }

  protected async handle(r: SessionPanelRequest): Promise<void> {
    switch (r.type) {
      case 'ready': {
        const { name, stats: s, categories } = await this.call('stats');
        this.post({
          type: 'init',
          name,
          stats: { messages: s.messages, topics: s.topics, start: s.start, end: s.end, startMs: s.startMs, endMs: s.endMs, durationSec: s.durationSec, bytes: s.bytes },
          categories,
          topics: s.perTopic.map((t) => ({ topic: t.topic, category: t.category, subcategory: t.subcategory, count: t.count, prefiltered: t.prefiltered })),
          state: this.state,
          trusted: vscode.workspace.isTrusted,
        });
        if (this.pendingFocus) this.post({ type: 'focus', focus: this.pendingFocus });
        this.pendingFocus = undefined;
        return;
      }
      case 'timeline': {
        const { timeline, elapsedMs } = await this.call('timeline', { fromMs: r.fromMs, toMs: r.toMs, bins: r.bins, topics: r.topics });
        this.post({ type: 'timeline', requestId: r.requestId, timeline, elapsedMs });
        return;
      }
      case 'messages': {
        const page = await this.call('messages', { fromMs: r.fromMs, toMs: r.toMs, topics: r.topics.length ? r.topics : undefined, offset: r.offset, limit: r.limit });
        this.post({ type: 'messages', requestId: r.requestId, page });
        return;
      }
      case 'detail':
        this.post({ type: 'detail', requestId: r.requestId, detail: await this.call('detail', r.id) });
        return;
      case 'state':
        this.state = { ...r.state, sessionPath: this.state.sessionPath };
        return;
      case 'saveTestTopic':
        return this.saveTestTopic(r.id);
      case 'exportSelection':
        return this.exportSelection(r.fromMs, r.toMs, r.topics);
      case 'replaySelection':
        if (!vscode.workspace.isTrusted) return this.post({ type: 'notice', level: 'error', text: vscode.l10n.t('Replay is not available in an untrusted workspace.') });
        {
          // The replayer takes offsets from the session's first message.
          const start = (await this.call('stats')).stats.startMs ?? 0;
          return this.host.replay(this.state.sessionPath, r.fromMs === undefined ? undefined : r.fromMs - start, r.toMs === undefined ? undefined : r.toMs - start, r.topics);
        }
    }
  }

  private async saveTestTopic(id: number): Promise<void> {
    const m = await this.call('recorded', id);
    if (!m) return;
    const { testTopicFromMessage, testTopicFileName, writeTestTopic } = await import('../../core/testTopics/testTopicFile');
    const folders = await existingFolders(readSettings().testTopicFolders);
    const wf = vscode.workspace.workspaceFolders?.[0];
    const dir = folders[0] ?? (wf ? vscode.Uri.joinPath(wf.uri, readSettings().testTopicFolders[0] ?? 'test_topics').fsPath : undefined);
    if (!dir) return;
    const topic = testTopicFromMessage({ ...m, payload: Buffer.from(m.payload, m.payloadEncoding) });
    let name = testTopicFileName(m.topic);
    for (let i = 2; !(await writeTestTopic(dir, name, topic)); i++) name = testTopicFileName(m.topic, i);
    this.post({ type: 'notice', level: 'info', text: vscode.l10n.t('Saved as {0}', path.join(vscode.workspace.asRelativePath(dir), name)) });
  }

  private async exportSelection(fromMs: number | undefined, toMs: number | undefined, topics: string[]): Promise<void> {
    const target = await vscode.window.showSaveDialog({ filters: { JSON: ['json'] }, defaultUri: vscode.Uri.file(`${this.state.sessionPath.replace(/\.(log|db)$/, '')}-selection.json`) });
    if (!target) return;
    const n = await this.call('exportSelection', { fromMs, toMs, topics: topics.length ? topics : undefined }, target.fsPath);
    this.post({ type: 'notice', level: 'info', text: vscode.l10n.t('Exported {0} messages.', n) });
  }
}
