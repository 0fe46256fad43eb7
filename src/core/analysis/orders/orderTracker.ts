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
import { CACHE_LIMIT, type Deferred, KIND_BITS, MAX_TRACKED_WORKPIECES, MAX_TRANSITIONS, NO_MESSAGE, type OrdersResult, type OrderState, type ModuleKnowledge, type OrderTrackerOptions, type OrderTransition, type RequestState, type Scope, type TopicInfo, type TrackedMessage, type WorkpieceKind, type WorkpieceState } from './orderTypes';
import { addSerial, isEarlier, isLaterOrSame, isObject, isStockList, mentionsOrderWords, nonEmpty, orderIdValue, reverseFrom, topicInfoOf, workpieceColour } from './orderValues';
import { type TrackerState, ordersResult } from './orderResult';

export class OrderTracker implements TrackerState {
  readonly detail: boolean;
  readonly orders = new Map<string, OrderState>();
  readonly workpieces = new Map<string, WorkpieceState>();
  readonly requests: RequestState[] = [];
  readonly layoutTypes = new Map<string, string>();
  readonly payloadTypes = new Map<string, string>();
  readonly ftsSerials = new Set<string>();
  private readonly topics = new Map<string, TopicInfo>();
  private readonly interned = new Map<string, string>();
  seen = 0;
  parsed = 0;
  nonJson = 0;
  failed = 0;
  // The message being read, and scratch space reused for every message.
  private msg: TrackedMessage = NO_MESSAGE;
  private topic: TopicInfo = { topic: '', serial: undefined, fts: false };
  private readonly nodes: unknown[] = [];
  private readonly scopes: Scope[] = [];

  constructor(options: OrderTrackerOptions = {}) {
    this.detail = options.detail ?? true;
    const m = options.modules;
    if (m) {
      for (const [serial, type] of m.layout) this.layoutTypes.set(serial, type);
      for (const [serial, type] of m.payload) this.payloadTypes.set(serial, type);
      for (const serial of m.fts) this.ftsSerials.add(serial);
    }
  }

  get modules(): ModuleKnowledge {
    return { layout: [...this.layoutTypes], payload: [...this.payloadTypes], fts: [...this.ftsSerials] };
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
    return ordersResult(this);
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
      if (this.detail || o.workpieces.size < MAX_TRACKED_WORKPIECES || o.workpieces.has(w.id)) o.workpieces.add(w.id);
      else o.moreWorkpieces = true;
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
        moreWorkpieces: false,
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

}