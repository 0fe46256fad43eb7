import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ZodType } from 'zod';
import type { AnalysisDb } from '../../core/analysis/analysisDb';
import { Disposable } from '../lifecycle';
import type { ExtensionLog } from '../log';
import { readSettings } from '../settings';
import { webviewHtml } from './webviewHtml';

export interface PanelHost {
  extensionUri: vscode.Uri;
  log: ExtensionLog;
  /** Replay Selection…: the replay command with a range (offsets from the session's first message) and topics. */
  replay(sessionPath: string, fromOffsetMs: number | undefined, toOffsetMs: number | undefined, topics: string[]): Promise<void>;
}

export interface PanelKind<State extends { sessionPath: string }> {
  viewType: string;
  /** Script name in dist/webview. */
  entry: string;
  initialState(sessionPath: string): State;
}

export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/**
 * A panel over one session's analysis: keeps the index open while shown, validates each
 * webview message with the panel's protocol schema, answers with bounded results. One
 * panel per kind and session; `restore` brings it back after a reload (serializer).
 */
export abstract class AnalysisPanel<State extends { sessionPath: string }, Request, Event> extends Disposable {
  private static readonly open = new Map<string, AnalysisPanel<{ sessionPath: string }, unknown, unknown>>();
  private analysis: Promise<AnalysisDb> | undefined;

  protected constructor(
    protected readonly host: PanelHost,
    readonly panel: vscode.WebviewPanel,
    protected state: State,
    private readonly kind: PanelKind<State>,
    private readonly schema: ZodType<Request>,
  ) {
    super();
    AnalysisPanel.open.set(this.key, this as never);
    panel.iconPath = vscode.Uri.joinPath(host.extensionUri, 'media', 'icon.svg');
    panel.webview.html = webviewHtml(panel.webview, host.extensionUri, kind.entry, path.basename(state.sessionPath), state);
    this.register(panel.webview.onDidReceiveMessage((raw: unknown) => void this.onRequest(raw)));
    this.register(panel.onDidDispose(() => this.dispose()));
    // Open the index while the webview loads; its first request then finds it ready.
    this.db().catch(() => undefined);
  }

  private get key(): string {
    return `${this.kind.viewType}:${this.state.sessionPath}`;
  }

  /** Reveals the panel of this kind for the session, if one is open. */
  protected static reveal(viewType: string, sessionPath: string): boolean {
    const p = AnalysisPanel.open.get(`${viewType}:${sessionPath}`);
    p?.panel.reveal();
    return !!p;
  }

  protected post(event: Event): void {
    void this.panel.webview.postMessage(event);
  }

  protected db(): Promise<AnalysisDb> {
    this.analysis ??= (async () => {
      const { openAnalysis } = await import('../../core/analysis/analysisDb');
      const { resolveSession } = await import('../../core/session/sessionFiles');
      return openAnalysis(await resolveSession(this.state.sessionPath), { naive: readSettings().naiveTimestamps, onIndexed: (s) => this.host.log.info('index', `indexed ${s}`) });
    })();
    return this.analysis;
  }

  protected abstract handle(request: Request): Promise<void>;
  protected abstract notice(level: 'info' | 'error', text: string): Event;

  private async onRequest(raw: unknown): Promise<void> {
    const parsed = this.schema.safeParse(raw);
    if (!parsed.success) {
      this.host.log.warn('panel', `${this.kind.viewType}: ignored a malformed message (${parsed.error.issues[0]?.message})`);
      return;
    }
    try {
      await this.handle(parsed.data);
    } catch (err) {
      this.host.log.error('panel', (err as Error).message);
      this.post(this.notice('error', (err as Error).message));
    }
  }

  override dispose(): void {
    if (this.isDisposed) return;
    AnalysisPanel.open.delete(this.key);
    void this.analysis?.then((a) => a.close(), () => undefined);
    this.panel.dispose();
    super.dispose();
  }
}
