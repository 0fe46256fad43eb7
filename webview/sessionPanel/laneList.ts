/**
 * The timeline for the keyboard and screen readers: the lanes as a listbox (one option a
 * lane, in the chart's order) with a cursor on one bin. ↑↓ move between lanes, ←→ between
 * a lane's bins, Home/End to its first/last bin, Enter or Space lists the bin's messages,
 * + and − zoom around the cursor, 0 resets the zoom. The chart draws a ring at the cursor.
 */
import type { Timeline } from '../../src/core/analysis/timeline';
import { STRINGS } from './strings';
import { type Lane, type Point, iso } from './timelineChart';

export interface LaneListActions {
  open(p: Point): void;
  /** factor < 1 zooms in; `atMs` is the centre. */
  zoom(factor: number, atMs: number | undefined): void;
  reset(): void;
  /** The cursor moved or the list gained or lost focus: redraw the rings, show the bin. */
  moved(): void;
}

const time = (ms: number): string => iso(ms).slice(11, 23);

export class LaneList {
  readonly element: HTMLUListElement;
  private lanes: Lane[] = [];
  private timeline: Timeline | undefined;
  /** Where the cursor is, by topic and time, so it stays put when the bins change. */
  private at: { topic: string; ms: number } | undefined;
  private lane = 0;
  private point = -1;

  constructor(private readonly actions: LaneListActions) {
    const ul = document.createElement('ul');
    ul.className = 'lane-list';
    ul.setAttribute('role', 'listbox');
    ul.setAttribute('aria-label', STRINGS.laneList);
    ul.tabIndex = 0;
    ul.addEventListener('keydown', (e) => this.onKey(e));
    ul.addEventListener('focus', () => actions.moved());
    ul.addEventListener('blur', () => actions.moved());
    this.element = ul;
  }

  get focused(): boolean {
    return document.activeElement === this.element;
  }

  /** New lanes (a new timeline): the cursor keeps its topic and the bin nearest its time. */
  update(timeline: Timeline, lanes: Lane[]): void {
    this.timeline = timeline;
    this.lanes = lanes;
    const found = this.at ? lanes.findIndex((l) => l.topic === this.at?.topic) : -1;
    this.lane = found >= 0 ? found : 0;
    this.point = this.nearest(this.lane, this.at?.ms);
    this.render();
  }

  /** The cursor to a bin the mouse picked. */
  setCursor(p: Point): void {
    const lane = this.lanes.findIndex((l) => l.topic === p.topic);
    if (lane < 0) return;
    this.lane = lane;
    this.point = this.lanes[lane].points.findIndex((q) => q.bin === p.bin);
    this.remember();
    this.render();
  }

  cursor(): Point | undefined {
    return this.lanes[this.lane]?.points[this.point];
  }

  /** The cursor's bin in words: its time span and count. */
  describe(p: Point | undefined = this.cursor()): string | undefined {
    const t = this.timeline;
    const lane = this.lanes.find((l) => l.topic === p?.topic);
    if (!p || !t || !lane) return undefined;
    const from = Math.max(t.fromMs, t.binFromMs + p.bin * t.binMs);
    const to = Math.min(t.toMs, t.binFromMs + (p.bin + 1) * t.binMs);
    return STRINGS.bin(time(from), time(to), p.count, lane.points.indexOf(p) + 1, lane.points.length);
  }

  private nearest(lane: number, ms: number | undefined): number {
    const points = this.lanes[lane]?.points ?? [];
    if (!points.length) return -1;
    if (ms === undefined) return 0;
    let best = 0;
    for (let i = 1; i < points.length; i++) if (Math.abs(points[i].x - ms) < Math.abs(points[best].x - ms)) best = i;
    return best;
  }

  private remember(): void {
    const lane = this.lanes[this.lane];
    const p = this.cursor();
    if (lane) this.at = { topic: lane.topic, ms: p?.x ?? this.at?.ms ?? 0 };
  }

  private render(): void {
    const options = this.lanes.map((lane, i) => {
      const li = document.createElement('li');
      li.id = `lane-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', String(i === this.lane));
      const text = lane.points.length ? STRINGS.lane(lane.topic, lane.category, lane.total) : STRINGS.laneEmpty(lane.topic, lane.category);
      const bin = i === this.lane ? this.describe() : undefined;
      li.textContent = bin ? `${text}; ${bin}` : text;
      return li;
    });
    this.element.replaceChildren(...options);
    if (options.length) this.element.setAttribute('aria-activedescendant', `lane-${this.lane}`);
    else this.element.removeAttribute('aria-activedescendant');
  }

  private move(lane: number, point: number): void {
    this.lane = Math.max(0, Math.min(this.lanes.length - 1, lane));
    const n = this.lanes[this.lane]?.points.length ?? 0;
    this.point = n ? Math.max(0, Math.min(n - 1, point)) : -1;
    this.remember();
    this.render();
    this.actions.moved();
  }

  private onKey(e: KeyboardEvent): void {
    if (e.altKey || e.metaKey) return;
    const p = this.cursor();
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        const lane = this.lane + (e.key === 'ArrowDown' ? 1 : -1);
        this.move(lane, this.nearest(Math.max(0, Math.min(this.lanes.length - 1, lane)), this.at?.ms));
        break;
      }
      case 'ArrowRight':
        this.move(this.lane, this.point + 1);
        break;
      case 'ArrowLeft':
        this.move(this.lane, this.point - 1);
        break;
      case 'Home':
        this.move(e.ctrlKey ? 0 : this.lane, 0);
        break;
      case 'End':
        if (e.ctrlKey) this.move(this.lanes.length - 1, this.nearest(this.lanes.length - 1, this.at?.ms));
        else this.move(this.lane, Number.MAX_SAFE_INTEGER);
        break;
      case 'Enter':
      case ' ':
        if (p) this.actions.open(p);
        break;
      case '+':
      case '=':
        this.actions.zoom(0.5, p?.x ?? this.at?.ms);
        break;
      case '-':
      case '_':
        this.actions.zoom(2, p?.x ?? this.at?.ms);
        break;
      case '0':
        this.actions.reset();
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}
