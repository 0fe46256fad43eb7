/**
 * Messages between the orders panel (webview/ordersPanel) and the extension
 * (src/extension/panels/ordersPanel.ts). The extension validates what the webview sends.
 */
import { z } from 'zod';
import type { OrderSummary, ProductionRequest, WorkpieceSummary } from './orderShapes';

export { ORDERS_PANEL_VIEW_TYPE } from './panelViewTypes';

/** An order in the list: its summary without the message ids and transitions. */
export type OrderListItem = Omit<OrderSummary, 'messageIds' | 'transitions'>;

/** How the list is sorted and filtered (kept across reloads). */
export interface OrdersListView {
  sort?: 'order' | 'type' | 'state' | 'firstSeen' | 'duration' | 'messages' | 'modules';
  desc?: boolean;
  /** `type colour` as the list shows it; `(none)` for orders without one. */
  type?: string;
  state?: string;
  text?: string;
}

export interface OrdersPanelState extends OrdersListView {
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
  z.object({ type: z.literal('copy'), text: z.string().max(1000) }),
  z.object({
    type: z.literal('state'),
    state: z.object({
      sessionPath: z.string(),
      selectedOrder: z.string().max(1000).optional(),
      sort: z.enum(['order', 'type', 'state', 'firstSeen', 'duration', 'messages', 'modules']).optional(),
      desc: z.boolean().optional(),
      type: z.string().max(200).optional(),
      state: z.string().max(200).optional(),
      text: z.string().max(200).optional(),
    }),
  }),
]);

export type OrdersPanelRequest = z.output<typeof ordersPanelRequestSchema>;
