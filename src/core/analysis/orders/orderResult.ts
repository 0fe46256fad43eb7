/** The tracker's state turned into its result (orders, requests, workpieces). */
import { MAX_LISTED, MAX_REQUESTS, NEXT_ORDER_SCAN, NEXT_ORDER_WINDOW_MS, type OrdersResult, type OrderState, type OrderSummary, type OrderTransition, type ProductionRequest, type RequestState, WORKPIECE_KINDS, type WorkpieceState, type WorkpieceSummary } from './orderTypes';
import { compareMs, compatible, isoOf, pushTo } from './orderValues';

/** What the tracker has gathered, as the result is made from it. */
export interface TrackerState {
  readonly detail: boolean;
  readonly orders: ReadonlyMap<string, OrderState>;
  readonly workpieces: ReadonlyMap<string, WorkpieceState>;
  readonly requests: readonly RequestState[];
  readonly layoutTypes: ReadonlyMap<string, string>;
  readonly payloadTypes: ReadonlyMap<string, string>;
  readonly ftsSerials: ReadonlySet<string>;
  readonly seen: number;
  readonly parsed: number;
  readonly nonJson: number;
  readonly failed: number;
}

/** The orders, requests and workpieces as returned: times as ISO text, modules by type, requests linked. */
export function ordersResult(state: TrackerState): OrdersResult {
  const typeOf = (serial: string): string => state.layoutTypes.get(serial) ?? state.payloadTypes.get(serial) ?? serial;
  const orderStates = [...state.orders.values()].sort((a, b) => compareMs(a.firstSeenMs, b.firstSeenMs) || a.seq - b.seq);
  linkRequests(state, orderStates);
  const orders = orderStates.map((o): OrderSummary => {
    const serials: string[] = [];
    const fts: string[] = [];
    for (const s of o.serials) (state.ftsSerials.has(s) ? fts : serials).push(s);
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
        const module = t.serial !== undefined ? (state.ftsSerials.has(t.serial) ? 'FTS' : typeOf(t.serial)) : t.module;
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
      workpieces: state.detail ? [...o.workpieces] : [...o.workpieces].slice(0, MAX_LISTED),
      workpieceCount: o.workpieces.size,
    };
    // Optional facts only when the payloads gave them (no `undefined` keys).
    if (o.moreWorkpieces) summary.moreWorkpieces = true;
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
  const workpieces = [...state.workpieces.values()]
    .sort((a, b) => compareMs(a.firstSeenMs, b.firstSeenMs))
    .map((w): WorkpieceSummary => {
      const out: WorkpieceSummary = {
        id: w.id,
        kinds: WORKPIECE_KINDS.filter((_, i) => (w.kinds & (1 << i)) !== 0),
        orderIds: state.detail ? (ordersOf.get(w.id) ?? []) : (ordersOf.get(w.id) ?? []).slice(0, MAX_LISTED),
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
  const requests = (state.detail ? state.requests : state.requests.slice(0, MAX_REQUESTS)).map((r): ProductionRequest => {
    const out: ProductionRequest = { id: r.id, timestamp: isoOf(r.tsMs, r.ts), tsMs: r.tsMs, orderIds: r.orderIds.slice() };
    if (r.type !== undefined) out.type = r.type;
    if (r.workpieceType !== undefined) out.workpieceType = r.workpieceType;
    if (r.workpieceId !== undefined) out.workpieceId = r.workpieceId;
    if (r.requestId !== undefined) out.requestId = r.requestId;
    if (r.requestedAt !== undefined) out.requestedAt = r.requestedAt;
    if (r.link !== undefined) out.link = r.link;
    return out;
  });
  const moduleTypes = new Map(state.payloadTypes);
  for (const [s, t] of state.layoutTypes) moduleTypes.set(s, t);
  return {
    orders,
    requests,
    requestCount: state.requests.length,
    workpieces,
    layout: Object.fromEntries(state.layoutTypes),
    moduleTypes: Object.fromEntries(moduleTypes),
    messagesSeen: state.seen,
    payloadsParsed: state.parsed,
    nonJsonPayloads: state.nonJson,
    failedPayloads: state.failed,
  };
}

/**
 * Links each production request to the orders it started: by the order ids the request
 * message named, its requestId, the CCU's copy of its timestamp, or else the next new
 * order of its type and colour within a minute.
 */
function linkRequests(state: TrackerState, orders: OrderState[]): void {
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
  for (const r of state.requests) {
    r.orderIds = [];
    r.link = undefined;
    if (r.named.length > 0) {
      for (const id of r.named) {
        const o = state.orders.get(id);
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
