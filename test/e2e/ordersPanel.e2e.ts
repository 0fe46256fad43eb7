import * as assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { Browser, FrameLocator } from 'playwright-core';
import { ROOT, removeTempDirs, runCli } from '../helpers';
import { CodeServer, VSIX, skipUnlessReady } from './codeServer';
import { Workbench, launchBrowser, until } from './workbench';
import { sampleWorkspace } from './workspace';

const SESSION = 'red-storage-production_20260807_113213';

interface CliOrder {
  orderId: string;
  type?: string;
  workpieceType?: string;
  state?: string;
  firstSeenMs: number;
  durationMs: number;
  messages: number;
  modules: string[];
  fts: string[];
}
interface CliTransition {
  messageId: number;
  topic: string;
}

/** What the list shows without scrolling sideways: the box's widths, and each header's right edge against the box's. */
function listFit(): { scroll: number; client: number; docScroll: number; docClient: number; chainScroll: number; chainClient: number; headers: string[]; clipped: string[] } {
  const chain = document.querySelector('section.chain') as HTMLElement;
  const box = document.querySelector('.list-box') as HTMLElement;
  const right = box.getBoundingClientRect().right;
  const ths = [...document.querySelectorAll<HTMLElement>('.orders-table th')];
  return {
    scroll: box.scrollWidth,
    client: box.clientWidth,
    docScroll: document.documentElement.scrollWidth,
    docClient: document.documentElement.clientWidth,
    chainScroll: chain.scrollWidth,
    chainClient: chain.clientWidth,
    headers: ths.map((t) => t.textContent ?? ''),
    clipped: ths.filter((t) => t.getBoundingClientRect().right > right + 1).map((t) => t.textContent ?? ''),
  };
}

/** The README's screenshots come from this run. */
async function toDocs(shot: string): Promise<void> {
  await mkdir(path.join(ROOT, 'docs', 'screenshots'), { recursive: true });
  await copyFile(shot, path.join(ROOT, 'docs', 'screenshots', path.basename(shot)));
}

const rowIds = (frame: FrameLocator): Promise<string[]> => frame.locator('.orders-table tbody tr[data-order]').evaluateAll((rs) => rs.map((r) => (r as HTMLElement).dataset.order ?? ''));

async function assertFits(frame: FrameLocator, where: string): Promise<void> {
  const fit = await frame.locator('body').evaluate(listFit);
  assert.deepEqual(fit.headers, ['Order', 'Type', 'State', 'First seen', 'Duration', 'Msgs', 'Modules'], where);
  assert.ok(fit.scroll <= fit.client + 1, `${where}: the list scrolls sideways (${fit.scroll} > ${fit.client})`);
  assert.ok(fit.docScroll <= fit.docClient + 1, `${where}: the page scrolls sideways (${fit.docScroll} > ${fit.docClient})`);
  assert.deepEqual(fit.clipped, [], `${where}: columns cut off`);
  assert.ok(fit.chainScroll <= fit.chainClient + 1, `${where}: the chain is wider than its pane (${fit.chainScroll} > ${fit.chainClient})`);
}

/** The theme kind, and the worst contrast of the timeline's bars (text on bar, bar on background) and of the steps' text. */
function chainContrast(): { kind: string; worst: number; where: string } {
  // tsx names the inner functions with a helper the page does not have.
  (globalThis as { __name?: unknown }).__name ??= Object;
  const rgb = (c: string): number[] => (/rgba?\(([^)]+)\)/.exec(c)?.[1] ?? '0,0,0').split(',').map(Number);
  const lum = (c: number[]): number => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const x = v / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a: string, b: string): number => {
    const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const page = getComputedStyle(document.body).backgroundColor;
  const pairs: [string, string, string][] = [];
  for (const e of document.querySelectorAll<HTMLElement>('.chain-timeline .span')) {
    const st = getComputedStyle(e);
    pairs.push([`bar ${e.className}`, st.color, st.backgroundColor], [`bar ${e.className} on the page`, st.backgroundColor, page]);
  }
  for (const sel of ['table.steps td', '.why', '.order-meta dt', '.orders-table .col-state']) {
    const e = document.querySelector<HTMLElement>(sel);
    if (e) pairs.push([sel, getComputedStyle(e).color, page]);
  }
  let worst = Infinity;
  let where = '';
  for (const [w, a, b] of pairs) {
    const r = ratio(a, b);
    if (r < worst) [worst, where] = [r, `${w}: ${a} on ${b}`];
  }
  return { kind: document.body.dataset.vscodeThemeKind ?? '', worst, where };
}

describe('the orders panel in a real VS Code', function () {
  this.timeout(600_000);
  let browser: Browser;
  let cs: CodeServer;
  let wb: Workbench;
  let ws: string;
  let orders: CliOrder[];
  let frame: FrameLocator;

  before(async function () {
    skipUnlessReady(this);
    ws = await sampleWorkspace(1);
    const cli = await runCli(['orders', path.join(ws, 'sessions', SESSION), '--json']);
    orders = JSON.parse(cli.stdout) as CliOrder[];
    assert.equal(orders.length, 22, cli.stderr);
    cs = await CodeServer.start({ vsix: VSIX, folder: ws, trusted: true });
    browser = await launchBrowser();
    wb = await Workbench.open(browser, cs.url);
    await wb.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(cs.url).origin });
    await wb.openContainer();
    await wb.runCommand('MQTT Sessions: Open Order Flow');
    await wb.pick(SESSION);
    frame = wb.webview();
    await frame.locator('.orders-table tbody tr[data-order]').nth(21).waitFor({ timeout: 60_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(`failed-${this.currentTest.title.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}`).catch(() => undefined);
  });

  after(async () => {
    await browser?.close();
    await cs?.stop();
    await removeTempDirs();
  });

  it('orders at the default width: every column without sideways scroll, short ids with the full id in the title, a placeholder before a selection', async () => {
    const width = await frame.locator('body').evaluate(() => window.innerWidth);
    assert.ok(width >= 900, `the default width is wide (${width} px)`);
    await assertFits(frame, `default width ${width} px`);
    const ids = await frame.locator('.orders-table tbody .col-order .id').evaluateAll((s) => s.map((e) => ({ text: e.textContent ?? '', title: (e as HTMLElement).title })));
    assert.deepEqual(
      ids.map((i) => i.title),
      orders.map((o) => o.orderId),
    );
    for (const i of ids) assert.equal(i.text, i.title.slice(0, 8), i.title);
    // Order "0" has no type or state: dashes, not empty dots.
    const zero = frame.locator('tr[data-order="0"]');
    assert.equal(await zero.locator('.col-type').textContent(), '–');
    assert.equal(await zero.locator('.col-state').textContent(), '–');
    assert.match((await frame.locator('.orders-table tbody tr').first().locator('.col-firstSeen').textContent()) ?? '', /^\d\d:\d\d:\d\d\.\d{3}$/);
    assert.equal(await frame.locator('.date-line').textContent(), 'Times on 2026-08-07, UTC');
    assert.match((await frame.locator('section.chain .placeholder').textContent()) ?? '', /^Select an order in the list to see its chain/);
    // Side by side: the chain to the right of the list.
    const [list, chain] = [await frame.locator('.order-list').boundingBox(), await frame.locator('section.chain').boundingBox()];
    assert.ok(list && chain && chain.x > list.x + list.width - 1, JSON.stringify({ list, chain }));
    await wb.screenshot('orders-panel-placeholder');
  });

  it('sorting and filtering the orders change the rows', async () => {
    const byDuration = [...orders].sort((a, b) => a.durationMs - b.durationMs || a.firstSeenMs - b.firstSeenMs).map((o) => o.orderId);
    await frame.locator('th[data-sort="duration"] button').click();
    await until('sorted by duration', () => rowIds(frame), (r) => r.join() === byDuration.join());
    assert.equal(await frame.locator('th[data-sort="duration"]').getAttribute('aria-sort'), 'ascending');
    await frame.locator('th[data-sort="duration"] button').click();
    const desc = [...orders].sort((a, b) => b.durationMs - a.durationMs || b.firstSeenMs - a.firstSeenMs).map((o) => o.orderId);
    await until('sorted by duration, longest first', () => rowIds(frame), (r) => r.join() === desc.join());
    assert.equal(await frame.locator('th[data-sort="duration"]').getAttribute('aria-sort'), 'descending');
    await frame.locator('th[data-sort="firstSeen"] button').click();
    await until('sorted by first seen', () => rowIds(frame), (r) => r.join() === orders.map((o) => o.orderId).join());

    const errors = orders.filter((o) => o.state === 'ERROR').map((o) => o.orderId);
    assert.ok(errors.length > 0 && errors.length < orders.length);
    await frame.locator('select.filter-state').selectOption('ERROR');
    await until('only orders in ERROR', () => rowIds(frame), (r) => r.join() === errors.join());
    assert.equal(await frame.locator('.filters .count').textContent(), `${errors.length} of 22 orders`);
    const whiteErrors = orders.filter((o) => o.state === 'ERROR' && o.type === 'PRODUCTION' && o.workpieceType === 'WHITE').map((o) => o.orderId);
    await frame.locator('select.filter-type').selectOption('PRODUCTION WHITE');
    await until('white production orders in ERROR', () => rowIds(frame), (r) => r.join() === whiteErrors.join());
    await frame.locator('select.filter-state').selectOption('');
    await frame.locator('select.filter-type').selectOption('');
    await frame.locator('input.filter-text').fill('0d1d');
    await until('the order found by its id', () => rowIds(frame), (r) => r.length === 1 && r[0].startsWith('0d1d8719'));
    await frame.locator('input.filter-text').fill('MILL');
    const mill = orders.filter((o) => o.modules.includes('MILL')).map((o) => o.orderId);
    await until('the orders through the MILL', () => rowIds(frame), (r) => r.join() === mill.join());
    await frame.locator('input.filter-text').fill('');
    await until('every order again', () => rowIds(frame), (r) => r.length === 22);
  });

  it('a selected order is drawn as a timeline per station with its steps under it, as the CLI has it', async () => {
    const order = orders.find((o) => o.orderId.startsWith('0d1d8719'));
    assert.ok(order);
    const one = await runCli(['orders', path.join(ws, 'sessions', SESSION), '--order', order.orderId, '--json']);
    const transitions = (JSON.parse(one.stdout) as { transitions: CliTransition[] }).transitions;
    await frame.locator(`tr[data-order="${order.orderId}"]`).click();
    await frame.locator(`section.chain[data-order="${order.orderId}"]`).waitFor({ timeout: 30_000 });
    assert.equal(await frame.locator('.chain-head h2').textContent(), 'Order 0d1d8719');
    assert.equal(await frame.locator('.chain-head .full-id').textContent(), order.orderId);
    const meta = (await frame.locator('.order-meta').textContent()) ?? '';
    assert.ok(meta.includes(`Modules${order.modules.join(' → ')}`), meta);
    assert.ok(meta.includes(`Messages${order.messages}`), meta);
    assert.ok(meta.includes('TypePRODUCTION RED') && meta.includes('StateFINISHED'), meta);

    const stations = await frame.locator('.chain-timeline .station[data-station]').evaluateAll((rows) => rows.map((r) => ({ name: (r as HTMLElement).dataset.station ?? '', kind: r.className, marks: r.querySelectorAll('.span, .point').length })));
    assert.equal(stations[0].name, 'CCU', JSON.stringify(stations));
    for (const m of order.modules) assert.ok(stations.some((s) => s.name.startsWith(`${m} (`) && s.kind.includes('module')), `a row for ${m}: ${JSON.stringify(stations)}`);
    for (const f of order.fts) assert.ok(stations.some((s) => s.name === `FTS (${f})` && s.kind.includes('fts')), `a row for FTS ${f}: ${JSON.stringify(stations)}`);
    for (const s of stations) assert.ok(s.marks > 0, `${s.name} has marks`);
    assert.match((await frame.locator('.chain-timeline').getAttribute('aria-label')) ?? '', /^Chain of the order on one time axis from \d\d:\d\d:\d\d\.\d{3} to \d\d:\d\d:\d\d\.\d{3}: CCU, \d+ steps; /);
    const bar = frame.locator('.chain-timeline .station[data-station^="HBW"] .span').first();
    assert.match((await bar.getAttribute('title')) ?? '', /^DROP: \d\d:\d\d:\d\d\.\d{3} – \d\d:\d\d:\d\d\.\d{3} \([\d.]+ s\) · /);

    // The CCU's first message carries the whole plan: one time, the changes under it, and why.
    const first = transitions.filter((t) => t.messageId === transitions[0].messageId);
    assert.ok(first.length > 1);
    const group = frame.locator('table.steps tr.message-group').first();
    assert.equal(await group.locator('.why').textContent(), `${first.length} changes in one message from the CCU on ${first[0].topic}: sent together, so they share its time`);
    assert.match((await group.locator('td.time').textContent()) ?? '', /^\d\d:\d\d:\d\d\.\d{3}$/);
    const under = await frame.locator('table.steps tbody tr').evaluateAll((rs, n) => rs.slice(1, 1 + n).map((r) => r.className + '|' + (r.querySelector('td.time')?.textContent ?? '')), first.length);
    assert.deepEqual(under, first.map(() => 'in-group|'));
    assert.equal(await frame.locator('table.steps tbody tr:not(.message-group)').count(), transitions.length);

    await assertFits(frame, 'default width, an order selected');
    await toDocs(await wb.screenshot('orders-panel'));

    await frame.locator('tr.selected button.copy').click();
    await until('the full id on the clipboard', () => wb.page.evaluate(() => navigator.clipboard.readText()).catch((e: Error) => e.message), (t) => t === order.orderId, 15_000);
  });

  it('keeps the sort, the filter and the selected order across a window reload', async () => {
    await frame.locator('th[data-sort="messages"] button').click();
    await frame.locator('th[data-sort="messages"] button').click();
    await frame.locator('select.filter-type').selectOption('PRODUCTION RED');
    const red = orders.filter((o) => o.type === 'PRODUCTION' && o.workpieceType === 'RED').sort((a, b) => b.messages - a.messages || b.firstSeenMs - a.firstSeenMs).map((o) => o.orderId);
    await until('red production orders, most messages first', () => rowIds(frame), (r) => r.join() === red.join());
    await frame.locator(`tr[data-order="${red[0]}"]`).click();
    await frame.locator(`section.chain[data-order="${red[0]}"]`).waitFor({ timeout: 30_000 });
    await wb.page.waitForTimeout(500);
    await wb.runCommand('Developer: Reload Window');
    await wb.page.waitForTimeout(1500);
    await wb.ready();
    frame = wb.webview();
    await frame.locator(`section.chain[data-order="${red[0]}"]`).waitFor({ timeout: 90_000 });
    assert.deepEqual(await rowIds(frame), red);
    assert.equal(await frame.locator('th[data-sort="messages"]').getAttribute('aria-sort'), 'descending');
    assert.equal(await frame.locator('select.filter-type').inputValue(), 'PRODUCTION RED');
    assert.equal(await frame.locator('tr.selected').getAttribute('data-order'), red[0]);
    await frame.locator('select.filter-type').selectOption('');
    await frame.locator('th[data-sort="firstSeen"] button').click();
    await until('every order again', () => rowIds(frame), (r) => r.length === 22);
  });

  it('at a split width (~700 px) the panel stacks, nothing scrolls sideways and a clicked row keeps its id in view', async () => {
    const wide = await frame.locator('body').evaluate(() => window.innerWidth);
    const size = wb.page.viewportSize() ?? { width: 1500, height: 950 };
    await wb.page.setViewportSize({ width: size.width - (wide - 700), height: size.height });
    try {
      const width = await until('the panel at a split width', () => frame.locator('body').evaluate(() => window.innerWidth), (w) => w < 900 && w > 600);
      await assertFits(frame, `split width ${width} px`);
      const [list, chain] = [await frame.locator('.order-list').boundingBox(), await frame.locator('section.chain').boundingBox()];
      assert.ok(list && chain && chain.y >= list.y + list.height - 1, `stacked: ${JSON.stringify({ list, chain })}`);
      const row = frame.locator('tr[data-order^="3ae37a45"]');
      await row.click();
      await frame.locator('section.chain[data-order^="3ae37a45"]').waitFor({ timeout: 30_000 });
      const scrolled = await frame.locator('body').evaluate(() => ({ list: (document.querySelector('.list-box') as HTMLElement).scrollLeft, page: window.scrollX }));
      assert.deepEqual(scrolled, { list: 0, page: 0 });
      const id = await row.locator('.id').boundingBox();
      assert.ok(id && id.x >= 0 && id.x + id.width <= width, `the id in view: ${JSON.stringify(id)}`);
      assert.equal(await row.locator('.id').textContent(), '3ae37a45');
      await until('the chain drawn', () => frame.locator('.chain-timeline .station[data-station]').count(), (n) => n >= 3);
      await assertFits(frame, `split width ${width} px, an order selected`);
      // The screenshot shows the production order: its chain passes every kind of station.
      await frame.locator('tr[data-order^="0d1d8719"]').click();
      await frame.locator('section.chain[data-order^="0d1d8719"] .chain-timeline').scrollIntoViewIfNeeded({ timeout: 30_000 });
      await toDocs(await wb.screenshot('orders-panel-split'));
    } finally {
      await wb.page.setViewportSize(size);
    }
  });

  it('reads in dark and high-contrast themes: the bars and the text keep their contrast', async () => {
    await frame.locator('section.chain .chain-timeline .span').first().waitFor({ timeout: 30_000 });
    const themes = [
      ['Dark Modern', 'vscode-dark', 'orders-panel-dark'],
      ['Dark High Contrast', 'vscode-high-contrast', 'orders-panel-hc'],
      ['Light High Contrast', 'vscode-high-contrast-light', undefined],
      ['Light Modern', 'vscode-light', undefined],
    ] as const;
    for (const [theme, kind, shot] of themes) {
      await wb.runCommand('Preferences: Color Theme');
      await wb.answer(theme);
      const seen = await until(`the panel in ${theme}`, () => frame.locator('body').evaluate(chainContrast), (c) => c.kind === kind);
      assert.ok(seen.worst >= 3, `${theme}: ${seen.worst.toFixed(2)}:1 for ${seen.where}`);
      if (shot) await wb.screenshot(shot);
    }
  });
});
