/**
 * The order list: short ids (the full id in the title, a copy button), sortable columns and
 * filters by type, state and text. Every value is set as text.
 */
import type { OrderListItem, OrdersListView } from '../../src/protocol/ordersPanelProtocol';
import { el } from '../sessionPanel/dom';
import { duration, shortId, timeOfDay } from './format';
import { STRINGS } from './strings';

/** The filter value of "no type" / "no state". */
const NO_VALUE = '(none)';
type SortKey = NonNullable<OrdersListView['sort']>;
const COLUMNS: { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: 'order', label: STRINGS.columns.order },
  { key: 'type', label: STRINGS.columns.type },
  { key: 'state', label: STRINGS.columns.state },
  { key: 'firstSeen', label: STRINGS.columns.firstSeen, numeric: true },
  { key: 'duration', label: STRINGS.columns.duration, numeric: true },
  { key: 'messages', label: STRINGS.columns.messages, numeric: true },
  { key: 'modules', label: STRINGS.columns.modules },
];

const typeOf = (o: OrderListItem): string => [o.type, o.workpieceType].filter(Boolean).join(' ');

function sortValue(o: OrderListItem, key: SortKey): string | number {
  switch (key) {
    case 'order':
      return o.orderId;
    case 'type':
      return typeOf(o);
    case 'state':
      return o.state ?? '';
    case 'firstSeen':
      return o.firstSeenMs;
    case 'duration':
      return o.durationMs;
    case 'messages':
      return o.messages;
    case 'modules':
      return o.modules.join(' ');
  }
}

export interface OrderListHandlers {
  select(orderId: string): void;
  copy(orderId: string): void;
  changed(view: OrdersListView): void;
}

export class OrderList {
  readonly element = el('section', { className: 'order-list' });
  private readonly typeSelect = el('select', { className: 'filter-type' });
  private readonly stateSelect = el('select', { className: 'filter-state' });
  private readonly textInput = el('input', { className: 'filter-text' });
  private readonly count = el('span', { className: 'count' });
  private readonly box = el('div', { className: 'list-box' });
  private orders: OrderListItem[] = [];
  private selected?: string;

  constructor(
    private view: OrdersListView,
    private readonly on: OrderListHandlers,
  ) {
    this.textInput.type = 'search';
    this.textInput.placeholder = STRINGS.filterTextPlaceholder;
    this.textInput.value = view.text ?? '';
    const label = (text: string, control: HTMLElement): HTMLLabelElement => el('label', { text: `${text} ` }, control);
    this.typeSelect.addEventListener('change', () => this.update({ type: this.typeSelect.value || undefined }));
    this.stateSelect.addEventListener('change', () => this.update({ state: this.stateSelect.value || undefined }));
    this.textInput.addEventListener('input', () => this.update({ text: this.textInput.value || undefined }));
    this.element.append(el('div', { className: 'filters' }, label(STRINGS.filterType, this.typeSelect), label(STRINGS.filterState, this.stateSelect), label(STRINGS.filterText, this.textInput), this.count), this.box);
  }

  setOrders(orders: OrderListItem[]): void {
    this.orders = orders;
    this.fillSelect(this.typeSelect, orders.map(typeOf), this.view.type);
    this.fillSelect(this.stateSelect, orders.map((o) => o.state ?? ''), this.view.state);
    this.draw();
  }

  setSelected(orderId: string | undefined): void {
    this.selected = orderId;
    for (const tr of this.box.querySelectorAll<HTMLTableRowElement>('tr[data-order]')) {
      const mine = tr.dataset.order === orderId;
      tr.classList.toggle('selected', mine);
      tr.setAttribute('aria-selected', String(mine));
    }
  }

  private fillSelect(select: HTMLSelectElement, values: string[], current: string | undefined): void {
    const distinct = [...new Set(values)].sort();
    const option = (value: string, text: string): HTMLOptionElement => {
      const o = el('option', { text });
      o.value = value;
      return o;
    };
    select.replaceChildren(option('', STRINGS.all), ...distinct.map((v) => option(v || NO_VALUE, v || STRINGS.none)));
    select.value = current && distinct.includes(current === NO_VALUE ? '' : current) ? current : '';
  }

  private update(change: Partial<OrdersListView>): void {
    this.view = { ...this.view, ...change };
    this.on.changed(this.view);
    this.draw();
  }

  private visible(): OrderListItem[] {
    const { type, state, text, sort = 'firstSeen', desc } = this.view;
    const needle = text?.trim().toLowerCase();
    const want = (v: string | undefined): string | undefined => (v === NO_VALUE ? '' : v);
    const rows = this.orders.filter(
      (o) =>
        (type === undefined || typeOf(o) === want(type)) &&
        (state === undefined || (o.state ?? '') === want(state)) &&
        (!needle || [o.orderId, typeOf(o), o.state ?? '', ...o.modules, ...o.fts].some((v) => v.toLowerCase().includes(needle))),
    );
    const sign = desc ? -1 : 1;
    return rows.sort((a, b) => {
      const x = sortValue(a, sort);
      const y = sortValue(b, sort);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return sign * (c || a.firstSeenMs - b.firstSeenMs);
    });
  }

  private draw(): void {
    const rows = this.visible();
    this.count.textContent = STRINGS.shown(rows.length, this.orders.length);
    document.body.dataset.ordersShown = String(rows.length);
    if (!this.orders.length) return this.box.replaceChildren(el('p', { text: STRINGS.noOrders }));
    const sort = this.view.sort ?? 'firstSeen';
    const head = el(
      'tr',
      {},
      ...COLUMNS.map((c) => {
        const b = el('button', { className: 'sort', text: c.label, title: STRINGS.sortBy(c.label) });
        b.type = 'button';
        b.addEventListener('click', () => this.update({ sort: c.key, desc: sort === c.key ? !this.view.desc : false }));
        const th = el('th', { className: `col-${c.key}${c.numeric ? ' num' : ''}` }, b);
        th.dataset.sort = c.key;
        th.setAttribute('aria-sort', sort === c.key ? (this.view.desc ? 'descending' : 'ascending') : 'none');
        return th;
      }),
    );
    const body = el('tbody', {}, ...rows.map((o) => this.row(o)));
    const table = el('table', { className: 'orders-table' }, el('thead', {}, head), body);
    this.box.replaceChildren(rows.length ? table : el('p', { text: STRINGS.noMatch }));
    this.setSelected(this.selected);
  }

  private row(o: OrderListItem): HTMLTableRowElement {
    const copy = el('button', { className: 'copy icon', title: STRINGS.copyId(o.orderId) });
    copy.type = 'button';
    copy.setAttribute('aria-label', STRINGS.copyId(o.orderId));
    copy.addEventListener('click', (e) => {
      e.stopPropagation();
      this.on.copy(o.orderId);
    });
    const id = el('td', { className: 'col-order' }, el('span', { className: 'id', text: shortId(o.orderId), title: o.orderId }), copy);
    const tr = el(
      'tr',
      {},
      id,
      el('td', { className: 'col-type', text: typeOf(o) || STRINGS.none }),
      el('td', { className: `col-state state-${(o.state ?? 'none').toLowerCase()}`, text: o.state ?? STRINGS.none }),
      el('td', { className: 'col-firstSeen num', text: timeOfDay(o.firstSeen), title: o.firstSeen }),
      el('td', { className: 'col-duration num', text: duration(o.durationMs) }),
      el('td', { className: 'col-messages num', text: String(o.messages) }),
      el('td', { className: 'col-modules', text: o.modules.join(' → ') || STRINGS.none }),
    );
    tr.dataset.order = o.orderId;
    tr.title = STRINGS.fullId(o.orderId);
    tr.tabIndex = 0;
    tr.addEventListener('click', () => this.on.select(o.orderId));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.on.select(o.orderId);
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const next = (e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling) as HTMLElement | null;
        next?.focus();
      }
    });
    return tr;
  }
}
