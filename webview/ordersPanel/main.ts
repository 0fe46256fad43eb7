/**
 * Browser side of the orders panel: the order list, one order's chain grouped by module
 * and FTS, production requests and workpieces. Every value is set as text.
 */
import type { OrderSummary, OrderTransition } from '../../src/protocol/orderShapes';
import type { OrderListItem, OrdersPanelEvent, OrdersPanelRequest, OrdersPanelState } from '../../src/protocol/ordersPanelProtocol';

interface VsCodeApi {
  postMessage(message: OrdersPanelRequest): void;
  getState(): OrdersPanelState | undefined;
  setState(state: OrdersPanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const initial = JSON.parse(document.body.dataset.state ?? '{}') as OrdersPanelState;
let state: OrdersPanelState = { ...initial, ...(vscode.getState() ?? {}) };
let nextRequest = 1;
let latestOrder = 0;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { className?: string; text?: string } = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.className) e.className = props.className;
  if (props.text !== undefined) e.textContent = props.text;
  e.append(...children);
  return e;
}

const seconds = (ms: number): string => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

const app = document.getElementById('app') as HTMLElement;
const title = el('h1');
const listBox = el('div', { className: 'table-box' });
const chain = el('section', { className: 'chain' });
const requestsBox = el('section');
const workpiecesBox = el('section');
app.append(title, el('div', { className: 'orders' }, listBox, chain), requestsBox, workpiecesBox);

function table(head: string[], rows: string[][], onRow?: (i: number, tr: HTMLTableRowElement) => void): HTMLTableElement {
  const t = el('table');
  t.append(el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { text: h })))));
  t.append(
    el(
      'tbody',
      {},
      ...rows.map((r, i) => {
        const tr = el('tr', {}, ...r.map((c) => el('td', { text: c })));
        onRow?.(i, tr);
        return tr;
      }),
    ),
  );
  return t;
}

function selectOrder(orderId: string): void {
  state = { ...state, selectedOrder: orderId };
  vscode.setState(state);
  vscode.postMessage({ type: 'state', state });
  latestOrder = nextRequest++;
  vscode.postMessage({ type: 'order', requestId: latestOrder, orderId });
  for (const tr of listBox.querySelectorAll('tr[data-order]')) tr.classList.toggle('selected', (tr as HTMLElement).dataset.order === orderId);
}

function drawList(orders: OrderListItem[]): void {
  const t = table(
    ['Order', 'Type', 'State', 'First seen', 'Duration', 'Messages', 'Modules'],
    orders.map((o) => [o.orderId, [o.type, o.workpieceType].filter(Boolean).join(' '), o.state ?? '', o.firstSeen, seconds(o.durationMs), String(o.messages), o.modules.join(' → ')]),
    (i, tr) => {
      tr.dataset.order = orders[i].orderId;
      tr.tabIndex = 0;
      tr.addEventListener('click', () => selectOrder(orders[i].orderId));
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') selectOrder(orders[i].orderId);
      });
    },
  );
  listBox.replaceChildren(orders.length ? t : el('p', { text: 'No orders in this session.' }));
}

/** Transitions grouped by who made them: the CCU, each module, each FTS, in first-seen order. */
function groupChain(transitions: OrderTransition[]): { key: string; kind: 'ccu' | 'module' | 'fts'; items: OrderTransition[] }[] {
  const groups = new Map<string, { key: string; kind: 'ccu' | 'module' | 'fts'; items: OrderTransition[] }>();
  for (const t of transitions) {
    const kind = t.topic.startsWith('fts/') ? 'fts' : t.source === 'action' || t.topic.startsWith('module/') ? 'module' : 'ccu';
    const key = kind === 'ccu' ? 'CCU' : `${t.module ?? '?'}${t.serial && t.serial !== t.module ? ` (${t.serial})` : ''}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, kind, items: [] }));
    g.items.push(t);
  }
  return [...groups.values()];
}

function drawOrder(order: OrderSummary | undefined, messages: { id: number; timestamp: string; topic: string }[], more: number): void {
  if (!order) {
    chain.replaceChildren(el('p', { text: 'Order not found.' }));
    return;
  }
  const parts: Node[] = [
    el('h2', { text: `Order ${order.orderId}` }),
    el('p', { className: 'meta', text: `${[order.type, order.workpieceType].filter(Boolean).join(' ')} · ${order.state ?? ''} · ${order.firstSeen} → ${order.lastSeen} (${seconds(order.durationMs)}) · ${order.messages} messages` }),
    el('p', { text: `Modules: ${order.modules.join(' → ') || '–'} · FTS: ${order.fts.join(', ') || '–'} · Workpieces: ${order.workpieces.join(', ') || '–'}` }),
  ];
  for (const g of groupChain(order.transitions)) {
    parts.push(
      el(
        'div',
        { className: `group ${g.kind}` },
        el('h3', { text: g.key }),
        table(
          ['Time', 'State', 'Command', 'Topic'],
          g.items.map((t) => [t.timestamp, `${t.source}: ${t.state}`, [t.command, t.detail].filter(Boolean).join(' '), t.topic]),
        ),
      ),
    );
  }
  if (order.transitionsOmitted) parts.push(el('p', { text: `${order.transitionsOmitted} more changes not kept` }));
  parts.push(el('h3', { text: 'Messages' }), table(['Time', 'Topic'], messages.map((m) => [m.timestamp, m.topic])));
  if (more) parts.push(el('p', { text: `${more} more messages not listed` }));
  chain.replaceChildren(...parts);
  chain.dataset.order = order.orderId;
}

window.addEventListener('message', (e: MessageEvent<OrdersPanelEvent>) => {
  const m = e.data;
  if (m.type === 'init') {
    title.textContent = `Orders of ${m.name}: ${m.orders.length}`;
    drawList(m.orders);
    requestsBox.replaceChildren(
      el('h2', { text: `Production requests (${m.requests.length})` }),
      table(['Time', 'Type', 'Started orders', 'Linked by'], m.requests.map((r) => [r.timestamp, [r.type, r.workpieceType].filter(Boolean).join(' '), r.orderIds.join(', '), r.link ?? ''])),
    );
    workpiecesBox.replaceChildren(
      el('h2', { text: `Workpieces (${m.workpieces.length})` }),
      table(['Workpiece', 'Seen as', 'Type', 'Orders', 'First seen', 'Messages'], m.workpieces.map((w) => [w.id, w.kinds.join(', '), w.type ?? '', w.orderIds.join(', '), w.firstSeen, String(w.messages)])),
    );
    document.body.dataset.orders = String(m.orders.length);
    if (state.selectedOrder && m.orders.some((o) => o.orderId === state.selectedOrder)) selectOrder(state.selectedOrder);
  } else if (m.type === 'order') {
    if (m.requestId === latestOrder) drawOrder(m.order, m.messages, m.more);
  } else if (m.type === 'notice') {
    app.append(el('p', { className: `notice ${m.level}`, text: m.text }));
  }
});

vscode.setState(state);
vscode.postMessage({ type: 'ready' });
