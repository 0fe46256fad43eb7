import * as path from 'node:path';
import * as vscode from 'vscode';
import { ORDERS_PANEL_VIEW_TYPE, type OrdersPanelEvent, type OrdersPanelRequest, type OrdersPanelState, ordersPanelRequestSchema } from '../../protocol/ordersPanelProtocol';
import { AnalysisPanel, type PanelHost, type PanelKind, panelOptions } from './analysisPanel';

const KIND: PanelKind<OrdersPanelState> = { viewType: ORDERS_PANEL_VIEW_TYPE, entry: 'ordersPanel', initialState: (sessionPath) => ({ sessionPath }) };
/** Messages of one order sent to the panel at most; the rest is counted. */
const MAX_ORDER_MESSAGES = 2000;

/** The orders panel: orders with state, duration and modules; an order's chain; requests; workpieces. */
export class OrdersPanel extends AnalysisPanel<OrdersPanelState, OrdersPanelRequest, OrdersPanelEvent> {
  static show(host: PanelHost, sessionPath: string): void {
    if (AnalysisPanel.reveal(KIND.viewType, sessionPath)) return;
    const panel = vscode.window.createWebviewPanel(KIND.viewType, vscode.l10n.t('Orders: {0}', path.basename(sessionPath)), vscode.ViewColumn.Active, panelOptions(host.extensionUri));
    new OrdersPanel(host, panel, KIND.initialState(sessionPath));
  }

  static restore(host: PanelHost, panel: vscode.WebviewPanel, state: unknown): void {
    const s = state as Partial<OrdersPanelState> | undefined;
    if (!s?.sessionPath) return panel.dispose();
    panel.webview.options = panelOptions(host.extensionUri);
    new OrdersPanel(host, panel, { ...s, sessionPath: s.sessionPath });
  }

  private constructor(host: PanelHost, panel: vscode.WebviewPanel, state: OrdersPanelState) {
    super(host, panel, state, KIND, ordersPanelRequestSchema);
  }

  protected notice(level: 'info' | 'error', text: string): OrdersPanelEvent {
    return { type: 'notice', level, text };
  }

  protected async handle(r: OrdersPanelRequest): Promise<void> {
    switch (r.type) {
      case 'ready': {
        const [name, result] = await Promise.all([this.sessionName(), this.call('orders')]);
        this.post({ type: 'init', name, orders: result.orders, requests: result.requests, workpieces: result.workpieces, state: this.state });
        return;
      }
      case 'order': {
        const { order, messages, more } = await this.call('order', r.orderId, MAX_ORDER_MESSAGES);
        this.post({ type: 'order', requestId: r.requestId, order, messages, more });
        return;
      }
      case 'copy':
        await vscode.env.clipboard.writeText(r.text);
        vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', r.text), 3000);
        return;
      case 'state':
        this.state = { ...r.state, sessionPath: this.state.sessionPath };
        return;
    }
  }
}
