/**
 * Order flow (DESIGN §7): follows every factory `orderId` through the CCU, the modules
 * and the FTS, links production requests to the orders they started, and lists the
 * workpieces. Streaming: fed messages in session order, it keeps per order only what it
 * returns (counts, message ids, state changes), never the payloads.
 *
 * What the ORBIS factory publishes (from the sample sessions):
 * - `ccu/order/active` (list), `ccu/order/response`, `ccu/order/completed` (list, the
 *   whole history, re-sent): order objects `{orderId, orderType, type (colour), state,
 *   timestamp, workpieceId?, requestId?, productionSteps: [{id, type, state, command?,
 *   moduleType?, serialNumber?}]}`.
 * - `module/v1/ff/[NodeRed/]<SERIAL>/state|order`, `fts/v1/ff/<SERIAL>/state|order`:
 *   `{orderId, serialNumber, actionState: {id, command, state}}`; the action id is the
 *   CCU's production step id.
 * - `ccu/order/request`: `{orderType, type, timestamp, workpieceId?, requestId?}`; the
 *   CCU copies the request's `timestamp` (and, in newer versions, its `requestId`) into
 *   the order it starts.
 * - `ccu/state/layout`: `{modules: [{type, serialNumber}]}`.
 */

import { isValidTimeMs } from '../session/timestamps';

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
  workpieceCount: number;
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
const WORKPIECE_KINDS: readonly WorkpieceKind[] = ['workpieceId', 'loadId', 'nfcCode', 'nfcRead'];
const KIND_BITS: Record<WorkpieceKind, number> = { workpieceId: 1, loadId: 2, nfcCode: 4, nfcRead: 8 };

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

/** Lists in a summary (an order's workpieces, a workpiece's orders) without `detail`: a summary stays small. */
export const MAX_LISTED = 20;
/** Production requests in a result without `detail` (the first ones); `requestCount` counts them all. */
export const MAX_REQUESTS = 1000;

/** A real order tells its story in a few hundred changes; this bounds a pathological one. */
export const MAX_TRANSITIONS = 1000;
/** How long after a request its order may first show up when only type and colour link them. */
const NEXT_ORDER_WINDOW_MS = 60_000;
/** At most this many orders are looked at per request in that minute. */
const NEXT_ORDER_SCAN = 1000;

/**
 * Every distinct `orderId` in a JSON document, nested objects and arrays included, in
 * document order. Empty strings, null and the number 0 (the factory's "no order") are
 * skipped; VDA 5050 error references `{referenceKey: "orderId", referenceValue}` count.
 * Iterative: any depth is fine.
 */
export function findOrderIds(doc: unknown): string[] {
  const seen = new Set<string>();
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const start = stack.length;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) if (isObject(node[i])) stack.push(node[i]);
    } else {
      const o = node as Record<string, unknown>;
      const own = ownOrderId(o);
      if (own !== undefined) seen.add(own);
      for (const k in o) {
        const v = o[k];
        if (v !== null && typeof v === 'object') stack.push(v);
      }
    }
    reverseFrom(stack, start);
  }
  return [...seen];
}

// ---------------------------------------------------------------------------
// Internal state. Times are kept as epoch ms plus the session's text and turned into
// ISO text only in result(): formatting a date per message was a tenth of the cost.

interface RawTransition {
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
interface ActionTrack {
  id: string | undefined;
  command: string | undefined;
  state: string;
}

interface OrderState {
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
}

interface WorkpieceState {
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

interface RequestState {
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
type Scope = string | null | undefined;

/** Facts found outside every order object, held until the message's orders are known. */
type Deferred =
  | { k: 'serial'; serial: string }
  | { k: 'wp'; id: string; kind: WorkpieceKind; from: Record<string, unknown> }
  | { k: 'action'; serial: string | undefined; a: Record<string, unknown> }
  | { k: 'cmd'; actionId: string; command: string };

interface TopicInfo {
  topic: string;
  /** Module or FTS serial of `module/...` and `fts/...` topics. */
  serial: string | undefined;
  fts: boolean;
}

const ORDER_WORDS = ['orderId', 'workpieceId', 'loadId', 'nfcCode'];
const NO_MESSAGE: TrackedMessage = { id: 0, topic: '', payload: '', tsMs: Number.NaN, timestamp: '' };
const CACHE_LIMIT = 10_000;

export interface OrderTrackerOptions {
  /**
   * Keep each order's message ids and transitions (default true). Without them an order
   * is a summary of fixed size: what a list of thousands of orders needs.
   */
  detail?: boolean;
}

export class OrderTracker {
  private readonly detail: boolean;
  private readonly orders = new Map<string, OrderState>();
  private readonly workpieces = new Map<string, WorkpieceState>();
  private readonly requests: RequestState[] = [];
  private readonly layoutTypes = new Map<string, string>();
  private readonly payloadTypes = new Map<string, string>();
  private readonly ftsSerials = new Set<string>();
  private readonly topics = new Map<string, TopicInfo>();
  private readonly interned = new Map<string, string>();
  private seen = 0;
  private parsed = 0;
  private nonJson = 0;
  private failed = 0;
  // The message being read, and scratch space reused for every message.
  private msg: TrackedMessage = NO_MESSAGE;
  private topic: TopicInfo = { topic: '', serial: undefined, fts: false };
  private readonly nodes: unknown[] = [];
  private readonly scopes: Scope[] = [];

  constructor(options: OrderTrackerOptions = {}) {
    this.detail = options.detail ?? true;
  }
  private readonly msgOrders: string[] = [];
  private readonly msgOrderSet = new Set<string>();
  private readonly deferred: Deferred[] = [];
  private lastOrder: OrderState | undefined;

  add(m: TrackedMessage): void {
    this.seen++;
    const { topic, payload } = m;
    if (typeof payload !== 'string' || typeof topic !== 'string') return;
    const isRequest = topic === 'ccu/order/request';
    const isLayout = topic === 'ccu/state/layout';
    const isFactsheet = topic.endsWith('/factsheet') && payload.includes('moduleClass');
    // Cheap exit: most messages (sensors, camera, pairing) are never parsed.
    if (!isRequest && !isLayout && !isFactsheet && !mentionsOrderWords(payload)) return;
    let doc: unknown;
    try {
      doc = JSON.parse(payload);
    } catch {
      this.nonJson++;
      return;
    }
    this.parsed++;
    if (doc === null || typeof doc !== 'object') return;
    this.msg = m;
    try {
      const info = this.topicInfo(topic);
      this.topic = info;
      if (info.fts && info.serial !== undefined) this.ftsSerials.add(info.serial);
      if (isLayout) this.readLayout(doc);
      if (isFactsheet && info.serial !== undefined && !info.fts) this.readFactsheet(doc, info.serial);
      if (isRequest && !Array.isArray(doc)) this.readRequest(m, doc as Record<string, unknown>);
      this.walk(doc, info.serial);
      if (isRequest && this.msgOrders.length > 0 && this.requests.length > 0) {
        const r = this.requests[this.requests.length - 1];
        if (r.id === m.id) r.named = this.msgOrders.slice();
      }
      this.finishMessage(info.serial);
    } catch {
      // Bad input cannot get here (any JSON is walked); engine limits (a Map past 2^24
      // entries) could: that message is skipped and counted, the session goes on.
      this.failed++;
    } finally {
      this.msg = NO_MESSAGE;
      // Empty after a normal walk; emptied here in case anything threw half way.
      if (this.nodes.length !== 0) this.nodes.length = 0;
      if (this.scopes.length !== 0) this.scopes.length = 0;
      if (this.msgOrders.length !== 0) {
        if (this.msgOrders.length >= 8) this.msgOrderSet.clear();
        this.msgOrders.length = 0;
      }
      if (this.deferred.length !== 0) this.deferred.length = 0;
    }
  }

  result(): OrdersResult {
    const typeOf = (serial: string): string => this.layoutTypes.get(serial) ?? this.payloadTypes.get(serial) ?? serial;
    const orderStates = [...this.orders.values()].sort((a, b) => compareMs(a.firstSeenMs, b.firstSeenMs) || a.seq - b.seq);
    this.linkRequests(orderStates);
    const orders = orderStates.map((o): OrderSummary => {
      const serials: string[] = [];
      const fts: string[] = [];
      for (const s of o.serials) (this.ftsSerials.has(s) ? fts : serials).push(s);
      const summary: OrderSummary = {
        orderId: o.orderId,
        firstSeen: isoOf(o.firstSeenMs, o.firstSeenTs),
        firstSeenMs: o.firstSeenMs,
        lastSeen: isoOf(o.lastSeenMs, o.lastSeenTs),
        lastSeenMs: o.lastSeenMs,
        durationMs: o.lastSeenMs - o.firstSeenMs,
        messages: o.messageCount,
        messageIds: o.messageIds.slice(),
        transitions: o.transitions.map((t) => {
          const out: OrderTransition = { messageId: t.messageId, tsMs: t.tsMs, timestamp: isoOf(t.tsMs, t.ts), topic: t.topic, source: t.source, state: t.state };
          const module = t.serial !== undefined ? (this.ftsSerials.has(t.serial) ? 'FTS' : typeOf(t.serial)) : t.module;
          const command = t.command ?? (t.actionId !== undefined ? o.commands.get(t.actionId) : undefined);
          if (t.serial !== undefined) out.serial = t.serial;
          if (module !== undefined) out.module = module;
          if (command !== undefined) out.command = command;
          if (t.actionId !== undefined) out.actionId = t.actionId;
          if (t.detail !== undefined) out.detail = t.detail;
          return out;
        }),
        transitionsOmitted: o.transitionsOmitted,
        modules: [...new Set(serials.map(typeOf))],
        serials,
        fts,
        workpieces: this.detail ? [...o.workpieces] : [...o.workpieces].slice(0, MAX_LISTED),
        workpieceCount: o.workpieces.size,
      };
      // Optional facts only when the payloads gave them (no `undefined` keys).
      if (o.type !== undefined) summary.type = o.type;
      if (o.workpieceType !== undefined) summary.workpieceType = o.workpieceType;
      if (o.state !== undefined) summary.state = o.state;
      if (o.createdAt !== undefined) summary.createdAt = o.createdAt;
      if (o.requestId !== undefined) summary.requestId = o.requestId;
      if (o.request !== undefined) summary.request = o.request;
      return summary;
    });
    // workpiece → its orders, in the orders' first-seen order.
    const ordersOf = new Map<string, string[]>();
    for (const o of orderStates) for (const id of o.workpieces) pushTo(ordersOf, id, o.orderId);
    const workpieces = [...this.workpieces.values()]
      .sort((a, b) => compareMs(a.firstSeenMs, b.firstSeenMs))
      .map((w): WorkpieceSummary => {
        const out: WorkpieceSummary = {
          id: w.id,
          kinds: WORKPIECE_KINDS.filter((_, i) => (w.kinds & (1 << i)) !== 0),
          orderIds: this.detail ? (ordersOf.get(w.id) ?? []) : (ordersOf.get(w.id) ?? []).slice(0, MAX_LISTED),
          orderCount: ordersOf.get(w.id)?.length ?? 0,
          firstSeen: isoOf(w.firstSeenMs, w.firstSeenTs),
          firstSeenMs: w.firstSeenMs,
          lastSeen: isoOf(w.lastSeenMs, w.lastSeenTs),
          lastSeenMs: w.lastSeenMs,
          messages: w.messages,
        };
        if (w.type !== undefined) out.type = w.type;
        return out;
      });
    const requests = (this.detail ? this.requests : this.requests.slice(0, MAX_REQUESTS)).map((r): ProductionRequest => {
      const out: ProductionRequest = { id: r.id, timestamp: isoOf(r.tsMs, r.ts), tsMs: r.tsMs, orderIds: r.orderIds.slice() };
      if (r.type !== undefined) out.type = r.type;
      if (r.workpieceType !== undefined) out.workpieceType = r.workpieceType;
      if (r.workpieceId !== undefined) out.workpieceId = r.workpieceId;
      if (r.requestId !== undefined) out.requestId = r.requestId;
      if (r.requestedAt !== undefined) out.requestedAt = r.requestedAt;
      if (r.link !== undefined) out.link = r.link;
      return out;
    });
    const moduleTypes = new Map(this.payloadTypes);
    for (const [s, t] of this.layoutTypes) moduleTypes.set(s, t);
    return {
      orders,
      requests,
      requestCount: this.requests.length,
      workpieces,
      layout: Object.fromEntries(this.layoutTypes),
      moduleTypes: Object.fromEntries(moduleTypes),
      messagesSeen: this.seen,
      payloadsParsed: this.parsed,
      nonJsonPayloads: this.nonJson,
      failedPayloads: this.failed,
    };
  }

  // --- reading one message ---------------------------------------------------

  /**
   * One pass over the document in document order (explicit stack: any depth is safe).
   * Facts inside an order object go straight to that order; facts outside every order
   * object wait for finishMessage().
   */
  private walk(doc: unknown, topicSerial: string | undefined): void {
    const { nodes, scopes } = this;
    nodes.push(doc);
    scopes.push(undefined);
    while (nodes.length > 0) {
      const node = nodes.pop();
      let scope = scopes.pop();
      const start = nodes.length;
      if (Array.isArray(node)) {
        for (let i = 0; i < node.length; i++) {
          const v = node[i];
          if (v !== null && typeof v === 'object') {
            nodes.push(v);
            scopes.push(scope);
          }
        }
      } else if (node !== null && typeof node === 'object') {
        const o = node as Record<string, unknown>;
        const own = orderIdValue(o.orderId);
        if (own !== undefined) {
          this.noteMessageOrder(own);
          scope = own;
          this.readOrderObject(o, this.orderState(own));
        }
        let serial: string | undefined;
        let actionState: Record<string, unknown> | undefined;
        let action: Record<string, unknown> | undefined;
        for (const k in o) {
          const v = o[k];
          if (typeof v === 'string') {
            if (v === '') continue;
            switch (k) {
              case 'serialNumber':
                serial = v;
                break;
              case 'workpieceId':
                this.workpiece(scope, v, 'workpieceId', o);
                break;
              case 'loadId':
                this.workpiece(scope, v, 'loadId', o);
                break;
              case 'nfcCode':
                this.workpiece(scope, v, 'nfcCode', o);
                break;
              case 'referenceKey': {
                // VDA 5050 error reference: {referenceKey: "orderId", referenceValue: "<id>"}.
                const ref = v === 'orderId' ? orderIdValue(o.referenceValue) : undefined;
                if (ref !== undefined) this.noteMessageOrder(ref);
                break;
              }
            }
          } else if (v !== null && typeof v === 'object') {
            if (k === 'actionState') {
              if (!Array.isArray(v)) actionState = v as Record<string, unknown>;
            } else if (k === 'action' && !Array.isArray(v)) action = v as Record<string, unknown>;
            nodes.push(v);
            // Several loads with ids: a module's stock (the HBW rack), not what the order carries.
            scopes.push((k === 'loads' || k === 'load') && isStockList(v) ? null : scope);
          }
        }
        if (serial !== undefined) {
          this.serial(scope, serial);
          const moduleType = nonEmpty(o.moduleType);
          if (moduleType !== undefined && !this.payloadTypes.has(serial)) this.payloadTypes.set(serial, moduleType);
        }
        if (actionState !== undefined) this.action(scope, serial ?? topicSerial, actionState);
        if (action !== undefined) {
          // The command of a module order (`action`) or of an FTS order node (`nodes[].action`).
          const id = nonEmpty(action.id);
          const command = nonEmpty(action.command) ?? nonEmpty(action.type);
          if (id !== undefined && command !== undefined) this.command(scope, id, command);
        }
      }
      reverseFrom(nodes, start);
      reverseFrom(scopes, start);
    }
  }

  /** Orders of this message, each once: a short list is scanned, a long one (a CCU list) gets a set. */
  private noteMessageOrder(orderId: string): void {
    const list = this.msgOrders;
    if (list.length < 8) {
      for (let i = 0; i < list.length; i++) if (list[i] === orderId) return;
      list.push(orderId);
      if (list.length === 8) for (const x of list) this.msgOrderSet.add(x);
      return;
    }
    if (this.msgOrderSet.has(orderId)) return;
    this.msgOrderSet.add(orderId);
    list.push(orderId);
  }

  /** The order a scoped fact belongs to (undefined: none). */
  private owner(scope: Scope): OrderState | undefined {
    return typeof scope === 'string' ? this.orderState(scope) : undefined;
  }

  private serial(scope: Scope, serial: string): void {
    if (scope === undefined) this.deferred.push({ k: 'serial', serial });
    else {
      const o = this.owner(scope);
      if (o) addSerial(o, serial);
    }
  }

  private command(scope: Scope, actionId: string, command: string): void {
    if (scope === undefined) this.deferred.push({ k: 'cmd', actionId, command });
    else {
      const o = this.owner(scope);
      if (o && !o.commands.has(actionId)) o.commands.set(actionId, command);
    }
  }

  /** A module's or FTS's current action: a transition when its id or state changed. */
  private action(scope: Scope, serial: string | undefined, a: Record<string, unknown>): void {
    if (scope === undefined) {
      this.deferred.push({ k: 'action', serial, a });
      return;
    }
    const command = nonEmpty(a.command);
    // ORBIS DPS: RGB_NFC reads the workpiece's NFC tag; its result is the workpiece id.
    if (command !== undefined && command.includes('NFC')) {
      const result = nonEmpty(a.result);
      if (result !== undefined) this.workpiece(scope, result, 'nfcRead', a);
    }
    const o = this.owner(scope);
    const state = nonEmpty(a.state);
    if (!o || state === undefined) return;
    const id = nonEmpty(a.id);
    const key = serial ?? '';
    const last = o.actions.get(key);
    if (last === undefined) o.actions.set(key, { id, command, state });
    else if (last.state === state && last.id === id && (id !== undefined || last.command === command)) return;
    else {
      last.id = id;
      last.command = command;
      last.state = state;
    }
    this.transition(o, 'action', state, serial, undefined, command, id, undefined);
  }

  /** A workpiece id; `from` is the object that holds it (its colour is read from there, once). */
  private workpiece(scope: Scope, id: string, kind: WorkpieceKind, from: Record<string, unknown>): void {
    if (scope === undefined) {
      this.deferred.push({ k: 'wp', id, kind, from });
      return;
    }
    const { id: messageId, tsMs, timestamp } = this.msg;
    let w = this.workpieces.get(id);
    if (!w) {
      w = { id, kinds: 0, type: undefined, lastOrder: undefined, firstSeenMs: tsMs, firstSeenTs: timestamp, lastSeenMs: tsMs, lastSeenTs: timestamp, lastMessage: messageId, messages: 1 };
      this.workpieces.set(id, w);
    } else if (w.lastMessage !== messageId) {
      w.lastMessage = messageId;
      w.messages++;
      if (isEarlier(tsMs, w.firstSeenMs)) {
        w.firstSeenMs = tsMs;
        w.firstSeenTs = timestamp;
      }
      if (isLaterOrSame(tsMs, w.lastSeenMs)) {
        w.lastSeenMs = tsMs;
        w.lastSeenTs = timestamp;
      }
    }
    w.kinds |= KIND_BITS[kind];
    if (w.type === undefined) w.type = workpieceColour(kind, from);
    const o = this.owner(scope);
    if (o && w.lastOrder !== o) {
      // The canonical id string (pointer-equal on later lookups); the last pair is cached.
      w.lastOrder = o;
      o.workpieces.add(w.id);
    }
  }

  private transition(
    o: OrderState,
    source: OrderTransition['source'],
    state: string,
    serial: string | undefined,
    module: string | undefined,
    command: string | undefined,
    actionId: string | undefined,
    detail: string | undefined,
  ): void {
    if (!this.detail) return;
    // The order's own states (a handful) are always kept, so the end of the story is never lost.
    if (source !== 'order' && o.transitions.length >= MAX_TRANSITIONS) {
      o.transitionsOmitted++;
      return;
    }
    const m = this.msg;
    o.transitions.push({
      messageId: m.id,
      tsMs: m.tsMs,
      // The text is needed only when the time could not be read; not kept otherwise.
      ts: Number.isFinite(m.tsMs) ? '' : m.timestamp,
      topic: this.topic.topic,
      source,
      state: this.intern(state) as string,
      serial: this.intern(serial),
      module: this.intern(module),
      command: this.intern(command),
      actionId,
      detail,
    });
  }

  /** An object with its own orderId: CCU order objects carry type, colour, state and steps. */
  private readOrderObject(o: Record<string, unknown>, order: OrderState): void {
    const orderType = nonEmpty(o.orderType);
    const steps = o.productionSteps;
    if (orderType === undefined && steps === undefined && o.orderState === undefined && o.workpieceType === undefined && o.requestId === undefined) return;
    if (orderType !== undefined) {
      order.type = orderType;
      const colour = nonEmpty(o.type);
      if (colour !== undefined) order.workpieceType = colour;
      const created = nonEmpty(o.timestamp);
      if (created !== undefined && order.createdAt === undefined) order.createdAt = created;
    }
    const wt = nonEmpty(o.workpieceType);
    if (wt !== undefined) order.workpieceType = wt;
    const requestId = nonEmpty(o.requestId);
    if (requestId !== undefined) order.requestId = requestId;
    const state = nonEmpty(o.orderState) ?? (orderType !== undefined || Array.isArray(steps) ? nonEmpty(o.state) : undefined);
    if (state !== undefined && state !== order.state) {
      order.state = state;
      this.transition(order, 'order', state, undefined, undefined, undefined, undefined, undefined);
    }
    if (!Array.isArray(steps)) return;
    for (const step of steps) {
      if (step === null || typeof step !== 'object' || Array.isArray(step)) continue;
      const s = step as Record<string, unknown>;
      const id = nonEmpty(s.id);
      const kind = nonEmpty(s.type);
      const command = nonEmpty(s.command) ?? kind;
      if (id !== undefined && command !== undefined && !order.commands.has(id)) order.commands.set(id, command);
      const stepState = nonEmpty(s.state);
      if (stepState === undefined) continue;
      const moduleType = nonEmpty(s.moduleType);
      const key = id ?? `${kind}:${command}:${moduleType}:${String(s.source)}:${String(s.target)}`;
      if (order.steps.get(key) === stepState) continue;
      order.steps.set(key, stepState);
      const from = nonEmpty(s.source);
      const to = nonEmpty(s.target);
      const detail = from !== undefined || to !== undefined ? `${from ?? '?'}→${to ?? '?'}` : undefined;
      this.transition(order, 'step', stepState, nonEmpty(s.serialNumber), moduleType, command, id, detail);
    }
  }

  /** The message's orders get the message; facts outside order objects go to its only order. */
  private finishMessage(topicSerial: string | undefined): void {
    const { msgOrders, deferred } = this;
    const { id, tsMs, timestamp } = this.msg;
    for (const orderId of msgOrders) {
      const o = this.orderState(orderId);
      if (o.lastMessage === id) continue;
      o.lastMessage = id;
      o.messageCount++;
      if (o.messageCount === 1) o.firstMessage = id;
      if (this.detail) o.messageIds.push(id);
      if (o.messageCount === 1 || isEarlier(tsMs, o.firstSeenMs)) {
        o.firstSeenMs = tsMs;
        o.firstSeenTs = timestamp;
      }
      if (o.messageCount === 1 || isLaterOrSame(tsMs, o.lastSeenMs)) {
        o.lastSeenMs = tsMs;
        o.lastSeenTs = timestamp;
      }
      if (topicSerial !== undefined) addSerial(o, topicSerial);
    }
    if (deferred.length === 0) return;
    const single: Scope = msgOrders.length === 1 ? msgOrders[0] : null;
    for (const d of deferred) {
      switch (d.k) {
        case 'serial':
          this.serial(single, d.serial);
          break;
        case 'cmd':
          this.command(single, d.actionId, d.command);
          break;
        case 'action':
          this.action(single, d.serial, d.a);
          break;
        case 'wp':
          this.workpiece(single, d.id, d.kind, d.from);
          break;
      }
    }
  }

  private orderState(orderId: string): OrderState {
    // The same order is asked for many times per message: the last one is cached.
    const last = this.lastOrder;
    if (last !== undefined && last.orderId === orderId) return last;
    let o = this.orders.get(orderId);
    if (!o) {
      const { tsMs, timestamp } = this.msg;
      o = {
        orderId,
        seq: this.orders.size,
        type: undefined,
        workpieceType: undefined,
        state: undefined,
        createdAt: undefined,
        requestId: undefined,
        request: undefined,
        firstSeenMs: tsMs,
        firstSeenTs: timestamp,
        lastSeenMs: tsMs,
        lastSeenTs: timestamp,
        lastMessage: Number.NaN,
        messageIds: [],
        firstMessage: 0,
        messageCount: 0,
        transitions: [],
        transitionsOmitted: 0,
        steps: new Map(),
        actions: new Map(),
        commands: new Map(),
        serials: new Set(),
        lastSerial: '',
        workpieces: new Set(),
      };
      this.orders.set(orderId, o);
    }
    this.lastOrder = o;
    return o;
  }

  /**
   * Topic → its module or FTS serial. A session has a few dozen topics: cached (bounded
   * for hostile input), which also gives one shared string per topic for the transitions.
   */
  private topicInfo(topic: string): TopicInfo {
    let t = this.topics.get(topic);
    if (t === undefined) {
      t = topicInfoOf(topic);
      if (this.topics.size >= CACHE_LIMIT) this.topics.clear();
      this.topics.set(topic, t);
    }
    return t;
  }

  /** One string for each state, command and serial the transitions keep (bounded). */
  private intern(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    const known = this.interned.get(text);
    if (known !== undefined) return known;
    if (this.interned.size >= CACHE_LIMIT) this.interned.clear();
    this.interned.set(text, text);
    return text;
  }

  private readLayout(doc: object): void {
    // Any object of the layout with a serial and a type (modules, the charger, ...).
    const stack: unknown[] = [doc];
    while (stack.length > 0) {
      const node = stack.pop();
      if (Array.isArray(node)) {
        for (const v of node) if (isObject(v)) stack.push(v);
      } else if (isObject(node)) {
        const o = node as Record<string, unknown>;
        const serial = nonEmpty(o.serialNumber);
        const type = nonEmpty(o.type) ?? nonEmpty(o.moduleType);
        if (serial !== undefined && type !== undefined) this.layoutTypes.set(serial, type);
        for (const k in o) if (isObject(o[k])) stack.push(o[k]);
      }
    }
  }

  private readFactsheet(doc: object, serial: string): void {
    const spec = (doc as Record<string, unknown>).typeSpecification;
    const moduleClass = isObject(spec) ? nonEmpty((spec as Record<string, unknown>).moduleClass) : undefined;
    if (moduleClass !== undefined && !this.payloadTypes.has(serial)) this.payloadTypes.set(serial, moduleClass);
  }

  private readRequest(m: TrackedMessage, p: Record<string, unknown>): void {
    const r: RequestState = { id: m.id, tsMs: m.tsMs, ts: m.timestamp, named: [], orderIds: [], link: undefined };
    const type = nonEmpty(p.orderType);
    const workpieceType = nonEmpty(p.type) ?? nonEmpty(p.workpieceType);
    const workpieceId = nonEmpty(p.workpieceId);
    const requestId = nonEmpty(p.requestId);
    const requestedAt = nonEmpty(p.timestamp);
    if (type !== undefined) r.type = type;
    if (workpieceType !== undefined) r.workpieceType = workpieceType;
    if (workpieceId !== undefined) r.workpieceId = workpieceId;
    if (requestId !== undefined) r.requestId = requestId;
    if (requestedAt !== undefined) r.requestedAt = requestedAt;
    this.requests.push(r);
  }

  /**
   * Request → orders, best evidence first: orderIds in the request itself; the same
   * `requestId` (newer CCUs copy it into the order); the CCU's order `timestamp` equal to
   * the request's (the CCU copies it); else the first new order of the same type and
   * colour (and workpiece, if the request names one) first seen after the request,
   * within a minute. An order is started by one request at most. Indexed, so that many
   * requests over many orders stay cheap; idempotent (result() may be called again).
   */
  private linkRequests(orders: OrderState[]): void {
    const taken = new Set<OrderState>();
    const byRequestId = new Map<string, OrderState[]>();
    const byCreatedAt = new Map<string, OrderState[]>();
    for (const o of orders) {
      o.request = undefined;
      if (o.requestId !== undefined) pushTo(byRequestId, o.requestId, o);
      if (o.createdAt !== undefined) pushTo(byCreatedAt, o.createdAt, o);
    }
    const link = (r: RequestState, found: OrderState[], how: NonNullable<ProductionRequest['link']>): boolean => {
      if (found.length === 0) return false;
      for (const o of found) {
        taken.add(o);
        o.request = r.id;
        r.orderIds.push(o.orderId);
      }
      r.link = how;
      return true;
    };
    const free = (list: OrderState[] | undefined, ok: (o: OrderState) => boolean): OrderState[] => (list ? list.filter((o) => !taken.has(o) && ok(o)) : []);
    for (const r of this.requests) {
      r.orderIds = [];
      r.link = undefined;
      if (r.named.length > 0) {
        for (const id of r.named) {
          const o = this.orders.get(id);
          if (!o) continue;
          r.orderIds.push(id);
          if (!taken.has(o)) {
            taken.add(o);
            o.request = r.id;
          }
        }
        r.link = 'orderId';
        continue;
      }
      if (r.requestId !== undefined && link(r, free(byRequestId.get(r.requestId), () => true), 'requestId')) continue;
      if (r.requestedAt !== undefined && link(r, free(byCreatedAt.get(r.requestedAt), (o) => compatible(r, o)), 'timestamp')) continue;
      // Orders are sorted by first seen: binary search to the request, then a bounded scan.
      let lo = 0;
      let hi = orders.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (orders[mid].firstSeenMs < r.tsMs - 1000) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo, scanned = 0; i < orders.length && scanned < NEXT_ORDER_SCAN; i++, scanned++) {
        const o = orders[i];
        if (o.firstSeenMs > r.tsMs + NEXT_ORDER_WINDOW_MS) break;
        if (taken.has(o) || o.type === undefined || o.firstMessage <= r.id || !compatible(r, o)) continue;
        if (o.requestId !== undefined && r.requestId !== undefined) continue;
        link(r, [o], 'next-order');
        break;
      }
    }
  }

}

// ---------------------------------------------------------------------------

/** `module/v1/ff/<SERIAL>/...`, `module/v1/ff/NodeRed/<SERIAL>/...`, `fts/v1/ff/<SERIAL>/...`. */
function topicInfoOf(topic: string): TopicInfo {
  const fts = topic.startsWith('fts/');
  const none: TopicInfo = { topic, serial: undefined, fts: false };
  if (!fts && !topic.startsWith('module/')) return none;
  const parts = topic.split('/');
  if (parts.length < 5) return none;
  let serial = parts[3];
  if (!fts && serial === 'NodeRed') {
    if (parts.length < 6) return none;
    serial = parts[4];
  }
  return serial ? { topic, serial, fts } : none;
}

/** Times in ascending order; unknown times (NaN) last. */
function compareMs(a: number, b: number): number {
  if (a === b) return 0;
  if (a !== a) return 1;
  if (b !== b) return -1;
  return a - b;
}

/** A known time before `than`, or any known time when `than` is unknown. */
function isEarlier(ms: number, than: number): boolean {
  return ms < than || (than !== than && ms === ms);
}

function isLaterOrSame(ms: number, than: number): boolean {
  return ms >= than || (than !== than && ms === ms);
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function addSerial(o: OrderState, serial: string): void {
  if (serial === o.lastSerial) return;
  o.lastSerial = serial;
  o.serials.add(serial);
}

function mentionsOrderWords(payload: string): boolean {
  for (const w of ORDER_WORDS) if (payload.includes(w)) return true;
  return false;
}

function compatible(r: RequestState, o: OrderState): boolean {
  if (r.type !== undefined && o.type !== undefined && r.type !== o.type) return false;
  if (r.workpieceType !== undefined && o.workpieceType !== undefined && r.workpieceType !== o.workpieceType) return false;
  if (r.workpieceId !== undefined && o.workpieces.size > 0 && !o.workpieces.has(r.workpieceId)) return false;
  return true;
}

/** The object's own order id: `orderId`, or a VDA 5050 error reference to one. */
function ownOrderId(o: Record<string, unknown>): string | undefined {
  const id = orderIdValue(o.orderId);
  if (id !== undefined) return id;
  return o.referenceKey === 'orderId' ? orderIdValue(o.referenceValue) : undefined;
}

/** Non-empty strings; numbers other than 0 (the factory's "no order" placeholder) as text. */
function orderIdValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && v !== 0 && Number.isFinite(v)) return String(v);
  return undefined;
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The colour beside a workpiece id: `type`/`workpieceType` (CCU, module orders), `loadType` (loads), `metadata.type` (NFC read). */
function workpieceColour(kind: WorkpieceKind, from: Record<string, unknown>): string | undefined {
  switch (kind) {
    case 'workpieceId':
      return nonEmpty(from.type) ?? nonEmpty(from.workpieceType);
    case 'loadId':
      return nonEmpty(from.loadType);
    case 'nfcRead': {
      const meta = from.metadata;
      return isObject(meta) ? nonEmpty((meta as Record<string, unknown>).type) : undefined;
    }
    default:
      return undefined;
  }
}

function isObject(v: unknown): v is object {
  return v !== null && typeof v === 'object';
}

/** More than one load with an id: a stock list. */
function isStockList(v: object): boolean {
  if (!Array.isArray(v)) return false;
  let n = 0;
  for (const x of v) if (isObject(x) && nonEmpty((x as Record<string, unknown>).loadId) !== undefined && ++n > 1) return true;
  return false;
}

/** Children were pushed in document order; reversed, they pop in document order. */
function reverseFrom<T>(a: T[], start: number): void {
  for (let i = start, j = a.length - 1; i < j; i++, j--) {
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

let isoMinute = Number.NaN;
let isoPrefix = '';

/**
 * ISO 8601 UTC with milliseconds (as `Date.toISOString`), or the session's text if the
 * time is unknown. The text up to the minute is cached: result() formats every
 * transition, and they come in runs within a minute.
 */
function isoOf(ms: number, fallback: string): string {
  // Out of Date's range (an index written before such rows were refused): the text as it is.
  if (!isValidTimeMs(ms)) return fallback;
  const whole = Math.floor(ms);
  const minute = Math.floor(whole / 60_000);
  if (minute !== isoMinute) {
    const full = new Date(minute * 60_000).toISOString();
    if (full.length !== 24) return new Date(whole).toISOString(); // years beyond 9999: no shortcut
    isoPrefix = full.slice(0, 17);
    isoMinute = minute;
  }
  const inMinute = whole - minute * 60_000;
  const sec = Math.floor(inMinute / 1000);
  const milli = inMinute - sec * 1000;
  return `${isoPrefix}${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
