/**
 * The timeline's canvas: one lane a topic in a stable order, dots coloured and shaped by
 * category, sized by count, rings around the listed bins and the keyboard's bin. Colours
 * are the theme's at every draw (`draw` again when the theme changes).
 */
import { Chart, LinearScale, PointElement, ScatterController, Tooltip, type ChartDataset, type ChartEvent, type ChartOptions, type Plugin, type TooltipItem } from 'chart.js';
import type { Timeline } from '../../src/core/analysis/timeline';
import { STRINGS } from './strings';
import { type ThemeColors, categoryStyle } from './themeColors';

Chart.register(ScatterController, PointElement, LinearScale, Tooltip);

export interface Point {
  x: number;
  y: number;
  count: number;
  id: number;
  topic: string;
  bin: number;
}

export interface Lane {
  topic: string;
  category: string;
  /** Messages of the lane in the range. */
  total: number;
  /** Its occupied bins, in time order. */
  points: Point[];
}

export interface TimelineView {
  timeline: Timeline;
  lanes: Lane[];
  /** A category's place in the session's category order: its colour and shape. */
  categoryIndex: (category: string) => number;
}

export interface Marks {
  /** Bins whose messages the table lists, and their time span (shaded across the lanes). */
  selected: Point[];
  span?: { fromMs: number; toMs: number };
  /** The keyboard's bin. */
  cursor?: Point;
}

export const iso = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

const SIZES = 5;

/**
 * Points grouped by dot size (a bin's count on a log scale): chart.js resolves a dataset's
 * fixed options once, where a per-point function costs a call per point and draw — tens
 * of thousands on a wide window.
 */
function bySize(points: Point[], max: number): Point[][] {
  const sets: Point[][] = Array.from({ length: SIZES }, () => []);
  for (const p of points) sets[Math.round(((SIZES - 1) * Math.log(1 + p.count)) / Math.log(1 + max))].push(p);
  return sets;
}

/** Rings are marks, not data: no tooltip of their own. */
const RING = 'ring';

function ring(points: Point[], colour: string, radius: number): ChartDataset<'scatter', Point[]> {
  return { label: RING, data: points, pointStyle: 'circle', backgroundColor: 'transparent', borderColor: colour, borderWidth: 2, pointRadius: radius, pointHoverRadius: radius };
}

/** The datasets: per category (in its order) and dot size, then the rings. */
function datasets(view: TimelineView, theme: ThemeColors, marks: Marks): ChartDataset<'scatter', Point[]>[] {
  // A loop, not Math.max(...points): a wide window has up to 100,000 points, too many arguments.
  let max = 1;
  const byCategory = new Map<number, Point[]>();
  for (const lane of view.lanes) {
    const i = view.categoryIndex(lane.category);
    let list = byCategory.get(i);
    if (!list) byCategory.set(i, (list = []));
    for (const p of lane.points) {
      if (p.count > max) max = p.count;
      list.push(p);
    }
  }
  const sets: ChartDataset<'scatter', Point[]>[] = [];
  for (const [i, points] of [...byCategory].sort((a, b) => a[0] - b[0])) {
    const colour = theme.category(i);
    const pointStyle = categoryStyle(i).shape;
    bySize(points, max).forEach((data, size) => {
      if (data.length) sets.push({ data, pointStyle, backgroundColor: colour, borderColor: colour, borderWidth: 0, pointRadius: 3 + size, pointHoverRadius: 4 + size });
    });
  }
  if (marks.selected.length) sets.push(ring(marks.selected, theme.selection, 10));
  if (marks.cursor) sets.push(ring([marks.cursor], theme.cursor, 12));
  return sets;
}

export class TimelineChart {
  private chart: Chart<'scatter', Point[]> | undefined;
  private labels: string[] = [];
  private span: { fromMs: number; toMs: number; colour: string } | undefined;

  /** Shades the listed span across the lanes, behind the dots (at least 4 pixels wide). */
  private readonly spanPlugin: Plugin<'scatter'> = {
    id: 'selectedSpan',
    beforeDatasetsDraw: (chart) => {
      const s = this.span;
      if (!s) return;
      const { left, right, top, bottom } = chart.chartArea;
      const x = chart.scales.x;
      const a = Math.max(left, x.getPixelForValue(s.fromMs));
      const b = Math.min(right, x.getPixelForValue(s.toMs));
      if (b < left || a > right) return;
      const mid = (a + b) / 2;
      const w = Math.max(4, b - a);
      chart.ctx.save();
      chart.ctx.fillStyle = s.colour;
      chart.ctx.fillRect(mid - w / 2, top, w, bottom - top);
      chart.ctx.restore();
    },
  };

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onPick: (p: Point) => void,
    /** The end of a drag is not a click. */
    private readonly dragging: () => boolean,
  ) {}

  private options(view: TimelineView, theme: ThemeColors): ChartOptions<'scatter'> {
    const t = view.timeline;
    const fg = theme.foreground;
    const font = { family: theme.font.family, size: theme.font.size };
    return {
      animation: false,
      maintainAspectRatio: false,
      responsive: true,
      parsing: false,
      normalized: true,
      color: fg,
      font,
      scales: {
        x: { type: 'linear', min: t.fromMs, max: t.toMs, ticks: { color: fg, font, maxTicksLimit: 8, callback: (v) => iso(Number(v)).slice(11, 23) }, grid: { color: theme.grid }, border: { color: theme.grid } },
        y: {
          type: 'linear',
          min: -0.5,
          max: Math.max(0.5, this.labels.length - 0.5),
          reverse: true,
          // One tick a lane, labelled with its topic.
          afterBuildTicks: (axis) => {
            axis.ticks = this.labels.map((_, i) => ({ value: i }));
          },
          ticks: { color: fg, font, autoSkip: false, callback: (v) => this.labels[Number(v)] ?? '' },
          grid: { color: theme.grid },
          border: { color: theme.grid },
        },
      },
      plugins: {
        tooltip: {
          backgroundColor: theme.tooltip.background,
          titleColor: theme.tooltip.foreground,
          bodyColor: theme.tooltip.foreground,
          borderColor: theme.tooltip.border,
          borderWidth: 1,
          bodyFont: font,
          filter: (item) => item.dataset.label !== RING,
          callbacks: {
            label: (item: TooltipItem<'scatter'>) => {
              const p = item.raw as Point;
              return STRINGS.tooltip(p.topic, p.count, iso(p.x));
            },
          },
        },
      },
      // A click picks the nearest bin (points are small).
      interaction: { mode: 'nearest', intersect: false, axis: 'xy' },
      onClick: (_e: ChartEvent, elements) => {
        if (this.dragging() || !this.chart) return;
        const hit = elements[0];
        if (hit) this.onPick(this.chart.data.datasets[hit.datasetIndex].data[hit.index]);
      },
    };
  }

  /** Draws the view in the theme's colours; the box's height follows the lanes. */
  draw(view: TimelineView, theme: ThemeColors, marks: Marks, box: HTMLElement): void {
    this.labels = view.lanes.map((l) => l.topic);
    const height = `${Math.max(120, this.labels.length * 20 + 50)}px`;
    const resized = box.style.height !== height;
    box.style.height = height;
    const data = { datasets: datasets(view, theme, marks) };
    this.span = marks.span && { ...marks.span, colour: theme.span };
    if (!this.chart) {
      this.chart = new Chart(this.canvas, { type: 'scatter', data, options: this.options(view, theme), plugins: [this.spanPlugin] });
    } else {
      this.chart.data = data;
      this.chart.options = this.options(view, theme);
      // Drawn here; a new chart drew itself when made (at its box's height, set above).
      if (resized) this.chart.resize();
      this.chart.update('none');
    }
    // What the draw used, for the harness (and anyone checking a theme).
    const a = this.chart.chartArea;
    Object.assign(this.canvas.dataset, {
      labelColor: theme.foreground,
      gridColor: theme.grid,
      themeKind: theme.kind,
      chartArea: [a.left, a.top, a.right, a.bottom].map(Math.round).join(','),
    });
  }

  /** The time at a horizontal pixel of the canvas. */
  timeAt(px: number): number | undefined {
    return this.chart?.scales.x.getValueForPixel(px);
  }

  get ready(): boolean {
    return !!this.chart;
  }
}
