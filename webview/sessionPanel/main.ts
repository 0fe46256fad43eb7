/**
 * Browser side of the session panel. Draws what the extension sends (statistics, binned
 * lanes, pages, one message) and asks for more when the user filters, zooms or clicks.
 * Every value from a session is set as text (textContent), never parsed as HTML.
 */
import { Chart, LinearScale, PointElement, ScatterController, Tooltip, type ChartEvent, type TooltipItem } from 'chart.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { MessageDetail, MessagePage } from '../../src/core/analysis/messageBrowser';
import type { Timeline } from '../../src/core/analysis/timeline';
import type { PanelTopic, SessionPanelEvent, SessionPanelRequest, SessionPanelState } from '../../src/protocol/sessionPanelProtocol';

Chart.register(ScatterController, PointElement, LinearScale, Tooltip);

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
let timelineData: Timeline | undefined;
let chart: Chart<'scatter'> | undefined;
let currentLabels: string[] = [];
let nextRequest = 1;
let latestTimeline = 0;
let latestMessages = 0;
let latestDetail = 0;
let selection: { fromMs?: number; toMs?: number; topics: string[] } = { topics: [] };

function send(message: SessionPanelRequest): void {
  vscode.postMessage(message);
}

function saveState(): void {
  vscode.setState(state);
  send({ type: 'state', state });
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { className?: string; text?: string; title?: string } = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.className) e.className = props.className;
  if (props.text !== undefined) e.textContent = props.text;
  if (props.title !== undefined) e.title = props.title;
  e.append(...children);
  return e;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const cssVar = (name: string, fallback: string): string => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

// ---------------------------------------------------------------------------- layout

const app = document.getElementById('app') as HTMLElement;
const header = el('header', { className: 'stats' });
const filters = el('section', { className: 'filters' });
const toolbar = el('section', { className: 'toolbar' });
const rangeLabel = el('span', { className: 'range' });
const notice = el('span', { className: 'notice' });
const chartBox = el('div', { className: 'timeline' });
const canvas = el('canvas');
const brush = el('div', { className: 'brush' });
chartBox.append(canvas, brush);
const table = el('table', { className: 'messages' });
const pager = el('div', { className: 'pager' });
const detail = el('section', { className: 'detail' });
app.append(header, filters, toolbar, chartBox, el('div', { className: 'lower' }, el('div', { className: 'table-box' }, table, pager), detail));

function button(label: string, onClick: () => void, id?: string): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  if (id) b.id = id;
  b.addEventListener('click', onClick);
  return b;
}

toolbar.append(
  rangeLabel,
  button('Reset zoom', () => zoomTo(undefined, undefined), 'reset-zoom'),
  button('Export Selection', () => send({ type: 'exportSelection', ...currentRange(), topics: selectedTopics() })),
  button('Replay Selection…', () => send({ type: 'replaySelection', ...currentRange(), topics: selectedTopics() })),
  notice,
);

// ---------------------------------------------------------------------------- filters

function visibleTopics(): PanelTopic[] {
  return topics.filter((t) => !state.hiddenCategories.includes(t.category) && (state.showPrefiltered || !t.prefiltered));
}

/** Topics a selection means: the visible ones, or all when every topic is visible. */
function selectedTopics(): string[] {
  const v = visibleTopics();
  return v.length === topics.length ? [] : v.map((t) => t.topic);
}

function currentRange(): { fromMs?: number; toMs?: number } {
  return { fromMs: state.fromMs, toMs: state.toMs };
}

function renderFilters(categories: { category: string; messages: number }[]): void {
  filters.replaceChildren();
  for (const c of categories) {
    const box = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean; label: string };
    box.label = `${c.category} (${c.messages})`;
    box.checked = !state.hiddenCategories.includes(c.category);
    box.dataset.category = c.category;
    box.addEventListener('change', () => {
      state.hiddenCategories = box.checked ? state.hiddenCategories.filter((x) => x !== c.category) : [...state.hiddenCategories, c.category];
      saveState();
      requestTimeline();
    });
    filters.append(box);
  }
  const hidden = topics.filter((t) => t.prefiltered).length;
  const pre = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean; label: string };
  pre.label = `Show ${hidden} topics hidden by default (camera, sensors, pairing, connection, factsheet)`;
  pre.checked = state.showPrefiltered;
  pre.id = 'show-prefiltered';
  pre.addEventListener('change', () => {
    state.showPrefiltered = pre.checked;
    saveState();
    requestTimeline();
  });
  filters.append(pre);
}

// ---------------------------------------------------------------------------- timeline

/** A bin every 3 pixels: points are drawn 4 to 12 pixels wide, finer bins would only overlap (and cost time). */
function bins(): number {
  return Math.max(50, Math.min(2000, Math.floor((chartBox.clientWidth || 900) / 3)));
}

function requestTimeline(): void {
  latestTimeline = nextRequest++;
  const wanted = visibleTopics().map((t) => t.topic);
  chartBox.classList.add('loading');
  send({ type: 'timeline', requestId: latestTimeline, ...currentRange(), topics: wanted, bins: bins() });
}

function zoomTo(fromMs: number | undefined, toMs: number | undefined): void {
  if (fromMs !== undefined && toMs !== undefined && toMs - fromMs < 1) return;
  state.fromMs = fromMs;
  state.toMs = toMs;
  saveState();
  requestTimeline();
}

interface Point {
  x: number;
  y: number;
  count: number;
  id: number;
  topic: string;
  bin: number;
}

/** When the panel reached a step (epoch ms on the body), for the harness's breakdown of the first timeline. */
function mark(step: string): void {
  document.body.dataset[`at${step[0].toUpperCase()}${step.slice(1)}`] = String(Date.now());
}

const SIZES = 5;

/**
 * Points in one dataset per dot size (a bin's count on a log scale): chart.js resolves a
 * dataset's fixed options once, where a per-point radius function costs a call per point
 * and draw — tens of thousands on a wide window.
 */
function bySize(points: Point[]): Point[][] {
  // A loop, not Math.max(...points): a wide window has up to 100,000 points, too many arguments.
  let max = 1;
  for (const p of points) if (p.count > max) max = p.count;
  const sets: Point[][] = Array.from({ length: SIZES }, () => []);
  for (const p of points) sets[Math.round(((SIZES - 1) * Math.log(1 + p.count)) / Math.log(1 + max))].push(p);
  return sets;
}

function drawTimeline(t: Timeline, elapsedMs: number): void {
  timelineData = t;
  chartBox.classList.remove('loading');
  rangeLabel.textContent = `${iso(t.fromMs)} – ${iso(t.toMs)} · ${t.lanes.length} lanes${t.omittedTopics ? ` (+${t.omittedTopics} not drawn)` : ''} · ${elapsedMs.toFixed(0)} ms`;
  const points: Point[] = [];
  t.lanes.forEach((lane, y) => {
    let bin = lane.firstBin;
    let id = 0;
    lane.counts.forEach((count, i) => {
      if (i > 0) bin += lane.binSteps ? lane.binSteps[i - 1] : 1;
      id += lane.idSteps[i];
      points.push({ x: t.binFromMs + (bin + 0.5) * t.binMs, y, count, id, topic: lane.topic, bin });
    });
  });
  const labels = t.lanes.map((l) => l.topic);
  currentLabels = labels;
  const height = `${Math.max(120, labels.length * 20 + 50)}px`;
  const resized = chartBox.style.height !== height;
  chartBox.style.height = height;
  const color = cssVar('--vscode-charts-blue', '#3794ff');
  const fg = cssVar('--vscode-foreground', '#cccccc');
  const grid = cssVar('--vscode-panel-border', 'rgba(128,128,128,0.3)');
  const data = { datasets: bySize(points).map((sized, i) => ({ data: sized, backgroundColor: color, borderColor: color, pointRadius: 2 + i, pointHoverRadius: 3 + i })) };
  if (!chart) {
    chart = new Chart(canvas, {
      type: 'scatter',
      data,
      options: {
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        parsing: false,
        normalized: true,
        scales: {
          x: { type: 'linear', min: t.fromMs, max: t.toMs, ticks: { color: fg, maxTicksLimit: 8, callback: (v) => iso(Number(v)).slice(11, 23) }, grid: { color: grid } },
          y: {
            type: 'linear',
            min: -0.5,
            max: labels.length - 0.5,
            reverse: true,
            // One tick a lane, labelled with its topic.
            afterBuildTicks: (axis) => {
              axis.ticks = currentLabels.map((_, i) => ({ value: i }));
            },
            ticks: { color: fg, autoSkip: false, callback: (v) => currentLabels[Number(v)] ?? '' },
            grid: { color: grid },
          },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: (item: TooltipItem<'scatter'>) => {
                const p = item.raw as Point;
                return `${p.topic}: ${p.count} message${p.count === 1 ? '' : 's'} at ${iso(p.x)}`;
              },
            },
          },
        },
        // A click picks the nearest bin (points are small); the end of a drag is not a click.
        interaction: { mode: 'nearest', intersect: false, axis: 'xy' },
        onClick: (_e: ChartEvent, elements) => {
          if (dragged) return;
          const hit = elements[0];
          if (hit) openBin(chart?.data.datasets[hit.datasetIndex].data[hit.index] as unknown as Point);
        },
      },
    });
  } else {
    chart.data = data;
    const x = chart.options.scales?.x;
    const yScale = chart.options.scales?.y;
    if (x) Object.assign(x, { min: t.fromMs, max: t.toMs });
    if (yScale) Object.assign(yScale, { max: labels.length - 0.5 });
    // Drawn here; a new chart drew itself when made (at its box's height, set above).
    if (resized) chart.resize();
    chart.update('none');
  }
  document.body.dataset.timelineDrawn = String(Date.now());
  document.body.dataset.lanes = String(labels.length);
}

function openBin(p: Point | undefined): void {
  const t = timelineData;
  if (!p || !t) return;
  // A bin holds [start, end): the table asks for an inclusive end, so stop just short of it.
  const end = t.binFromMs + (p.bin + 1) * t.binMs;
  selection = {
    fromMs: Math.max(t.fromMs, t.binFromMs + p.bin * t.binMs),
    toMs: p.bin >= t.bins - 1 ? t.toMs : Math.min(t.toMs, end - 1e-6),
    topics: [p.topic],
  };
  requestMessages(0);
  requestDetail(p.id);
}

// Drag to zoom: a brush over the chart area; wheel zooms around the pointer.
let dragStart: number | undefined;
let dragged = false;
canvas.addEventListener('mousedown', (e) => {
  if (!chart) return;
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
  if (dragStart === undefined || !chart) return;
  const start = dragStart;
  dragStart = undefined;
  brush.style.display = 'none';
  const end = e.clientX - canvas.getBoundingClientRect().left;
  if (Math.abs(end - start) < 4) return;
  const x = chart.scales.x;
  const a = x.getValueForPixel(Math.min(start, end));
  const b = x.getValueForPixel(Math.max(start, end));
  if (a !== undefined && b !== undefined) zoomTo(Math.max(a, sessionRange.fromMs), Math.min(b, sessionRange.toMs));
});
let wheelTimer: number | undefined;
canvas.addEventListener(
  'wheel',
  (e) => {
    if (!chart || !timelineData) return;
    e.preventDefault();
    const x = chart.scales.x;
    const at = x.getValueForPixel(e.offsetX) ?? (timelineData.fromMs + timelineData.toMs) / 2;
    const factor = e.deltaY > 0 ? 1.5 : 1 / 1.5;
    const from = Math.max(sessionRange.fromMs, at - (at - (state.fromMs ?? timelineData.fromMs)) * factor);
    const to = Math.min(sessionRange.toMs, at + ((state.toMs ?? timelineData.toMs) - at) * factor);
    state.fromMs = from <= sessionRange.fromMs && to >= sessionRange.toMs ? undefined : from;
    state.toMs = state.fromMs === undefined ? undefined : to;
    window.clearTimeout(wheelTimer);
    wheelTimer = window.setTimeout(() => zoomTo(state.fromMs, state.toMs), 120);
  },
  { passive: false },
);

// ---------------------------------------------------------------------------- messages and detail

const PAGE = 100;

function requestMessages(offset: number): void {
  latestMessages = nextRequest++;
  send({ type: 'messages', requestId: latestMessages, fromMs: selection.fromMs, toMs: selection.toMs, topics: selection.topics, offset, limit: PAGE });
}

function requestDetail(id: number): void {
  latestDetail = nextRequest++;
  state.selectedId = id;
  saveState();
  send({ type: 'detail', requestId: latestDetail, id });
}

function drawMessages(page: MessagePage): void {
  const head = el('tr', {}, el('th', { text: 'Time' }), el('th', { text: 'Topic' }), el('th', { text: 'Bytes' }), el('th', { text: 'Payload' }));
  const rows = page.messages.map((m) => {
    const tr = el('tr', {}, el('td', { text: m.timestamp }), el('td', { text: m.topic }), el('td', { text: String(m.size) }), el('td', { text: m.preview, className: 'preview' }));
    tr.dataset.id = String(m.id);
    tr.tabIndex = 0;
    tr.addEventListener('click', () => requestDetail(m.id));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') requestDetail(m.id);
    });
    return tr;
  });
  table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
  pager.replaceChildren(el('span', { text: `${page.offset + 1}–${page.offset + page.messages.length} of ${page.total}` }));
  if (page.offset > 0) pager.append(button('Previous', () => requestMessages(Math.max(0, page.offset - PAGE))));
  if (page.offset + page.messages.length < page.total) pager.append(button('Next', () => requestMessages(page.offset + PAGE)));
}

function drawDetail(d: MessageDetail | undefined): void {
  if (!d) {
    detail.replaceChildren(el('p', { text: 'No such message.' }));
    return;
  }
  const meta = el('p', { className: 'meta', text: `${d.topic} · ${d.timestamp} · QoS ${d.qos}${d.retain ? ' · retained' : ''} · ${d.size} bytes · ${d.kind}${d.truncated ? ' (cut)' : ''}` });
  const body = el('pre', { className: `payload ${d.kind}`, text: d.text });
  const actions = el('div', { className: 'actions' }, button('Save as Test Topic', () => send({ type: 'saveTestTopic', id: d.id }), 'save-test-topic'));
  const parts: Node[] = [meta, actions, body];
  if (d.previous) {
    parts.push(el('h3', { text: `Diff to the previous message of the topic (${d.previous.timestamp})` }));
    if (d.diff) parts.push(el('pre', { className: 'diff' }, ...d.diff.map((l) => el('div', { className: l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'same', text: `${l.op} ${l.text}` }))));
    else parts.push(el('p', { text: 'No diff for binary or cut payloads.' }));
  }
  detail.replaceChildren(...parts);
  detail.dataset.id = String(d.id);
}

// ---------------------------------------------------------------------------- wiring

window.addEventListener('message', (e: MessageEvent<SessionPanelEvent>) => {
  const m = e.data;
  switch (m.type) {
    case 'init': {
      mark('init');
      topics = m.topics;
      sessionRange = { fromMs: m.stats.startMs ?? 0, toMs: m.stats.endMs ?? 0 };
      header.replaceChildren(
        el('h1', { text: m.name }),
        el('span', { text: `${m.stats.messages} messages · ${m.stats.topics} topics · ${m.stats.start ?? '–'} – ${m.stats.end ?? '–'} · ${m.stats.durationSec.toFixed(1)} s · ${m.stats.bytes} payload bytes` }),
      );
      renderFilters(m.categories);
      requestTimeline();
      if (state.selectedId) requestDetail(state.selectedId);
      return;
    }
    case 'timeline':
      mark('timeline');
      if (m.requestId === latestTimeline) drawTimeline(m.timeline, m.elapsedMs);
      return;
    case 'messages':
      if (m.requestId === latestMessages) drawMessages(m.page);
      return;
    case 'detail':
      if (m.requestId === latestDetail) drawDetail(m.detail);
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
