/**
 * The order flow as it crosses to the orders panel (and to the CLI's JSON): orders,
 * their transitions, production requests and workpieces. Core's tracker produces these;
 * the webview reads them from here, never from core.
 */

/** One change of state in an order's life, in session order. */
export interface OrderTransition {
  messageId: number;
  tsMs: number;
  /** ISO 8601, UTC. */
  timestamp: string;
  topic: string;
  /**
   * `order`: the CCU's state of the whole order (IN_PROGRESS, FINISHED, ERROR, ...);
   * `step`: a CCU production step (ENQUEUED, IN_PROGRESS, FINISHED, CANCELLED, ...);
   * `action`: a module's or FTS's current action (WAITING, RUNNING, FINISHED, ...).
   */
  source: 'order' | 'step' | 'action';
  state: string;
  /** Module or FTS serial, when known. */
  serial?: string;
  /** Module type (HBW, DRILL, MILL, AIQS, DPS, ...), `FTS`, or the serial when unknown. */
  module?: string;
  /** DROP, PICK, DRILL, DOCK, PASS, NAVIGATION, ... */
  command?: string;
  /** Production step / action id (the same id on both sides). */
  actionId?: string;
  /** Navigation steps: `source→target`. */
  detail?: string;
}

export interface OrderSummary {
  orderId: string;
  /** The order type: PRODUCTION, STORAGE, ... (payload `orderType`). */
  type?: string;
  /** The workpiece type, the colour in ORBIS: RED, WHITE, BLUE (payload `type` beside `orderType`, or `workpieceType`). */
  workpieceType?: string;
  /** The last state the CCU gave the whole order. */
  state?: string;
  /** The CCU's own `timestamp` of the order (copied from its request). */
  createdAt?: string;
  requestId?: string;
  /** Message id of the production request that started it. */
  request?: number;
  firstSeen: string;
  firstSeenMs: number;
  lastSeen: string;
  lastSeenMs: number;
  durationMs: number;
  /** Messages that mention the order. */
  messages: number;
  messageIds: number[];
  /** Only changes, in session order; step and action changes beyond MAX_TRANSITIONS per order are counted, not kept. */
  transitions: OrderTransition[];
  transitionsOmitted: number;
  /** Module types in the order they first took part (serial when the type is unknown). */
  modules: string[];
  /** Module serials, in the same order. */
  serials: string[];
  /** FTS serials. */
  fts: string[];
  /** Without `detail`, the first MAX_LISTED; `workpieceCount` counts them all. */
  workpieces: string[];
  /** Distinct workpieces; without `detail` at most MAX_TRACKED_WORKPIECES, and `moreWorkpieces` says there were more. */
  workpieceCount: number;
  moreWorkpieces?: true;
}

export interface ProductionRequest {
  /** Message id of the `ccu/order/request` message. */
  id: number;
  /** ISO 8601, UTC. */
  timestamp: string;
  tsMs: number;
  /** PRODUCTION, STORAGE, ... */
  type?: string;
  /** The colour. */
  workpieceType?: string;
  workpieceId?: string;
  requestId?: string;
  /** The request's own `timestamp` field. */
  requestedAt?: string;
  orderIds: string[];
  /**
   * How the orders were found: orderIds in the request itself, a shared `requestId`, the
   * CCU's copy of the request's `timestamp`, or the next new order of that type and colour.
   */
  link?: 'orderId' | 'requestId' | 'timestamp' | 'next-order';
}

export type WorkpieceKind = 'workpieceId' | 'loadId' | 'nfcCode' | 'nfcRead';

export interface WorkpieceSummary {
  id: string;
  /** Where the id was seen: `workpieceId`, `loadId`, `nfcCode`, or `nfcRead` (the result of a module's NFC read action). */
  kinds: WorkpieceKind[];
  /** The colour, when a payload gives it beside the id. */
  type?: string;
  /** Without `detail`, the first MAX_LISTED; `orderCount` counts them all. */
  orderIds: string[];
  orderCount: number;
  firstSeen: string;
  firstSeenMs: number;
  lastSeen: string;
  lastSeenMs: number;
  messages: number;
}

export interface OrdersResult {
  /** Sorted by first seen. */
  orders: OrderSummary[];
  requests: ProductionRequest[];
  requestCount: number;
  /** Sorted by first seen. */
  workpieces: WorkpieceSummary[];
  /** serial → module type, from `ccu/state/layout` only (empty when the session has none). */
  layout: Record<string, string>;
  /** serial → module type from every source (layout, factsheets, payloads). */
  moduleTypes: Record<string, string>;
  /** Messages fed; payloads parsed (the others never mention an order word); payloads that were not JSON. */
  messagesSeen: number;
  payloadsParsed: number;
  nonJsonPayloads: number;
  /** Parsed payloads that could not be followed (only engine limits get here: 0 in practice). */
  failedPayloads: number;
}
