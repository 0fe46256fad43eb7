/**
 * The theme's colours as the chart draws them, read from VS Code's `--vscode-*` variables
 * at every draw (they change with the theme while the panel is open), and a watch that
 * redraws when the theme changes.
 */
import { type Colord, colord, extend } from 'colord';
import a11yPlugin from 'colord/plugins/a11y';
import mixPlugin from 'colord/plugins/mix';

extend([a11yPlugin, mixPlugin]);

export interface ThemeColors {
  /** `data-vscode-theme-kind` of the body: vscode-light, vscode-dark, vscode-high-contrast, vscode-high-contrast-light. */
  kind: string;
  /** Lane labels and time ticks: the theme's foreground, as it is. */
  foreground: string;
  background: string;
  grid: string;
  /** The ring around the bins whose messages are listed. */
  selection: string;
  /** The shade over their time span. */
  span: string;
  /** The ring around the keyboard's bin. */
  cursor: string;
  tooltip: { background: string; foreground: string; border: string };
  font: { family: string; size: number };
  /** The colour of the i-th category (cycling), readable on the background. */
  category(i: number): string;
}

/**
 * Category colours: the theme's chart colours first. Module, FTS and CCU come first in the
 * category order (see main.ts) so that they get the colours the orders panel gives them.
 * Categories 4 apart share a shape (see categoryStyle), so their colours are far apart.
 */
const PALETTE: [string, string][] = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-yellow', '#cca700'],
  ['--vscode-terminal-ansiCyan', '#11a8cd'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-terminal-ansiMagenta', '#bc3fbc'],
];

/** Chart.js point styles that fill: the second cue beside colour (WCAG 1.4.1), one per category in turn. */
export const SHAPES = ['circle', 'rectRot', 'triangle', 'rect'] as const;
export type Shape = (typeof SHAPES)[number];

/** Colour and shape of the i-th category: colours cycle, the shape moves on each cycle so pairs stay distinct. */
export function categoryStyle(i: number): { colour: number; shape: Shape } {
  return { colour: i % PALETTE.length, shape: SHAPES[(i + Math.floor(i / PALETTE.length)) % SHAPES.length] };
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || getComputedStyle(document.body).getPropertyValue(name).trim();
}

function parsed(value: string, fallback: string): Colord {
  const c = colord(value);
  return c.isValid() ? c : colord(fallback);
}

/** A colour as drawn over the background (a translucent border is lighter than its hex says). */
function opaque(c: Colord, background: Colord): Colord {
  const a = c.alpha();
  return a >= 1 ? c : background.mix(c.alpha(1), a, 'rgb');
}

/** The colour, moved towards the foreground until it stands out from the background by `min`:1. */
export function readable(c: Colord, background: Colord, foreground: Colord, min: number): string {
  let x = opaque(c, background);
  for (let step = 1; x.contrast(background) < min && step <= 10; step++) x = opaque(c, background).mix(foreground, step / 10, 'rgb');
  return x.toHex();
}

export function readThemeColors(): ThemeColors {
  const kind = document.body.dataset.vscodeThemeKind ?? document.body.className;
  const highContrast = kind.includes('high-contrast');
  const fgText = cssVar('--vscode-foreground') || '#cccccc';
  const fg = parsed(fgText, '#cccccc');
  const bg = parsed(cssVar('--vscode-editor-background'), highContrast ? '#000000' : '#1f1f1f');
  // Graphical objects need 3:1 (WCAG 1.4.11); high contrast themes ask for more.
  const min = highContrast ? 4.5 : 3;
  const grid = opaque(parsed(cssVar('--vscode-panel-border') || cssVar('--vscode-editorWidget-border'), bg.mix(fg, 0.2, 'rgb').toHex()), bg).toHex();
  // Opaque: some themes' chart colours are translucent highlights (orange is the minimap's find match), a faded dot reads as grey.
  const palette = PALETTE.map(([name, fallback]) => readable(parsed(cssVar(name), fallback).alpha(1), bg, fg, min));
  const hover = (name: string, fallback: string): string => opaque(parsed(cssVar(name), fallback), bg).toHex();
  return {
    kind,
    foreground: fgText,
    background: bg.toHex(),
    grid,
    selection: fg.toHex(),
    span: fg.alpha(highContrast ? 0.3 : 0.14).toRgbString(),
    cursor: readable(parsed(cssVar('--vscode-focusBorder'), '#0078d4'), bg, fg, min),
    tooltip: {
      background: hover('--vscode-editorHoverWidget-background', bg.toHex()),
      foreground: hover('--vscode-editorHoverWidget-foreground', fg.toHex()),
      border: hover('--vscode-editorHoverWidget-border', grid),
    },
    font: { family: cssVar('--vscode-font-family') || 'sans-serif', size: Number.parseFloat(cssVar('--vscode-font-size')) || 13 },
    category: (i) => palette[categoryStyle(i).colour],
  };
}

/**
 * Calls `onChange` (once a frame) when the theme changes: VS Code sets the new variables on
 * <html> and the theme's class and kind on <body> when the user picks another theme.
 */
export function watchTheme(onChange: () => void): void {
  let pending = false;
  const fire = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      onChange();
    });
  };
  const observer = new MutationObserver(fire);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind', 'data-vscode-theme-id'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}
