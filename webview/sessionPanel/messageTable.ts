/**
 * The messages of the picked bin and the detail of one message. The table works without a
 * pointer: one row is in the tab order at a time, ↑↓ Home End PageUp PageDown move between
 * rows, Enter or Space opens the row's detail.
 */
import type { MessageDetail, MessagePage } from '../../src/core/analysis/messageBrowser';
import { button, el } from './dom';
import { STRINGS } from './strings';

export interface MessageTableActions {
  page(offset: number): void;
  open(id: number): void;
  saveTestTopic(id: number): void;
}

export const PAGE = 100;

export class MessageTable {
  readonly table = el('table', { className: 'messages' });
  readonly pager = el('div', { className: 'pager' });
  readonly detail = el('section', { className: 'detail' });
  private openId: number | undefined;

  constructor(private readonly actions: MessageTableActions) {
    this.table.setAttribute('aria-label', STRINGS.messagesTable);
    this.detail.setAttribute('role', 'region');
    this.detail.setAttribute('aria-label', STRINGS.detailRegion);
  }

  private rows(): HTMLTableRowElement[] {
    return [...this.table.querySelectorAll<HTMLTableRowElement>('tbody tr')];
  }

  /** Moves the row in the tab order (and focus, when asked) to row i. */
  private rove(i: number, focus: boolean): void {
    const rows = this.rows();
    if (!rows.length) return;
    const to = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach((r, j) => (r.tabIndex = j === to ? 0 : -1));
    if (focus) rows[to].focus();
  }

  private onKey(e: KeyboardEvent, i: number, id: number): void {
    const step: Record<string, number> = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: Number.MAX_SAFE_INTEGER, PageDown: i + 10, PageUp: i - 10 };
    if (e.key === 'Enter' || e.key === ' ') this.actions.open(id);
    else if (e.key in step) this.rove(step[e.key], true);
    else return;
    e.preventDefault();
  }

  drawPage(page: MessagePage): void {
    const c = STRINGS.columns;
    const head = el('tr', {}, el('th', { text: c.time }), el('th', { text: c.topic }), el('th', { text: c.bytes }), el('th', { text: c.payload }));
    const rows = page.messages.map((m, i) => {
      const tr = el('tr', {}, el('td', { text: m.timestamp }), el('td', { text: m.topic }), el('td', { text: String(m.size) }), el('td', { text: m.preview, className: 'preview' }));
      tr.dataset.id = String(m.id);
      tr.tabIndex = -1;
      if (m.id === this.openId) tr.setAttribute('aria-current', 'true');
      tr.addEventListener('click', () => {
        this.rove(i, false);
        this.actions.open(m.id);
      });
      tr.addEventListener('keydown', (e) => this.onKey(e, i, m.id));
      tr.addEventListener('focus', () => this.rove(i, false));
      return tr;
    });
    this.table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
    const open = page.messages.findIndex((m) => m.id === this.openId);
    this.rove(open >= 0 ? open : 0, false);
    this.pager.replaceChildren(el('span', { text: STRINGS.pager(page.offset + 1, page.offset + page.messages.length, page.total) }));
    if (page.offset > 0) this.pager.append(button(STRINGS.previous, () => this.actions.page(Math.max(0, page.offset - PAGE))));
    if (page.offset + page.messages.length < page.total) this.pager.append(button(STRINGS.next, () => this.actions.page(page.offset + PAGE)));
  }

  /** Marks the row whose detail is shown. */
  opened(id: number): void {
    this.openId = id;
    for (const r of this.rows()) {
      if (r.dataset.id === String(id)) r.setAttribute('aria-current', 'true');
      else r.removeAttribute('aria-current');
    }
  }

  drawDetail(d: MessageDetail | undefined): void {
    if (!d) {
      this.detail.replaceChildren(el('p', { text: STRINGS.noSuchMessage }));
      return;
    }
    this.opened(d.id);
    const meta = el('p', { className: 'meta', text: STRINGS.meta(d.topic, d.timestamp, d.qos, d.retain, d.size, d.kind, d.truncated) });
    const body = el('pre', { className: `payload ${d.kind}`, text: d.text });
    // A scrolling box is reached by the keyboard too.
    body.tabIndex = 0;
    body.setAttribute('aria-label', STRINGS.payloadRegion);
    const actions = el('div', { className: 'actions' }, button(STRINGS.saveTestTopic, () => this.actions.saveTestTopic(d.id), 'save-test-topic'));
    const parts: Node[] = [meta, actions, body];
    if (d.previous) {
      parts.push(el('h3', { text: STRINGS.diffTo(d.previous.timestamp) }));
      if (d.diff) {
        const diff = el('pre', { className: 'diff' }, ...d.diff.map((l) => el('div', { className: l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'same', text: `${l.op} ${l.text}` })));
        diff.tabIndex = 0;
        parts.push(diff);
      } else parts.push(el('p', { text: STRINGS.noDiff }));
    }
    this.detail.replaceChildren(...parts);
    this.detail.dataset.id = String(d.id);
  }
}
