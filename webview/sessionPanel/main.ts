/**
 * Browser side of the session panel. Draws what the extension sends (statistics, binned
 * lanes, pages, one message) and asks for more when the user filters, zooms or clicks.
 * Every value from a session is set as text (textContent), never parsed as HTML.
 */
import type { Timeline } from '../../src/core/analysis/timeline';
import type { PanelTopic, SessionPanelEvent, SessionPanelFocus, SessionPanelRequest, SessionPanelState } from '../../src/protocol/sessionPanelProtocol';
import { type Checkbox, button, checkbox, el } from './dom';
import { LaneList } from './laneList';
import { MessageTable, PAGE } from './messageTable';
import { STRINGS } from './strings';
import { categoryStyle, readThemeColors, watchTheme } from './themeColors';
import { type Lane, type Point, TimelineChart, type TimelineView, iso } from './timelineChart';

interface VsCodeApi {
  postMessage(message: SessionPanelRequest): void;
  getState(): SessionPanelState | undefined;
  setState(state: SessionPanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const initial = JSON.parse(document.body.dataset.state ?? '{}') as SessionPanelState;
let state: SessionPanelState = { ...initial, ...(vscode.getState() ?? {}) };
let topics: PanelTopic[] = [];
let sessionRange = { fromMs: 0, toMs: 0 };
let view: TimelineView | undefined;
let nextRequest = 1;
let latestTimeline = 0;
let latestMessages = 0;
let latestDetail = 0;
/** The topics the latest timeline request asked for: lanes without messages in the range stay as empty lanes. */
let requestedTopics: string[] = [];
/** The bin whose messages the table lists. */
let selection: { fromMs?: number; toMs?: number; topics: string[]; label?: string } = { topics: [] };

/** Category order: Module, FTS and CCU first (the orders panel's colours), then as the session has them. */
const FIRST_CATEGORIES = ['Module', 'FTS', 'CCU', 'TXT'];
let categoryOrder: string[] = [];
/** A topic's place among the lanes: by category, then by its messages in the session — the same at every zoom. */
let laneRank = new Map<string, number>();
let categoryOf = new Map<string, string>();

function send(message: SessionPanelRequest): void {
  vscode.postMessage(message);
}

function saveState(): void {
  vscode.setState(state);
  send({ type: 'state', state });
}

// ---------------------------------------------------------------------------- layout

const app = document.getElementById('app') as HTMLElement;
const header = el('header', { className: 'stats' });
const filters = el('section', { className: 'filters' });
const toolbar = el('section', { className: 'toolbar' });
const rangeLabel = el('span', { className: 'range' });
const notice = el('span', { className: 'notice' });
const hint = el('p', { className: 'hint', text: STRINGS.hint });
const legend = el('ul', { className: 'legend' });
legend.setAttribute('aria-label', STRINGS.legend);
const chartBox = el('div', { className: 'timeline' });
const canvas = el('canvas');
canvas.setAttribute('role', 'img');
const brush = el('div', { className: 'brush' });
const binStatus = el('p', { className: 'bin-status' });
const messages = new MessageTable({
  page: (offset) => requestMessages(offset),
  open: (id) => requestDetail(id),
  saveTestTopic: (id) => send({ type: 'saveTestTopic', id }),
});
const lanes = new LaneList({
  open: (p) => openBin(p),
  zoom: (factor, at) => zoomAround(at, factor),
  reset: () => zoomTo(undefined, undefined),
  moved: () => render(),
});
chartBox.append(canvas, brush, lanes.element);
app.append(
  header,
  filters,
  toolbar,
  hint,
  legend,
  chartBox,
  binStatus,
  el('div', { className: 'lower' }, el('div', { className: 'table-box' }, messages.table, messages.pager), messages.detail),
);

const replayButton = button(STRINGS.replaySelection, () => send({ type: 'replaySelection', ...currentRange(), topics: selectedTopics() }), 'replay-selection');
toolbar.append(
  rangeLabel,
  button(STRINGS.resetZoom, () => zoomTo(undefined, undefined), 'reset-zoom'),
  button(STRINGS.exportSelection, () => send({ type: 'exportSelection', ...currentRange(), topics: selectedTopics() })),
  replayButton,
  notice,
);

/** Replay needs a trusted workspace: disabled, with the reason on hover and beside it. */
function setTrusted(trusted: boolean): void {
  replayButton.toggleAttribute('disabled', !trusted);
  replayButton.title = trusted ? '' : STRINGS.replayUntrusted;
  if (!trusted) replayButton.setAttribute('aria-description', STRINGS.replayUntrusted);
  else replayButton.removeAttribute('aria-description');
}

// ---------------------------------------------------------------------------- filters

const shownByDefault = (t: PanelTopic): boolean => state.showPrefiltered || !t.prefiltered;

function visibleTopics(): PanelTopic[] {
  if (state.onlyTopic !== undefined && topics.some((t) => t.topic === state.onlyTopic)) return topics.filter((t) => t.topic === state.onlyTopic);
  return topics.filter((t) => !state.hiddenCategories.includes(t.category) && shownByDefault(t));
}

/** Topics a selection means: the visible ones, or all when every topic is visible. */
function selectedTopics(): string[] {
  const v = visibleTopics();
  return v.length === topics.length ? [] : v.map((t) => t.topic);
}

function currentRange(): { fromMs?: number; toMs?: number } {
  return { fromMs: state.fromMs, toMs: state.toMs };
}

function onFilter(): void {
  saveState();
  renderFilters();
  requestTimeline();
}

/** A box a category, counting only what shows: a category whose topics are all hidden by default is unticked and disabled. */
function renderFilters(): void {
  const hidden = topics.filter((t) => t.prefiltered);
  const showLabel = STRINGS.showPrefiltered(hidden.length, [...new Set(hidden.map((t) => t.prefiltered as string))]);
  const boxes: Checkbox[] = categoryOrder.map((category) => {
    const mine = topics.filter((t) => t.category === category);
    const shown = mine.filter(shownByDefault).reduce((n, t) => n + t.count, 0);
    const held = mine.filter((t) => !shownByDefault(t)).reduce((n, t) => n + t.count, 0);
    const box = checkbox(shown ? STRINGS.category(category, shown) : STRINGS.categoryAllHidden(category), shown > 0 && !state.hiddenCategories.includes(category), (on) => {
      state.hiddenCategories = on ? state.hiddenCategories.filter((x) => x !== category) : [...state.hiddenCategories, category];
      onFilter();
    });
    box.dataset.category = category;
    box.disabled = shown === 0;
    if (held) box.title = shown ? STRINGS.categoryPartlyHiddenTitle(held) : STRINGS.categoryAllHiddenTitle(category, held, showLabel);
    return box;
  });
  const pre = checkbox(showLabel, state.showPrefiltered, (on) => {
    state.showPrefiltered = on;
    onFilter();
  });
  pre.id = 'show-prefiltered';
  const only = state.onlyTopic;
  const chip = only === undefined ? [] : [el('span', { className: 'only-topic', text: STRINGS.onlyTopic(only) }), button(STRINGS.showAllTopics, () => {
    state.onlyTopic = undefined;
    onFilter();
  }, 'show-all-topics')];
  filters.replaceChildren(...chip, ...boxes, pre);
}

// ---------------------------------------------------------------------------- timeline

/** A bin every 3 pixels: points are drawn 6 to 14 pixels wide, finer bins would only overlap (and cost time). */
function bins(): number {
  return Math.max(50, Math.min(2000, Math.floor((chartBox.clientWidth || 900) / 3)));
}

function requestTimeline(): void {
  latestTimeline = nextRequest++;
  requestedTopics = visibleTopics().map((t) => t.topic);
  chartBox.classList.add('loading');
  send({ type: 'timeline', requestId: latestTimeline, ...currentRange(), topics: requestedTopics, bins: bins() });
}

function zoomTo(fromMs: number | undefined, toMs: number | undefined): void {
  if (fromMs !== undefined && toMs !== undefined && toMs - fromMs < 1) return;
  state.fromMs = fromMs;
  state.toMs = toMs;
  saveState();
  requestTimeline();
}

/** The range scaled by `factor` around `at` (the whole session when it covers it); `delayMs` gathers wheel steps. */
function zoomAround(at: number | undefined, factor: number, delayMs = 0): void {
  const t = view?.timeline;
  if (!t) return;
  const centre = at ?? (t.fromMs + t.toMs) / 2;
  const from = Math.max(sessionRange.fromMs, centre - (centre - (state.fromMs ?? t.fromMs)) * factor);
  const to = Math.min(sessionRange.toMs, centre + ((state.toMs ?? t.toMs) - centre) * factor);
  state.fromMs = from <= sessionRange.fromMs && to >= sessionRange.toMs ? undefined : from;
  state.toMs = state.fromMs === undefined ? undefined : to;
  window.clearTimeout(wheelTimer);
  if (delayMs) wheelTimer = window.setTimeout(() => zoomTo(state.fromMs, state.toMs), delayMs);
  else zoomTo(state.fromMs, state.toMs);
}

/** When the panel reached a step (epoch ms on the body), for the harness's breakdown of the first timeline. */
function mark(step: string): void {
  document.body.dataset[`at${step[0].toUpperCase()}${step.slice(1)}`] = String(Date.now());
}

/** Lanes without messages in the range are kept (in their places) up to this many topics: the timeline's own lane limit. */
const KEEP_EMPTY_LANES = 200;

/** The lanes in their stable order (empty ones kept unless there are too many topics), their bins decoded. */
function lanesOf(t: Timeline): Lane[] {
  const byTopic = new Map(t.lanes.map((l) => [l.topic, l]));
  const keepEmpty = !t.omittedTopics && requestedTopics.length <= KEEP_EMPTY_LANES;
  const names = keepEmpty ? [...new Set([...requestedTopics, ...byTopic.keys()])] : t.lanes.map((l) => l.topic);
  const rank = (topic: string): number => laneRank.get(topic) ?? Number.MAX_SAFE_INTEGER;
  names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return names.map((topic, y) => {
    const lane = byTopic.get(topic);
    const points: Point[] = [];
    if (lane) {
      let bin = lane.firstBin;
      let id = 0;
      lane.counts.forEach((count, i) => {
        if (i > 0) bin += lane.binSteps ? lane.binSteps[i - 1] : 1;
        id += lane.idSteps[i];
        points.push({ x: t.binFromMs + (bin + 0.5) * t.binMs, y, count, id, topic, bin });
      });
    }
    return { topic, category: categoryOf.get(topic) ?? '', total: lane?.total ?? 0, points };
  });
}

function categoryIndex(category: string): number {
  const i = categoryOrder.indexOf(category);
  return i >= 0 ? i : categoryOrder.length;
}

const chart = new TimelineChart(canvas, (p) => openBin(p), () => dragged);

function drawTimeline(t: Timeline, elapsedMs: number): void {
  chartBox.classList.remove('loading');
  view = { timeline: t, lanes: lanesOf(t), categoryIndex };
  rangeLabel.textContent = STRINGS.range(iso(t.fromMs), iso(t.toMs), view.lanes.length, t.omittedTopics);
  lanes.update(t, view.lanes);
  const total = view.lanes.reduce((n, l) => n + l.total, 0);
  const busiest = [...view.lanes].sort((a, b) => b.total - a.total).slice(0, 3).filter((l) => l.total);
  canvas.setAttribute('aria-label', STRINGS.summary(total, view.lanes.length, iso(t.fromMs), iso(t.toMs), busiest.map((l) => STRINGS.busiest(l.topic, l.total))));
  render();
  Object.assign(document.body.dataset, { timelineDrawn: String(Date.now()), lanes: String(view.lanes.length), queryMs: elapsedMs.toFixed(0) });
}

/** The listed bins: those of the selected topic's lane that overlap the selection's span (several after a zoom in). */
function selectedPoints(v: TimelineView): Point[] {
  const { fromMs, toMs } = selection;
  const lane = v.lanes.find((l) => l.topic === selection.topics[0]);
  if (!lane || fromMs === undefined || toMs === undefined) return [];
  const t = v.timeline;
  return lane.points.filter((p) => t.binFromMs + p.bin * t.binMs <= toMs && t.binFromMs + (p.bin + 1) * t.binMs > fromMs);
}

/** Draws the current view in the theme's colours of now; also the legend and the bin line. */
function render(): void {
  if (!view) return;
  const theme = readThemeColors();
  const { fromMs, toMs } = selection;
  const span = fromMs !== undefined && toMs !== undefined ? { fromMs, toMs } : undefined;
  chart.draw(view, theme, { selected: selectedPoints(view), span, cursor: lanes.focused ? lanes.cursor() : undefined }, chartBox);
  const shown = [...new Set(view.lanes.map((l) => l.category))].sort((a, b) => categoryIndex(a) - categoryIndex(b));
  legend.replaceChildren(
    ...shown.map((category) => {
      const i = categoryIndex(category);
      const swatch = el('span', { className: `swatch ${categoryStyle(i).shape}` });
      swatch.setAttribute('aria-hidden', 'true');
      swatch.style.backgroundColor = theme.category(i);
      const li = el('li', {}, swatch, document.createTextNode(category));
      li.dataset.category = category;
      li.dataset.colour = theme.category(i);
      return li;
    }),
  );
  const cursor = lanes.focused ? lanes.cursor() : undefined;
  const cursorText = cursor && lanes.describe(cursor);
  binStatus.textContent = cursor && cursorText ? `${cursor.topic} · ${cursorText}` : selection.label ? STRINGS.selected(selection.topics[0], selection.label) : '';
}

watchTheme(render);

function openBin(p: Point | undefined): void {
  const t = view?.timeline;
  if (!p || !t) return;
  // A bin holds [start, end): the table asks for an inclusive end, so stop just short of it.
  const end = t.binFromMs + (p.bin + 1) * t.binMs;
  selection = {
    fromMs: Math.max(t.fromMs, t.binFromMs + p.bin * t.binMs),
    toMs: p.bin >= t.bins - 1 ? t.toMs : Math.min(t.toMs, end - 1e-6),
    topics: [p.topic],
  };
  lanes.setCursor(p);
  selection.label = lanes.describe(p);
  requestMessages(0);
  requestDetail(p.id);
  render();
}

// Drag to zoom: a brush over the chart area; wheel zooms around the pointer.
let dragStart: number | undefined;
let dragged = false;
canvas.addEventListener('mousedown', (e) => {
  if (!chart.ready) return;
  dragStart = e.offsetX;
  dragged = false;
  brush.style.display = 'none';
});
canvas.addEventListener('mousemove', (e) => {
  if (dragStart === undefined || Math.abs(e.offsetX - dragStart) < 4) return;
  dragged = true;
  brush.style.display = 'block';
  brush.style.left = `${Math.min(dragStart, e.offsetX)}px`;
  brush.style.width = `${Math.abs(e.offsetX - dragStart)}px`;
});
window.addEventListener('mouseup', (e) => {
  if (dragStart === undefined || !chart.ready) return;
  const start = dragStart;
  dragStart = undefined;
  brush.style.display = 'none';
  const end = e.clientX - canvas.getBoundingClientRect().left;
  if (Math.abs(end - start) < 4) return;
  const a = chart.timeAt(Math.min(start, end));
  const b = chart.timeAt(Math.max(start, end));
  if (a !== undefined && b !== undefined) zoomTo(Math.max(a, sessionRange.fromMs), Math.min(b, sessionRange.toMs));
});
let wheelTimer: number | undefined;
canvas.addEventListener(
  'wheel',
  (e) => {
    if (!view) return;
    e.preventDefault();
    zoomAround(chart.timeAt(e.offsetX), e.deltaY > 0 ? 1.5 : 1 / 1.5, 120);
  },
  { passive: false },
);

// ---------------------------------------------------------------------------- messages and detail

function requestMessages(offset: number): void {
  latestMessages = nextRequest++;
  send({ type: 'messages', requestId: latestMessages, fromMs: selection.fromMs, toMs: selection.toMs, topics: selection.topics, offset, limit: PAGE });
}

function requestDetail(id: number): void {
  latestDetail = nextRequest++;
  state.selectedId = id;
  saveState();
  messages.opened(id);
  send({ type: 'detail', requestId: latestDetail, id });
}

// ---------------------------------------------------------------------------- wiring

/** Opened at a topic (its lane only) or at a message (listed, selected and shown). */
function applyFocus(f: SessionPanelFocus): void {
  const topic = f.topic ?? f.message?.topic;
  if (topic !== undefined && topic !== state.onlyTopic) {
    state.onlyTopic = topic;
    onFilter();
  }
  const m = f.message;
  if (!m) return;
  selection = { fromMs: m.tsMs, toMs: m.tsMs, topics: [m.topic], label: iso(m.tsMs) };
  requestMessages(0);
  requestDetail(m.id);
  render();
}

/** The session's categories in their drawing order, and each topic's lane rank. */
function orderLanes(categories: { category: string }[]): void {
  const seen = categories.map((c) => c.category);
  categoryOrder = [...FIRST_CATEGORIES.filter((c) => seen.includes(c)), ...seen.filter((c) => !FIRST_CATEGORIES.includes(c))];
  categoryOf = new Map(topics.map((t) => [t.topic, t.category]));
  const sorted = [...topics].sort((a, b) => categoryIndex(a.category) - categoryIndex(b.category) || b.count - a.count || (a.topic < b.topic ? -1 : 1));
  laneRank = new Map(sorted.map((t, i) => [t.topic, i]));
}

window.addEventListener('message', (e: MessageEvent<SessionPanelEvent>) => {
  const m = e.data;
  switch (m.type) {
    case 'init': {
      mark('init');
      topics = m.topics;
      sessionRange = { fromMs: m.stats.startMs ?? 0, toMs: m.stats.endMs ?? 0 };
      const s = m.stats;
      header.replaceChildren(el('h1', { text: m.name }), el('span', { text: STRINGS.header(s.messages, s.topics, s.start ?? '–', s.end ?? '–', s.durationSec, s.bytes) }));
      orderLanes(m.categories);
      renderFilters();
      setTrusted(m.trusted);
      requestTimeline();
      if (state.selectedId) requestDetail(state.selectedId);
      return;
    }
    case 'focus':
      applyFocus(m.focus);
      return;
    case 'trust':
      setTrusted(m.trusted);
      return;
    case 'timeline':
      mark('timeline');
      if (m.requestId === latestTimeline) drawTimeline(m.timeline, m.elapsedMs);
      return;
    case 'messages':
      if (m.requestId === latestMessages) messages.drawPage(m.page);
      return;
    case 'detail':
      if (m.requestId === latestDetail) messages.drawDetail(m.detail);
      return;
    case 'notice':
      notice.textContent = m.text;
      notice.className = `notice ${m.level}`;
      return;
  }
});

saveState();
mark('ready');
send({ type: 'ready' });
