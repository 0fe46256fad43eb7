import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ZodType } from 'zod';
import type { RemoteSession } from '../../core/worker/coreWorkerClient';
import type { SessionAnswer, SessionArgs, SessionOperations } from '../../core/worker/workerOperations';
import { coreWorker } from '../coreWorker';
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
 * A panel over one session's analysis: keeps the session open in the core worker while
 * shown (never in the extension host), validates each webview message with the panel's
 * protocol schema, answers with bounded results. One
 * panel per kind and session; `restore` brings it back after a reload (serializer).
 */
export abstract class AnalysisPanel<State extends { sessionPath: string }, Request, Event> extends Disposable {
  private static readonly open = new Map<string, AnalysisPanel<{ sessionPath: string }, unknown, unknown>>();
  private readonly remote: Promise<RemoteSession>;

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
    this.remote = coreWorker().then((c) => c.session(state.sessionPath, readSettings().naiveTimestamps));
    // Open the index while the webview loads; its first request then finds it ready.
    this.remote
      .then((r) => r.opened())
      .then((o) => o.indexed && host.log.info('index', `indexed ${o.name}`))
      .catch(() => undefined);
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

  /** The session's name, once it is open. */
  protected async sessionName(): Promise<string> {
    return (await (await this.remote).opened()).name;
  }

  /** Runs a query on this panel's session in the core worker. */
  protected async call<K extends keyof SessionOperations>(op: K, ...args: SessionArgs<K>): Promise<SessionAnswer<K>> {
    return (await this.remote).call(op, ...args);
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
    void this.remote.then((r) => r.close(), () => undefined);
    this.panel.dispose();
    super.dispose();
  }
}
