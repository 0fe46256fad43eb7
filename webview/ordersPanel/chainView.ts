/**
 * One order's chain: a timeline with a row per station (the CCU, each module, each FTS)
 * on one time axis, and the changes in time order under it. Changes that came in one
 * message (the CCU enqueues a whole production plan at once) show their time once.
 */
import type { OrderSummary, OrderTransition } from '../../src/protocol/orderShapes';
import { el } from '../sessionPanel/dom';
import { duration, offset, shortId, timeOfDay } from './format';
import { STRINGS } from './strings';

type Kind = 'ccu' | 'module' | 'fts';
interface Station {
  key: string;
  kind: Kind;
  items: OrderTransition[];
}
/** States that say a step is only planned: its bar starts when something else happens. */
const PLANNED = new Set(['ENQUEUED']);

function kindOf(t: OrderTransition): Kind {
  if (t.topic.startsWith('fts/')) return 'fts';
  return t.source === 'action' || t.topic.startsWith('module/') ? 'module' : 'ccu';
}

function stationKey(t: OrderTransition, kind: Kind): string {
  if (kind === 'ccu') return STRINGS.stationCcu;
  const name = t.module ?? t.serial ?? '?';
  return t.serial && t.serial !== name ? `${name} (${t.serial})` : name;
}

/** Transitions by who made them: the CCU first, then modules and FTS in first-seen order. */
export function stations(transitions: OrderTransition[]): Station[] {
  const groups = new Map<string, Station>();
  for (const t of transitions) {
    const kind = kindOf(t);
    const key = stationKey(t, kind);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, kind, items: [] }));
    g.items.push(t);
  }
  const all = [...groups.values()];
  return [...all.filter((s) => s.kind === 'ccu'), ...all.filter((s) => s.kind !== 'ccu')];
}

interface Mark {
  what: string;
  from: number;
  to: number;
  states: string[];
  last: string;
}

/** A station's marks: one per action id (planned states left out of the bar), one per change without an id. */
function marks(items: OrderTransition[]): Mark[] {
  const byAction = new Map<string, OrderTransition[]>();
  const out: Mark[] = [];
  for (const t of items) {
    if (!t.actionId) {
      out.push({ what: t.source === 'order' ? STRINGS.orderSource : (t.command ?? t.state), from: t.tsMs, to: t.tsMs, states: [t.state], last: t.state });
      continue;
    }
    const list = byAction.get(t.actionId) ?? [];
    list.push(t);
    byAction.set(t.actionId, list);
  }
  for (const list of byAction.values()) {
    const active = list.filter((t) => !PLANNED.has(t.state));
    const span = active.length ? active : list.slice(0, 1);
    const first = list[0];
    out.push({
      what: [first.command, first.detail].filter(Boolean).join(' ') || first.state,
      from: span[0].tsMs,
      to: span[span.length - 1].tsMs,
      states: list.map((t) => t.state),
      last: list[list.length - 1].state,
    });
  }
  return out.sort((a, b) => a.from - b.from);
}

const stateClass = (state: string): string => (/ERROR|FAIL|CANCEL/.test(state) ? 'bad' : /FINISHED|DONE/.test(state) ? 'done' : 'busy');

function timeline(order: OrderSummary, list: Station[]): HTMLElement {
  const start = order.firstSeenMs;
  const span = Math.max(1, order.lastSeenMs - start);
  const pct = (ms: number): number => ((ms - start) / span) * 100;
  const box = el('div', { className: 'chain-timeline' });
  box.setAttribute('role', 'img');
  const summary: string[] = [];
  for (const s of list) {
    const track = el('div', { className: 'track' });
    const all = marks(s.items);
    summary.push(STRINGS.stationSummary(s.key, all.length));
    for (const m of all) {
      const at = (ms: number): string => timeOfDay(new Date(ms).toISOString());
      const point = m.to === m.from;
      const node = el('div', {
        className: `${point ? 'point' : 'span'} ${stateClass(m.last)}`,
        text: point ? '' : m.what,
        title: point ? STRINGS.point(m.what, at(m.from), m.states.join(' → ')) : STRINGS.span(m.what, at(m.from), at(m.to), duration(m.to - m.from), m.states.join(' → ')),
      });
      node.style.left = `${pct(m.from)}%`;
      if (!point) node.style.width = `${pct(m.to) - pct(m.from)}%`;
      track.append(node);
    }
    const row = el('div', { className: `station ${s.kind}` }, el('div', { className: 'station-label', text: s.key, title: s.key }), track);
    row.dataset.station = s.key;
    box.append(row);
  }
  box.setAttribute('aria-label', STRINGS.timelineLabel(timeOfDay(order.firstSeen), timeOfDay(order.lastSeen), summary));
  const axis = el('div', { className: 'axis' }, el('span', { text: timeOfDay(order.firstSeen) }), el('span', { text: duration(span) }), el('span', { text: timeOfDay(order.lastSeen) }));
  box.append(el('div', { className: 'station axis-row' }, el('div', { className: 'station-label' }), axis));
  return box;
}

/** The changes in time order; those of one message under one time, with why they share it. */
function stepsTable(order: OrderSummary): HTMLTableElement {
  const c = STRINGS.stepColumns;
  const head = el('tr', {}, ...[c.time, c.offset, c.station, c.change, c.command].map((h) => el('th', { text: h })));
  const body = el('tbody');
  const ts = order.transitions;
  for (let i = 0; i < ts.length; ) {
    let j = i + 1;
    while (j < ts.length && ts[j].messageId === ts[i].messageId) j++;
    const group = ts.slice(i, j);
    const first = group[0];
    if (group.length > 1) {
      const note = el('td', { className: 'why', text: STRINGS.oneMessage(group.length, first.topic, first.topic.startsWith('ccu/') ? STRINGS.ccuSender : stationKey(first, kindOf(first))) });
      note.colSpan = 3;
      body.append(el('tr', { className: 'message-group' }, el('td', { className: 'time', text: timeOfDay(first.timestamp), title: first.timestamp }), el('td', { className: 'num', text: offset(first.tsMs - order.firstSeenMs) }), note));
    }
    for (const t of group) {
      const kind = kindOf(t);
      const tr = el(
        'tr',
        { className: group.length > 1 ? 'in-group' : '' },
        el('td', { className: 'time', text: group.length > 1 ? '' : timeOfDay(t.timestamp), title: t.timestamp }),
        el('td', { className: 'num', text: group.length > 1 ? '' : offset(t.tsMs - order.firstSeenMs) }),
        el('td', { className: `station-cell ${kind}`, text: kind === 'ccu' ? STRINGS.stationCcu : (t.module ?? t.serial ?? '?'), title: stationKey(t, kind) }),
        // The station says step (CCU) or action (module, FTS); only the whole order's state is marked.
        el('td', { className: 'state-cell' }, ...(t.source === 'order' ? [el('span', { className: 'source', text: `${STRINGS.orderSource} ` })] : []), document.createTextNode(t.state)),
        el('td', { text: [t.command, t.detail].filter(Boolean).join(' ') || STRINGS.none }),
      );
      tr.title = t.topic;
      body.append(tr);
    }
    i = j;
  }
  return el('table', { className: 'steps' }, el('thead', {}, head), body);
}

function meta(order: OrderSummary): HTMLElement {
  const m = STRINGS.meta;
  const list = (v: string[], sep: string): string => v.join(sep) || STRINGS.none;
  const pairs: [string, string][] = [
    [m.type, [order.type, order.workpieceType].filter(Boolean).join(' ') || STRINGS.none],
    [m.state, order.state ?? STRINGS.none],
    [m.seen, STRINGS.seen(timeOfDay(order.firstSeen), timeOfDay(order.lastSeen), duration(order.durationMs))],
    [m.messages, String(order.messages)],
    [m.modules, list(order.modules, ' → ')],
    [m.fts, list(order.fts, ', ')],
    [m.workpieces, list(order.workpieces, ', ')],
  ];
  return el('dl', { className: 'order-meta' }, ...pairs.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
}

export function drawChain(
  box: HTMLElement,
  order: OrderSummary,
  messages: { id: number; timestamp: string; topic: string }[],
  more: number,
  copy: (id: string) => void,
): void {
  const copyButton = el('button', { className: 'copy', text: STRINGS.copy, title: STRINGS.copyId(order.orderId) });
  copyButton.type = 'button';
  copyButton.addEventListener('click', () => copy(order.orderId));
  const list = stations(order.transitions);
  const parts: Node[] = [
    el('div', { className: 'chain-head' }, el('h2', { text: STRINGS.orderHeading(shortId(order.orderId)), title: order.orderId }), el('code', { className: 'full-id', text: order.orderId }), copyButton),
    meta(order),
  ];
  if (list.length) parts.push(timeline(order, list), el('h3', { text: STRINGS.stepsTitle }), stepsTable(order));
  if (order.transitionsOmitted) parts.push(el('p', { text: STRINGS.omitted(order.transitionsOmitted) }));
  const mc = STRINGS.messageColumns;
  const rows = messages.map((m) => el('tr', {}, el('td', { className: 'time', text: timeOfDay(m.timestamp), title: m.timestamp }), el('td', { text: m.topic })));
  const table = el('table', { className: 'order-messages' }, el('thead', {}, el('tr', {}, el('th', { text: mc.time }), el('th', { text: mc.topic }))), el('tbody', {}, ...rows));
  parts.push(el('details', { className: 'messages-box' }, el('summary', { text: `${STRINGS.messagesTitle} (${order.messages})` }), table, ...(more ? [el('p', { text: STRINGS.moreMessages(more) })] : [])));
  box.replaceChildren(...parts);
  box.dataset.order = order.orderId;
}
