/** The order flow (DESIGN §7): the tracker, its shapes and its result; see `orders/`. */
export { OrderTracker } from './orders/orderTracker';
export { findOrderIds } from './orders/orderValues';
export { MAX_LISTED, MAX_REQUESTS, MAX_TRACKED_WORKPIECES, MAX_TRANSITIONS } from './orders/orderTypes';
export type { OrderSummary, OrderTrackerOptions, OrderTransition, OrdersResult, ProductionRequest, TrackedMessage, WorkpieceKind, WorkpieceSummary } from './orders/orderTypes';
