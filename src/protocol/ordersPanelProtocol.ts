/**
 * Messages between the orders panel (webview/ordersPanel) and the extension
 * (src/extension/panels/ordersPanel.ts). The extension validates what the webview sends.
 */
import { z } from 'zod';
import type { OrderSummary, ProductionRequest, WorkpieceSummary } from './orderShapes';

export { ORDERS_PANEL_VIEW_TYPE } from './panelViewTypes';

/** An order in the list: its summary without the message ids and transitions. */
export type OrderListItem = Omit<OrderSummary, 'messageIds' | 'transitions'>;

export interface OrdersPanelState {
  sessionPath: string;
  selectedOrder?: string;
}

export type OrdersPanelEvent =
  | { type: 'init'; name: string; orders: OrderListItem[]; requests: ProductionRequest[]; workpieces: WorkpieceSummary[]; state: OrdersPanelState }
  | { type: 'order'; requestId: number; order?: OrderSummary; messages: { id: number; timestamp: string; topic: string }[]; more: number }
  | { type: 'notice'; level: 'info' | 'error'; text: string };

export const ordersPanelRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('order'), requestId: z.number().int(), orderId: z.string().max(1000) }),
  z.object({ type: z.literal('state'), state: z.object({ sessionPath: z.string(), selectedOrder: z.string().max(1000).optional() }) }),
]);

export type OrdersPanelRequest = z.output<typeof ordersPanelRequestSchema>;
