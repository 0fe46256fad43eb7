import * as assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Browser, FrameLocator } from 'playwright-core';
import { SessionLogWriter } from '../../src/core/session/logWriter';
import { formatTimestamp } from '../../src/core/session/timestamps';
import { ROOT, removeTempDirs, runCli } from '../helpers';
import { CodeServer, VSIX, skipUnlessMeasuring, skipUnlessReady } from './codeServer';
import { Workbench, launchBrowser } from './workbench';
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
    const box = await frame.locator('canvas').boundingBox();
    assert.ok(box);
    await wb.page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await wb.page.mouse.down();
    await wb.page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await wb.page.mouse.up();
    await waitDrawnAfter(frame, first);
    const after = await frame.locator('.range').textContent();
    assert.notEqual(after, before);
    await wb.screenshot('session-panel-zoomed');
    await frame.locator('#reset-zoom').click();
    await wb.page.mouse.click(box.x + box.width * 0.5, box.y + 30);
    await frame.locator('section.detail[data-id]').waitFor({ timeout: 30_000 });
    assert.match((await frame.locator('section.detail .meta').textContent()) ?? '', /QoS \d · \d+ bytes/);
    await frame.locator('table.messages tbody tr').first().waitFor();
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

  it('an order chain matches the CLI', async () => {
    const cli = await runCli(['orders', path.join(ws, 'sessions', 'red-storage-production_20260807_113213'), '--json']);
    const order = (JSON.parse(cli.stdout) as { orderId: string; modules: string[]; messages: number }[]).find((o) => o.orderId.startsWith('0d1d8719'));
    assert.ok(order, cli.stderr);
    await wb.runCommand('View: Close All Editors');
    await wb.runCommand('MQTT Sessions: Open Order Flow');
    await wb.pick('red-storage-production_20260807_113213');
    const frame = wb.webview();
    await frame.locator(`tr[data-order="${order.orderId}"]`).click({ timeout: 60_000 });
    await frame.locator(`section.chain[data-order="${order.orderId}"]`).waitFor({ timeout: 30_000 });
    const text = (await frame.locator('section.chain').textContent()) ?? '';
    assert.ok(text.includes(`Modules: ${order.modules.join(' → ')}`), text.slice(0, 500));
    assert.ok(text.includes(`${order.messages} messages`), text.slice(0, 500));
    await wb.screenshot('orders-panel');
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

  it('reads in light and dark themes (screenshots)', async () => {
    for (const theme of ['Light Modern', 'Dark Modern']) {
      await wb.runCommand('Preferences: Color Theme');
      await wb.answer(theme);
      await wb.page.waitForTimeout(1500);
      await wb.screenshot(`session-panel-${theme.split(' ')[0].toLowerCase()}`);
    }
  });
});

/** Issue 8's measurement: the panel on the million-message session of bench:index (index present). */
describe('the session panel on 1,000,000 messages (measured, E2E_MEASURE=1)', function () {
  this.timeout(900_000);
  const log = path.join(ROOT, '.bench', 'synthetic-factory-1000000_20260115_080000.log');

  it('first timeline after opening, and a zoom round trip', async function () {
    skipUnlessMeasuring(this, [log, log.replace(/\.log$/, '.db')], '`npm run bench:analyze` built the synthetic session and its index');
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
        const row = wb.quickPick().locator('.monaco-list-row', { hasText: 'synthetic-factory-1000000' }).first();
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
      await wb.screenshot('session-panel-1m');
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
