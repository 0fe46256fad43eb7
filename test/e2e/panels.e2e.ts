import * as assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Browser, FrameLocator } from 'playwright-core';
import { SessionLogWriter } from '../../src/core/session/logWriter';
import { formatTimestamp } from '../../src/core/session/timestamps';
import { ROOT, removeTempDirs } from '../helpers';
import { CodeServer, VSIX, skipUnlessMeasuring, skipUnlessReady } from './codeServer';
import { Workbench, launchBrowser, until } from './workbench';
import { sampleWorkspace } from './workspace';

const HOSTILE_TOPIC = 'evil/<img src=x onerror="window.__pwned=1">';
const HOSTILE_PAYLOAD = '<script>window.__pwned=2</script>';

/** The sample workspace plus a session and a live-session record that carry HTML. */
async function hostileWorkspace(): Promise<string> {
  const ws = await sampleWorkspace(1);
  const w = new SessionLogWriter(path.join(ws, 'sessions', 'hostile_20260101_000000.log'));
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < 6; i++) {
    const ts = t0 + i * 1000;
    w.writeMessage({ topic: HOSTILE_TOPIC, payload: HOSTILE_PAYLOAD, payloadEncoding: 'utf8', timestamp: formatTimestamp(ts), tsMs: ts, qos: 0, retain: false });
    const json = JSON.stringify({ note: `<img src=x onerror="window.__pwned=3"> ${i}` });
    w.writeMessage({ topic: 'json/<b>bold</b>', payload: json, payloadEncoding: 'utf8', timestamp: formatTimestamp(ts + 1), tsMs: ts + 1, qos: 0, retain: false });
  }
  w.close({ status: 'completed' });
  await mkdir(path.join(ws, 'live'), { recursive: true });
  await writeFile(
    path.join(ws, 'live', '20260101T000000_live_evil.json'),
    JSON.stringify({
      session_id: '<b>evil</b>',
      run_type: 'live',
      status: 'failed',
      started_at: '2026-01-01T00:00:00',
      error: '<script>window.__pwned=4</script>',
      config: { note: '<img src=x onerror="window.__pwned=5">' },
    }),
  );
  return ws;
}

async function drawnAt(frame: FrameLocator): Promise<number> {
  return Number((await frame.locator('body').getAttribute('data-timeline-drawn')) ?? 0);
}

async function waitDrawnAfter(frame: FrameLocator, after: number, timeoutMs = 30_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const at = await drawnAt(frame).catch(() => 0);
    if (at > after) return at;
    if (Date.now() > end) throw new Error('the timeline was not drawn');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pwned = (frame: FrameLocator): Promise<unknown> => frame.locator('body').evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);

/** Opens the session's timeline from the palette and waits for its first drawing. */
async function openTimeline(wb: Workbench, session: string): Promise<FrameLocator> {
  await wb.runCommand('MQTT Sessions: Open Session Timeline');
  await wb.pick(session);
  const frame = wb.webview();
  await waitDrawnAfter(frame, 0, 60_000);
  return frame;
}

const boxLabel = (frame: FrameLocator, category: string): Promise<string> =>
  frame.locator(`vscode-checkbox[data-category="${category}"]`).evaluate((b) => (b as HTMLElement & { label: string }).label);

/** The lanes top to bottom, as the keyboard list (built from the same lanes as the chart) names them. */
const laneOrder = (frame: FrameLocator): Promise<string[]> => frame.locator('[role="listbox"] [role="option"]').evaluateAll((os) => os.map((o) => (o.textContent ?? '').split(',')[0]));

/** Drags across the chart from one fraction of its width to another: a zoom. */
async function dragAcross(wb: Workbench, frame: FrameLocator, from: number, to: number): Promise<void> {
  const box = await frame.locator('canvas').boundingBox();
  assert.ok(box);
  await wb.page.mouse.move(box.x + box.width * from, box.y + box.height / 2);
  await wb.page.mouse.down();
  await wb.page.mouse.move(box.x + box.width * to, box.y + box.height / 2, { steps: 5 });
  await wb.page.mouse.up();
}

/**
 * Runs in the panel: what the last draw says it used, the theme's colours now, and the
 * pixels of the canvas in the theme's foreground left of the plot (lane labels) and
 * below it (time ticks); the legend's colours' contrast on the background.
 */
function drawnColours(canvas: HTMLCanvasElement): { kind: string; label: string; foreground: string; grid: string; border: string; labelPixels: number; tickPixels: number; contrasts: [string, number][] } {
  // tsx names the functions below with a helper that lives in the test's process, not in the page.
  (globalThis as { __name?: unknown }).__name ??= Object;
  const css = (name: string): string => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const rgb = (colour: string): number[] => {
    const probe = document.createElement('span');
    probe.style.color = colour;
    document.body.append(probe);
    const m = /rgba?\(([^)]+)\)/.exec(getComputedStyle(probe).color);
    probe.remove();
    return (m?.[1] ?? '0,0,0').split(',').map(Number);
  };
  const hex = (c: number[]): string => `#${c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
  const bg = rgb(css('--vscode-editor-background'));
  const over = (c: number[]): number[] => (c.length > 3 && c[3] < 1 ? c.slice(0, 3).map((v, i) => v * c[3] + bg[i] * (1 - c[3])) : c);
  const lum = (c: number[]): number => {
    const [r, g, b] = c.map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a: number[], b: number[]): number => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
  const fg = rgb(css('--vscode-foreground'));
  const [left, top, right, bottom] = (canvas.dataset.chartArea ?? '0,0,0,0').split(',').map(Number);
  const scale = canvas.width / canvas.clientWidth;
  const count = (x0: number, y0: number, x1: number, y1: number): number => {
    const w = Math.max(1, Math.floor((x1 - x0) * scale));
    const h = Math.max(1, Math.floor((y1 - y0) * scale));
    const d = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(Math.floor(x0 * scale), Math.floor(y0 * scale), w, h).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200 && Math.abs(d[i] - fg[0]) + Math.abs(d[i + 1] - fg[1]) + Math.abs(d[i + 2] - fg[2]) <= 24) n++;
    return n;
  };
  const border = css('--vscode-panel-border') || css('--vscode-editorWidget-border');
  return {
    kind: document.body.dataset.vscodeThemeKind ?? '',
    label: hex(rgb(canvas.dataset.labelColor ?? '')),
    foreground: hex(fg),
    grid: hex(rgb(canvas.dataset.gridColor ?? '')),
    border: hex(over(rgb(border))),
    labelPixels: count(0, top, left - 2, bottom),
    tickPixels: count(left, bottom + 2, right, canvas.clientHeight),
    contrasts: [...document.querySelectorAll<HTMLElement>('.legend li')].map((li) => [li.dataset.category ?? '', contrast(rgb(li.dataset.colour ?? ''), bg)]),
  };
}

describe('the panels in a real VS Code', function () {
  this.timeout(600_000);
  let browser: Browser;
  let cs: CodeServer;
  let wb: Workbench;
  let ws: string;

  before(async function () {
    skipUnlessReady(this);
    ws = await hostileWorkspace();
    cs = await CodeServer.start({ vsix: VSIX, folder: ws, trusted: true });
    browser = await launchBrowser();
    wb = await Workbench.open(browser, cs.url);
    await wb.openContainer();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(`failed-${this.currentTest.title.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}`).catch(() => undefined);
  });

  after(async () => {
    await browser?.close();
    await cs?.stop();
    await removeTempDirs();
  });

  it('the session panel draws lanes; zoom re-queries the range; a click shows a payload', async () => {
    await wb.runCommand('MQTT Sessions: Open Session Timeline');
    await wb.pick('red-storage-production_20260807_113213');
    const frame = wb.webview();
    const first = await waitDrawnAfter(frame, 0, 60_000);
    const lanes = Number(await frame.locator('body').getAttribute('data-lanes'));
    assert.equal(lanes, 25, 'the 38 topics less the 13 hidden by default');
    const before = await frame.locator('.range').textContent();
    await dragAcross(wb, frame, 0.4, 0.5);
    await waitDrawnAfter(frame, first);
    const box = await frame.locator('canvas').boundingBox();
    assert.ok(box);
    const after = await frame.locator('.range').textContent();
    assert.notEqual(after, before);
    await wb.screenshot('session-panel-zoomed');
    await frame.locator('#reset-zoom').click();
    await wb.page.mouse.click(box.x + box.width * 0.5, box.y + 30);
    await frame.locator('section.detail[data-id]').waitFor({ timeout: 30_000 });
    assert.match((await frame.locator('section.detail .meta').textContent()) ?? '', /QoS \d · \d+ bytes/);
    await frame.locator('table.messages tbody tr').first().waitFor();
    // The picked bin is named beside the chart (and ringed in it).
    assert.match((await frame.locator('.bin-status').textContent()) ?? '', /^Selected: .+ · \d\d:\d\d:\d\d\.\d{3} – \d\d:\d\d:\d\d\.\d{3}: \d+ messages? \(point \d+ of \d+\)$/);
    await wb.screenshot('session-panel');
  });

  it('HTML in topics and payloads shows as text and runs nothing', async () => {
    await wb.runCommand('View: Close All Editors');
    await wb.runCommand('MQTT Sessions: Open Session Timeline');
    await wb.pick('hostile_20260101_000000');
    const frame = wb.webview();
    await waitDrawnAfter(frame, 0, 60_000);
    const box = await frame.locator('canvas').boundingBox();
    assert.ok(box);
    await wb.page.mouse.click(box.x + box.width * 0.5, box.y + 30);
    await frame.locator('section.detail[data-id]').waitFor({ timeout: 30_000 });
    // Each lane's first point: the payloads show as text, the topics too.
    const shown = `${await frame.locator('table.messages').textContent()}\n${await frame.locator('section.detail').textContent()}`;
    assert.ok(shown.includes(HOSTILE_TOPIC) || shown.includes('json/<b>bold</b>'), shown.slice(0, 500));
    assert.ok(shown.includes(HOSTILE_PAYLOAD) || shown.includes('<img src=x onerror'), shown.slice(0, 500));
    await wb.page.mouse.click(box.x + box.width * 0.5, box.y + box.height - 40);
    await wb.page.waitForTimeout(1000);
    const both = `${await frame.locator('table.messages').textContent()}\n${await frame.locator('section.detail').textContent()}`;
    assert.ok(`${shown}${both}`.includes(HOSTILE_PAYLOAD) && `${shown}${both}`.includes('<img src=x onerror'), `${shown}\n${both}`.slice(0, 1000));
    assert.equal(await frame.locator('b').count(), 0, 'no <b> element from the data');
    assert.equal(await frame.locator('img').count(), 0, 'no <img> element from the data');
    assert.equal(await frame.locator('section.detail script').count(), 0);
    assert.equal(await pwned(frame), undefined, 'nothing from the session ran');
  });

  it('a live-session record with HTML in its fields renders escaped', async () => {
    await wb.runCommand('View: Close All Editors');
    await wb.runCommand('MQTT Sessions: Open Live-Session HTML Report');
    await wb.pick('Report of every record');
    const frame = wb.webview();
    await frame.locator('body', { hasText: '<b>evil</b>' }).waitFor({ timeout: 30_000 });
    assert.equal(await frame.locator('b', { hasText: 'evil' }).count(), 0);
    assert.equal(await frame.locator('img').count(), 0);
    assert.ok(((await frame.locator('body').textContent()) ?? '').includes('<script>window.__pwned=4</script>'));
    assert.equal(await pwned(frame), undefined);
    await wb.screenshot('live-session-report');
  });

  it('the session panel comes back after a window reload', async () => {
    await wb.runCommand('View: Close All Editors');
    await wb.runCommand('MQTT Sessions: Open Session Timeline');
    await wb.pick('red-storage-production_20260807_113213');
    await waitDrawnAfter(wb.webview(), 0, 60_000);
    await wb.runCommand('Developer: Reload Window');
    await wb.page.waitForTimeout(1500);
    await wb.ready();
    await waitDrawnAfter(wb.webview(), 0, 90_000);
    assert.equal(Number(await wb.webview().locator('body').getAttribute('data-lanes')), 25);
  });

  it('the timeline colours lanes by category with a legend, keeps their order when zoomed, and counts only what shows', async () => {
    await wb.runCommand('View: Close All Editors');
    const frame = await openTimeline(wb, 'red-storage-production_20260807_113213');
    // The sensors (OSF) are all hidden by default: their box says so, unticked and disabled.
    const osf = frame.locator('vscode-checkbox[data-category="OSF"]');
    assert.equal(await osf.evaluate((b) => [(b as HTMLElement & { label: string }).label, (b as HTMLElement & { checked: boolean }).checked, (b as HTMLElement & { disabled: boolean }).disabled].join('|')), 'OSF (hidden by default)|false|true');
    assert.equal(await boxLabel(frame, 'CCU'), 'CCU (34)', 'the pairing topic (200 messages) is hidden by default');
    // The legend: one entry a category drawn, each its own colour.
    const legend = await frame.locator('.legend li').evaluateAll((lis) => lis.map((li) => `${li.textContent}=${(li as HTMLElement).dataset.colour}`));
    assert.deepEqual(legend.map((l) => l.split('=')[0]), ['Module', 'FTS', 'CCU', 'TXT', 'DSP'], legend.join(', '));
    assert.equal(new Set(legend.map((l) => l.split('=')[1])).size, legend.length, legend.join(', '));
    // No debug timing in the range; the hint says what a click does.
    assert.doesNotMatch((await frame.locator('.range').textContent()) ?? '', /\d ms\b/);
    assert.match((await frame.locator('.hint').textContent()) ?? '', /Click a point to list its messages/);
    const order = await laneOrder(frame);
    assert.deepEqual(order.slice(0, 3).map((t) => t.split('/')[0]), ['module', 'module', 'module'], order.join(', '));
    const drawn = await drawnAt(frame);
    await dragAcross(wb, frame, 0.55, 0.7);
    await waitDrawnAfter(frame, drawn);
    assert.deepEqual(await laneOrder(frame), order, 'the lanes keep their order (and places) when zoomed');
    // Shown again: the sensors' box counts them and is ticked.
    const before = await drawnAt(frame);
    await frame.locator('#show-prefiltered').click();
    await waitDrawnAfter(frame, before);
    assert.equal(await boxLabel(frame, 'OSF'), 'OSF (652)');
    assert.equal(await boxLabel(frame, 'CCU'), 'CCU (234)');
    assert.ok(await frame.locator('vscode-checkbox[data-category="OSF"]').evaluate((b) => (b as HTMLElement & { checked: boolean }).checked));
    assert.ok((await frame.locator('.legend li').allTextContents()).includes('OSF'));
    await frame.locator('#show-prefiltered').click();
    await frame.locator('#reset-zoom').click();
  });

  it('the timeline and the message table work without a pointer', async () => {
    await wb.runCommand('View: Close All Editors');
    const frame = await openTimeline(wb, 'red-storage-production_20260807_113213');
    const canvas = frame.locator('canvas');
    assert.equal(await canvas.getAttribute('role'), 'img');
    assert.match((await canvas.getAttribute('aria-label')) ?? '', /^Timeline of \d+ messages in 25 lanes from 2026-08-07 09:26:46\.964 to 2026-08-07 09:31:24\.194; busiest: /);
    // The tab order goes from the toolbar to the lanes.
    await frame.locator('vscode-button', { hasText: 'Replay Selection' }).focus();
    await wb.page.keyboard.press('Tab');
    const list = frame.locator('[role="listbox"]');
    assert.ok(await list.evaluate((l) => document.activeElement === l), 'Tab reaches the lanes');
    const active = async (): Promise<string> => list.evaluate((l) => document.getElementById(l.getAttribute('aria-activedescendant') ?? '')?.textContent ?? '');
    const first = await active();
    assert.match(first, /^module\/.+, Module, \d+ messages in range; .+: \d+ messages? \(point 1 of \d+\)$/);
    await wb.page.keyboard.press('ArrowRight');
    assert.match(await active(), /\(point 2 of \d+\)$/);
    await wb.page.keyboard.press('ArrowDown');
    const second = await active();
    assert.notEqual(second.split(',')[0], first.split(',')[0], 'ArrowDown moves to the next lane');
    assert.equal(await frame.locator('.bin-status').textContent(), `${second.split(',')[0]} · ${second.split('; ')[1]}`, 'the bin shows beside the chart');
    await wb.page.keyboard.press('Enter');
    await frame.locator('table.messages tbody tr').first().waitFor({ timeout: 30_000 });
    await frame.locator('section.detail[data-id]').waitFor({ timeout: 30_000 });
    assert.ok(((await frame.locator('table.messages tbody').textContent()) ?? '').includes(second.split(',')[0]), 'Enter lists the bin\'s messages');
    // + zooms in around the bin, − out, 0 back to the whole session; the lanes stay.
    const whole = await frame.locator('.range').textContent();
    let drawn = await drawnAt(frame);
    await wb.page.keyboard.press('+');
    drawn = await waitDrawnAfter(frame, drawn);
    assert.notEqual(await frame.locator('.range').textContent(), whole);
    assert.equal(Number(await frame.locator('body').getAttribute('data-lanes')), 25);
    assert.match(await active(), new RegExp(`^${second.split(',')[0].replace(/[/.]/g, '\\$&')},`), 'the cursor stays on its lane');
    await wb.page.keyboard.press('0');
    await waitDrawnAfter(frame, drawn);
    assert.equal(await frame.locator('.range').textContent(), whole);
    // The table: one row in the tab order, arrows between rows, Enter opens the detail.
    const rows = frame.locator('table.messages tbody tr');
    assert.equal(await rows.evaluateAll((rs) => rs.filter((r) => (r as HTMLElement).tabIndex === 0).length), 1);
    if ((await rows.count()) > 1) {
      await rows.first().focus();
      await wb.page.keyboard.press('ArrowDown');
      const id = await rows.nth(1).getAttribute('data-id');
      assert.ok(await rows.nth(1).evaluate((r) => document.activeElement === r));
      await wb.page.keyboard.press('Enter');
      await frame.locator(`section.detail[data-id="${id}"]`).waitFor({ timeout: 30_000 });
      assert.equal(await rows.nth(1).getAttribute('aria-current'), 'true');
    }
    assert.equal(await frame.locator('section.detail pre.payload').getAttribute('tabindex'), '0', 'the payload scrolls from the keyboard');
  });

  it('reads in every theme: lane labels and time ticks in the theme\'s foreground after each switch', async () => {
    await wb.runCommand('View: Close All Editors');
    const frame = await openTimeline(wb, 'red-storage-production_20260807_113213');
    // A picked bin: its ring, the table and the detail are in the screenshots.
    const box = await frame.locator('canvas').boundingBox();
    assert.ok(box);
    await wb.page.mouse.click(box.x + box.width * 0.5, box.y + 30);
    await frame.locator('table.messages tbody tr').first().waitFor({ timeout: 30_000 });
    const themes = [
      ['Light Modern', 'vscode-light', 'session-panel-light'],
      ['Dark Modern', 'vscode-dark', 'session-panel-dark'],
      ['Light High Contrast', 'vscode-high-contrast-light', 'session-panel-hc-light'],
      ['Dark High Contrast', 'vscode-high-contrast', 'session-panel-hc'],
      ['Dark Modern', 'vscode-dark', undefined],
    ] as const;
    for (const [theme, kind, shot] of themes) {
      await wb.runCommand('Preferences: Color Theme');
      await wb.answer(theme);
      const seen = await until(
        `the timeline redrawn in ${theme}`,
        () => frame.locator('canvas').evaluate(drawnColours),
        (d) => d.kind === kind && d.label === d.foreground,
      );
      // The labels and ticks are drawn in it: pixels of that colour left of and below the plot.
      assert.ok(seen.labelPixels > 200, `${theme}: ${seen.labelPixels} label pixels in ${seen.foreground}`);
      assert.ok(seen.tickPixels > 30, `${theme}: ${seen.tickPixels} tick pixels in ${seen.foreground}`);
      assert.equal(seen.grid, seen.border, `${theme}: grid lines in the theme's border colour`);
      for (const [category, ratio] of seen.contrasts) assert.ok(ratio >= 3, `${theme}: ${category} at ${ratio.toFixed(2)}:1 on the background`);
      if (shot) await wb.screenshot(shot);
    }
  });
});

/**
 * Issue 8's measurement, and issue 16's at 10M: the panel on the sessions of bench:index /
 * bench:scale (index present).
 */
for (const count of [1_000_000, 10_000_000]) describe(`the session panel on ${count.toLocaleString('en')} messages (measured, E2E_MEASURE=1)`, function () {
  this.timeout(900_000);
  const log = path.join(ROOT, '.bench', `synthetic-factory-${count}_20260115_080000.log`);

  it('first timeline after opening, and a zoom round trip', async function () {
    skipUnlessMeasuring(this, [log, log.replace(/\.log$/, '.db')], `\`npm run bench:index -- --messages ${count}\` built the synthetic session and its index`);
    const ws = await sampleWorkspace(1);
    // The session where bench:index left it (an absolute folder setting; a copy would be 900 MB).
    await writeFile(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'mqttSessions.sessionFolders': [path.dirname(log)] }));
    const cs = await CodeServer.start({ vsix: VSIX, folder: ws, trusted: true });
    const browser = await launchBrowser();
    try {
      const wb = await Workbench.open(browser, cs.url);
      // As a user would: the window has finished starting before the first panel opens
      // (without this, the first open also waits ~3 s for the starting webview host).
      await wb.openContainer();
      await wb.page.waitForTimeout(5000);
      const firsts: number[] = [];
      const zooms: number[] = [];
      const steps: string[] = [];
      for (let run = 0; run < 5; run++) {
        await wb.runCommand('View: Close All Editors');
        await wb.runCommand('MQTT Sessions: Open Session Timeline');
        const row = wb.quickPick().locator('.monaco-list-row', { hasText: `synthetic-factory-${count}_` }).first();
        await row.waitFor();
        const t0 = Date.now();
        await row.click();
        const frame = wb.webview();
        const drawn = await waitDrawnAfter(frame, 0, 120_000);
        firsts.push(drawn - t0);
        const at = async (step: string): Promise<number> => Number(await frame.locator('body').getAttribute(`data-at-${step}`)) - t0;
        // When VS Code began loading the panel's page: before it, the workbench and its webview host.
        const page = await frame.locator('body').evaluate(() => performance.timeOrigin);
        steps.push(`page ${Math.round(page - t0)}, script ${await at('ready')}, stats ${await at('init')}, timeline ${await at('timeline')}, drawn ${drawn - t0}`);
        const box = await frame.locator('canvas').boundingBox();
        assert.ok(box);
        await wb.page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
        await wb.page.mouse.down();
        await wb.page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
        const z0 = Date.now();
        await wb.page.mouse.up();
        const zoomed = await waitDrawnAfter(frame, drawn, 60_000);
        zooms.push(zoomed - z0);
      }
      await wb.screenshot(`session-panel-${count / 1_000_000}m`);
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      console.log(`      first timeline after opening: ${firsts.join(', ')} ms (median ${median(firsts)}); zoom round trip (30 % of the range): ${zooms.join(', ')} ms (median ${median(zooms)})`);
      console.log(`      steps of each first timeline (ms after the click): ${steps.join('; ')}`);
    } finally {
      await browser.close();
      await cs.stop();
      await removeTempDirs();
    }
  });
});

/**
 * The first webview of a window waits for VS Code's webview host: measured for our panel
 * and, as the reference, for VS Code's own Markdown preview, each in fresh windows.
 */
describe('the first webview of a window, ours next to the Markdown preview (measured, E2E_MEASURE=1)', function () {
  this.timeout(900_000);

  it('from the command to the page loading and to its content', async function () {
    skipUnlessMeasuring(this);
    const ws = await sampleWorkspace(1);
    await writeFile(path.join(ws, 'notes.md'), '# Factory notes\n\nA reference page for the Markdown preview.\n');
    const figures: Record<string, string[]> = {};
    const runs = Number(process.env.E2E_RUNS) || 3;
    for (let run = 0; run < runs; run++) {
      for (const [which, settleMs] of [['markdown', 0], ['ours', 0], ['markdown', 5000], ['ours', 5000]] as const) {
        const cs = await CodeServer.start({ vsix: VSIX, folder: ws, trusted: true });
        const browser = await launchBrowser();
        try {
          const wb = await Workbench.open(browser, cs.url);
          await wb.openContainer();
          await wb.page.waitForTimeout(settleMs);
          let t0: number;
          if (which === 'markdown') {
            await wb.page.keyboard.press('Control+P');
            await wb.quickPick().locator('input').fill('notes.md');
            await wb.quickPick().locator('.monaco-list-row', { hasText: 'notes.md' }).first().click();
            await wb.page.locator('.tab', { hasText: 'notes.md' }).first().waitFor();
            await wb.runCommand('Markdown: Open Preview');
            t0 = Date.now();
          } else {
            await wb.runCommand('MQTT Sessions: Open Session Timeline');
            const row = wb.quickPick().locator('.monaco-list-row', { hasText: 'storage_order_white_20251110_180844' }).first();
            await row.waitFor();
            t0 = Date.now();
            await row.click();
          }
          const frame = wb.webview();
          const shown = which === 'markdown' ? (await frame.locator('h1', { hasText: 'Factory notes' }).waitFor({ timeout: 60_000 }), Date.now()) : await waitDrawnAfter(frame, 0, 60_000);
          const page = await frame.locator('body').evaluate(() => performance.timeOrigin);
          (figures[`${which === 'ours' ? 'our session panel' : 'Markdown preview'}, ${settleMs ? 'the window settled 5 s' : 'the window just started'}`] ??= []).push(`page ${Math.round(page - t0)} / shown ${shown - t0}`);
        } finally {
          await browser.close();
          await cs.stop();
        }
      }
    }
    console.log('      first webview of a window (ms after the command: its page starts loading / its content shows):');
    for (const [what, xs] of Object.entries(figures)) console.log(`        ${what}: ${xs.join('; ')}`);
    await removeTempDirs();
  });
});
