/** The shapes of the order flow (DESIGN §7): what the tracker returns, and the state it keeps while it reads. */

export interface TrackedMessage {
  /** The message's id in the session (1-based ordinal, or the index row id). */
  id: number;
  topic: string;
  /** UTF-8 text; binary payloads are not fed. */
  payload: string;
  tsMs: number;
  /** The timestamp text as the session has it. */
  timestamp: string;
}

export type { OrderSummary, OrderTransition, OrdersResult, ProductionRequest, WorkpieceKind, WorkpieceSummary } from '../../../protocol/orderShapes';
import type { OrderTransition, ProductionRequest, WorkpieceKind } from '../../../protocol/orderShapes';
export const WORKPIECE_KINDS: readonly WorkpieceKind[] = ['workpieceId', 'loadId', 'nfcCode', 'nfcRead'];
export const KIND_BITS: Record<WorkpieceKind, number> = { workpieceId: 1, loadId: 2, nfcCode: 4, nfcRead: 8 };

/** Lists in a summary (an order's workpieces, a workpiece's orders) without `detail`: a summary stays small. */
export const MAX_LISTED = 20;
/**
 * Workpieces kept per order without `detail`: a real order carries one or a few; this
 * keeps a summary's memory flat when every message names another one (the synthetic
 * sessions of the benchmarks: 997 workpieces in every order took the build to 495 MiB at 3M).
 */
export const MAX_TRACKED_WORKPIECES = 100;
/** Production requests in a result without `detail` (the first ones); `requestCount` counts them all. */
export const MAX_REQUESTS = 1000;

/** A real order tells its story in a few hundred changes; this bounds a pathological one. */
export const MAX_TRANSITIONS = 1000;
/** How long after a request its order may first show up when only type and colour link them. */
export const NEXT_ORDER_WINDOW_MS = 60_000;
/** At most this many orders are looked at per request in that minute. */
export const NEXT_ORDER_SCAN = 1000;

// Internal state. Times are kept as epoch ms plus the session's text and turned into
// ISO text only in the result: formatting a date per message was a tenth of the cost.

export interface RawTransition {
  messageId: number;
  tsMs: number;
  ts: string;
  topic: string;
  source: OrderTransition['source'];
  state: string;
  serial: string | undefined;
  module: string | undefined;
  command: string | undefined;
  actionId: string | undefined;
  detail: string | undefined;
}

/** The last action state a module or FTS reported for an order. */
export interface ActionTrack {
  id: string | undefined;
  command: string | undefined;
  state: string;
}

export interface OrderState {
  orderId: string;
  seq: number;
  type: string | undefined;
  workpieceType: string | undefined;
  state: string | undefined;
  createdAt: string | undefined;
  requestId: string | undefined;
  request: number | undefined;
  firstSeenMs: number;
  firstSeenTs: string;
  lastSeenMs: number;
  lastSeenTs: string;
  lastMessage: number;
  firstMessage: number;
  messageCount: number;
  messageIds: number[];
  transitions: RawTransition[];
  transitionsOmitted: number;
  /** Only changes are kept: the last state of each production step, and of each module's action. */
  steps: Map<string, string>;
  actions: Map<string, ActionTrack>;
  /** Action / step id → command, to name actions whose state message lacks it. */
  commands: Map<string, string>;
  serials: Set<string>;
  /** The serial added last: a message repeats its topic's serial in its payload. */
  lastSerial: string;
  workpieces: Set<string>;
  /** Summaries only: workpieces past MAX_TRACKED_WORKPIECES were seen (and not kept). */
  moreWorkpieces: boolean;
}

export interface WorkpieceState {
  id: string;
  /** Bits of KIND_BITS. */
  kinds: number;
  type: string | undefined;
  /** The order it was last seen with (the pairs themselves are kept on the orders' side). */
  lastOrder: OrderState | undefined;
  firstSeenMs: number;
  firstSeenTs: string;
  lastSeenMs: number;
  lastSeenTs: string;
  lastMessage: number;
  messages: number;
}

export interface RequestState {
  id: number;
  tsMs: number;
  ts: string;
  type?: string;
  workpieceType?: string;
  workpieceId?: string;
  requestId?: string;
  requestedAt?: string;
  /** Orders the request message itself names. */
  named: string[];
  orderIds: string[];
  link: ProductionRequest['link'] | undefined;
}

/**
 * Where something in a payload belongs: the nearest enclosing object's orderId;
 * undefined outside every order object (then it belongs to the message's order, if the
 * message has exactly one); null inside a stock list (no order).
 */
export type Scope = string | null | undefined;

/** Facts found outside every order object, held until the message's orders are known. */
export type Deferred =
  | { k: 'serial'; serial: string }
  | { k: 'wp'; id: string; kind: WorkpieceKind; from: Record<string, unknown> }
  | { k: 'action'; serial: string | undefined; a: Record<string, unknown> }
  | { k: 'cmd'; actionId: string; command: string };

export interface TopicInfo {
  topic: string;
  /** Module or FTS serial of `module/...` and `fts/...` topics. */
  serial: string | undefined;
  fts: boolean;
}

export const ORDER_WORDS = ['orderId', 'workpieceId', 'loadId', 'nfcCode'];
export const NO_MESSAGE: TrackedMessage = { id: 0, topic: '', payload: '', tsMs: Number.NaN, timestamp: '' };
export const CACHE_LIMIT = 10_000;

export interface OrderTrackerOptions {
  /**
   * Keep each order's message ids and transitions (default true). Without them an order
   * is a summary of fixed size: what a list of thousands of orders needs.
   */
  detail?: boolean;
  /** What a whole pass learnt about the modules: one order's messages then name them as the session does. */
  modules?: ModuleKnowledge;
}

/** The tracker's module maps as JSON carries them: layout types, types named in payloads, FTS serials. */
export interface ModuleKnowledge {
  layout: [string, string][];
  payload: [string, string][];
  fts: string[];
}
