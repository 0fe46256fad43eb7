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
    const { ordersOf, orderDetail } = await import('../../core/analysis/sessionAnalysis');
    switch (r.type) {
      case 'ready': {
        const a = await this.db();
        const result = ordersOf(a.db);
        this.post({
          type: 'init',
          name: a.name,
          orders: result.orders.map(({ messageIds: _ids, transitions: _t, ...rest }) => rest),
          requests: result.requests,
          workpieces: result.workpieces,
          state: this.state,
        });
        return;
      }
      case 'order': {
        const a = await this.db();
        const order = orderDetail(a.db, r.orderId);
        const { queryAll } = await import('../../core/index/sqlJs');
        const ids = order?.messageIds.slice(0, MAX_ORDER_MESSAGES) ?? [];
        const rows = ids.length
          ? queryAll<{ id: number; timestamp: string; topic: string }>(a.db, `SELECT id, timestamp, topic FROM mqtt_messages WHERE id IN (${ids.map(() => '?').join(',')}) ORDER BY id`, ids)
          : [];
        this.post({ type: 'order', requestId: r.requestId, order: order && { ...order, messageIds: ids }, messages: rows, more: Math.max(0, (order?.messageIds.length ?? 0) - ids.length) });
        return;
      }
      case 'state':
        this.state = { ...r.state, sessionPath: this.state.sessionPath };
        return;
    }
  }
}
