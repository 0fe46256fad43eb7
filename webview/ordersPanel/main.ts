/**
 * Browser side of the orders panel: the order list (sortable, filterable), one order's
 * chain as a timeline per station with its steps under it, production requests and
 * workpieces. Every value is set as text.
 */
import type { OrdersListView, OrdersPanelEvent, OrdersPanelRequest, OrdersPanelState } from '../../src/protocol/ordersPanelProtocol';
import { el } from '../sessionPanel/dom';
import { drawChain } from './chainView';
import { dateOf, shortId, timeOfDay } from './format';
import { OrderList } from './orderList';
import { STRINGS } from './strings';

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

function save(change: Partial<OrdersPanelState>): void {
  state = { ...state, ...change };
  vscode.setState(state);
  vscode.postMessage({ type: 'state', state });
}

const copy = (text: string): void => vscode.postMessage({ type: 'copy', text });

const placeholder = (): HTMLElement => el('p', { className: 'placeholder', text: STRINGS.placeholder });

const app = document.getElementById('app') as HTMLElement;
document.body.classList.add('orders-panel');
const title = el('h1');
const dateLine = el('p', { className: 'date-line' });
const chain = el('section', { className: 'chain' }, placeholder());
chain.setAttribute('aria-live', 'polite');
const requestsBox = el('section');
const workpiecesBox = el('section');

function selectOrder(orderId: string): void {
  save({ selectedOrder: orderId });
  list.setSelected(orderId);
  latestOrder = nextRequest++;
  vscode.postMessage({ type: 'order', requestId: latestOrder, orderId });
  chain.replaceChildren(el('p', { className: 'placeholder', text: STRINGS.loading }));
  delete chain.dataset.order;
}

const view = (s: OrdersPanelState): OrdersListView => ({ sort: s.sort, desc: s.desc, type: s.type, state: s.state, text: s.text });
const list = new OrderList(view(state), { select: selectOrder, copy, changed: (v) => save({ ...v }) });
app.append(title, dateLine, el('div', { className: 'orders' }, list.element, chain), requestsBox, workpiecesBox);

function table(head: string[], rows: string[][]): HTMLTableElement {
  return el('table', {}, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { text: h })))), el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', { text: c }))))));
}

window.addEventListener('message', (e: MessageEvent<OrdersPanelEvent>) => {
  const m = e.data;
  if (m.type === 'init') {
    title.textContent = STRINGS.title(m.name, m.orders.length);
    const first = m.orders[0]?.firstSeen ?? m.requests[0]?.timestamp;
    dateLine.textContent = first ? STRINGS.dateLine(dateOf(first)) : '';
    list.setOrders(m.orders);
    const rc = STRINGS.requestColumns;
    requestsBox.replaceChildren(
      el('h2', { text: STRINGS.requests(m.requests.length) }),
      table([rc.time, rc.type, rc.orders, rc.link], m.requests.map((r) => [timeOfDay(r.timestamp), [r.type, r.workpieceType].filter(Boolean).join(' ') || STRINGS.none, r.orderIds.map(shortId).join(', '), r.link ?? STRINGS.none])),
    );
    const wc = STRINGS.workpieceColumns;
    workpiecesBox.replaceChildren(
      el('h2', { text: STRINGS.workpieces(m.workpieces.length) }),
      table(
        [wc.id, wc.kinds, wc.type, wc.orders, wc.firstSeen, wc.messages],
        m.workpieces.map((w) => [w.id, w.kinds.join(', '), w.type ?? STRINGS.none, w.orderIds.map(shortId).join(', '), timeOfDay(w.firstSeen), String(w.messages)]),
      ),
    );
    document.body.dataset.orders = String(m.orders.length);
    if (state.selectedOrder && m.orders.some((o) => o.orderId === state.selectedOrder)) selectOrder(state.selectedOrder);
  } else if (m.type === 'order') {
    if (m.requestId !== latestOrder) return;
    if (m.order) drawChain(chain, m.order, m.messages, m.more, copy);
    else chain.replaceChildren(el('p', { text: STRINGS.notFound }));
  } else if (m.type === 'notice') {
    app.append(el('p', { className: `notice ${m.level}`, text: m.text }));
  }
});

vscode.setState(state);
vscode.postMessage({ type: 'ready' });
