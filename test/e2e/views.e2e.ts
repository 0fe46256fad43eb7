import * as assert from 'node:assert/strict';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Browser, FrameLocator, Locator } from 'playwright-core';
import { Mosquitto } from '../brokers';
import { removeTempDirs, tempDir } from '../helpers';
import { CodeServer, VSIX, skipUnlessReady } from './codeServer';
import { sampleWorkspace } from './workspace';
import { Workbench, launchBrowser, sleep, until } from './workbench';

/** A tree row of a view by its text (the row's aria label holds its description too). */
const row = (wb: Workbench, view: string, text: string | RegExp): Locator => wb.view(view).locator('.monaco-list-row', { hasText: text }).first();

/** The title of the panel in the editor area that is active. */
const activeTab = (wb: Workbench): Promise<string> => wb.page.locator('.tabs-container .tab.active').first().innerText();

/** A context-menu entry: a menu ignores a click right after it opened, so hover and wait first. */
async function menuItem(wb: Workbench, label: string): Promise<void> {
  const item = wb.page.locator('.context-view .action-label', { hasText: label }).first();
  await item.hover();
  await sleep(400);
  await item.click();
  if (await item.isVisible().catch(() => false)) await wb.page.keyboard.press('Enter');
}

async function contextMenu(wb: Workbench, target: Locator): Promise<string[]> {
  await target.click({ button: 'right' });
  const labels = wb.page.locator('.context-view .action-label');
  await labels.first().waitFor();
  return (await labels.allTextContents()).map((t) => t.trim()).filter(Boolean);
}

/** The panel's webview once its timeline is drawn. */
async function drawnPanel(wb: Workbench): Promise<FrameLocator> {
  const frame = wb.webview();
  await until('the timeline drawn', () => frame.locator('body').getAttribute('data-timeline-drawn').catch(() => null), (v) => !!v, 60_000);
  return frame;
}

/** Waits for the quick input to show `text` (its prompt or title): the palette it replaces may still be there. */
async function prompted(wb: Workbench, text: string): Promise<void> {
  await until(`the prompt "${text}"`, () => wb.page.locator('.quick-input-widget').innerText().catch(() => ''), (t) => t.includes(text));
}

async function closeEditors(wb: Workbench): Promise<void> {
  await wb.runCommand('View: Close All Editors');
  await wb.openContainer();
}

async function filesUnder(dir: string, name: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) if (e.name === name) out.push(path.join(e.parentPath, e.name));
  return out;
}

describe('views answer a click: Sessions, Recorder (code-server)', function () {
  this.timeout(600_000);
  let mosquitto: Mosquitto;
  let browser: Browser;
  let cs: CodeServer;
  let wb: Workbench;
  let ws: string;

  before(async function () {
    skipUnlessReady(this);
    mosquitto = await Mosquitto.start();
    ws = await sampleWorkspace(mosquitto.port);
    // One live-session record, as the Python registry writes it (the setting points at live/).
    await mkdir(path.join(ws, 'live'), { recursive: true });
    const record = { session_id: 'session_20251208_001', run_type: 'live_session_shadow', mode: 'shadow', env_name: 'kraken_futures_testnet', symbol: 'BTC/USDT', status: 'completed', started_at: '2025-12-08T14:30:22', finished_at: '2025-12-08T15:30:22+00:00', metrics: { realized_pnl: 1, max_drawdown: 0.05 } };
    await writeFile(path.join(ws, 'live', 'rec_000.json'), JSON.stringify(record, null, 2));
    cs = await CodeServer.start({ vsix: VSIX, folder: ws, trusted: true });
    browser = await launchBrowser();
    wb = await Workbench.open(browser, cs.url);
    await wb.openContainer();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(`failed-views-${this.currentTest.title.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}`).catch(() => undefined);
  });

  after(async () => {
    await browser?.close();
    await cs?.stop();
    await mosquitto?.stop();
    await removeTempDirs();
  });

  it('a click on a session opens its timeline; a click on a topic opens it on that topic alone', async () => {
    await wb.focusView('Sessions');
    const session = 'synthetic-arduino-sensors_20260508_091000';
    await until('the sample sessions', () => wb.rows('Sessions'), (r) => r.some((x) => x.includes(session)), 60_000);
    await row(wb, 'Sessions', session).locator('.label-name').click();
    let frame = await drawnPanel(wb);
    assert.equal(await frame.locator('header h1').innerText(), session);
    const defaultLanes = await frame.locator('body').getAttribute('data-lanes');
    assert.match(await activeTab(wb), new RegExp(session));
    await closeEditors(wb);
    // Items with a click action expand on their twistie.
    await wb.focusView('Sessions');
    await row(wb, 'Sessions', session).locator('.monaco-tl-twistie').click();
    const topic = 'osf/arduino/vibration/mpu6050-1/connection';
    await until('the topics of the session', () => wb.rows('Sessions'), (r) => r.some((x) => x.startsWith(topic)));
    const tip = await row(wb, 'Sessions', topic).getAttribute('aria-label');
    assert.match(tip ?? '', new RegExp(`^${topic}`), 'the whole topic is in the row label (tooltip)');
    await row(wb, 'Sessions', topic).locator('.label-name').click();
    frame = await drawnPanel(wb);
    await until('one lane', () => frame.locator('body').getAttribute('data-lanes'), (n) => n === '1');
    assert.equal(await frame.locator('.only-topic').innerText(), `Only ${topic}`);
    const lanes = await frame.locator('[role="listbox"] [role="option"]').allTextContents();
    assert.ok(lanes[0]?.startsWith(topic), lanes.join('\n'));
    await frame.locator('#show-all-topics').click();
    // Back to the session's default view (its topics hidden by default stay hidden).
    await until('the default lanes again', () => frame.locator('body').getAttribute('data-lanes'), (n) => n === defaultLanes);
    assert.equal(await frame.locator('.only-topic').count(), 0);
    await closeEditors(wb);
  });

  it('a topic row has Open in Timeline, Search in Session… and Copy Topic; Copy Topic says what it copied', async () => {
    await wb.focusView('Sessions');
    const topic = 'osf/arduino/vibration/mpu6050-1/connection';
    const target = row(wb, 'Sessions', topic);
    await target.waitFor();
    const menu = await contextMenu(wb, target);
    for (const m of ['Open in Timeline', 'Search in Session…', 'Copy Topic']) assert.ok(menu.includes(m), `${m} in ${menu.join(' | ')}`);
    await menuItem(wb, 'Copy Topic');
    await until('the status bar says it was copied', () => wb.page.locator('.part.statusbar').innerText(), (t) => t.includes(`Copied ${topic}`));
  });

  it('Search in Session… on a topic and a Search Sessions hit open the panel at that message', async () => {
    await wb.focusView('Sessions');
    const topic = 'osf/arduino/vibration/mpu6050-1/connection';
    await contextMenu(wb, row(wb, 'Sessions', topic));
    await menuItem(wb, 'Search in Session…');
    await prompted(wb, 'empty lists every message');
    await wb.answer('ONLINE');
    const hits = await until('the hits', () => wb.quickPickItems().catch(() => []), (h) => h.length > 0, 120_000);
    assert.ok(hits.length >= 1 && hits.every((h) => h.includes(topic)), hits.join('\n'));
    await wb.page.keyboard.press('Enter');
    let frame = await drawnPanel(wb);
    await until('the message listed and shown', () => frame.locator('.bin-status').innerText().catch(() => ''), (t) => t.startsWith(`Selected: ${topic}`));
    await until('its payload in the detail', () => frame.locator('body').innerText(), (t) => t.includes('"serialNumber":"mpu6050-1"') || t.includes('"serialNumber": "mpu6050-1"'));
    await closeEditors(wb);

    await wb.runCommand('MQTT Sessions: Search Sessions…');
    await prompted(wb, 'Search words in topics and payloads');
    await wb.answer('mpu6050');
    // The first search indexes every session of the folder.
    await until('hits', () => wb.quickPickItems().catch(() => []), (h) => h.some((x) => x.includes('synthetic-arduino-sensors')), 180_000);
    await wb.page.keyboard.press('Enter');
    frame = await drawnPanel(wb);
    assert.match(await activeTab(wb), /synthetic-arduino-sensors/, 'the session panel, not the Markdown report');
    await until('the hit selected', () => frame.locator('.bin-status').innerText().catch(() => ''), (t) => t.startsWith('Selected: osf/arduino/'));
    await closeEditors(wb);
  });

  it('the Recorder view offers what can start; Stop Embedded Broker only while it runs, with feedback', async () => {
    await wb.focusView('Recorder');
    const rows = await until('the idle Recorder rows', () => wb.rows('Recorder'), (r) => r.some((x) => x.startsWith('Embedded broker: stopped')));
    const text = rows.join('\n');
    for (const r of ['Not recording', 'No replay', 'Broker profiles']) assert.ok(text.includes(r), `${r} in\n${text}`);
    assert.match(text, /Embedded broker: stopped.*click to start on port \d+/);
    let offered = await wb.paletteOffers('MQTT Sessions: Stop Embedded Broker');
    assert.ok(!offered.some((o) => o.includes('Stop Embedded Broker')), `not offered while stopped: ${offered.join(' | ')}`);
    await wb.page.keyboard.press('Escape');
    const port = String(mosquitto.port + 1);
    await wb.runCommand('MQTT Sessions: Start Embedded Broker');
    // The command asks for the port, saying what it is for.
    await prompted(wb, 'on the loopback interface only');
    await wb.answer(port);
    await until('the broker row', () => wb.rows('Recorder'), (r) => r.some((x) => x.startsWith('Embedded broker') && x.includes(`:${port}`)));
    offered = await until('Stop offered while it runs', () => wb.paletteOffers('MQTT Sessions: Stop Embedded Broker'), (o) => o.some((x) => x.includes('Stop Embedded Broker')));
    await wb.page.keyboard.press('Escape');
    await wb.runCommand('MQTT Sessions: Stop Embedded Broker');
    await until('a notification that it stopped', () => wb.notifications(), (n) => n.some((x) => x.includes('stopped') && x.includes(port)));
    await wb.focusView('Recorder');
    // A click on the stopped broker starts it on the last port, no prompt.
    await until('the stopped row on the last port', () => wb.rows('Recorder'), (r) => r.some((x) => x.includes(`click to start on port ${port}`)));
    await row(wb, 'Recorder', 'Embedded broker: stopped').locator('.label-name').click();
    await until('started at once', () => wb.rows('Recorder'), (r) => r.some((x) => x.startsWith('Embedded broker') && x.includes(`:${port}`)));
    assert.equal(await wb.page.locator('.quick-input-widget').isVisible(), false, 'no port prompt');
    await wb.runCommand('MQTT Sessions: Stop Embedded Broker');
  });

  it('a finished replay stays as a "Last replay" row until dismissed', async () => {
    await wb.runCommand('MQTT Sessions: Replay Session…');
    await wb.pick('synthetic-arduino-sensors_20260508_091000');
    await wb.pick('e2e-mosquitto');
    await wb.pick('max');
    await wb.quickPick().locator('.monaco-list-row', { hasText: 'Loop' }).waitFor();
    await wb.quickPick().getByRole('button', { name: 'OK' }).click();
    await wb.focusView('Recorder');
    const rows = await until('the last replay row', () => wb.rows('Recorder'), (r) => r.some((x) => x.startsWith('Last replay: synthetic-arduino-sensors_20260508_091000 done')), 60_000);
    assert.ok(rows.some((r) => /30 of 30 messages sent/.test(r)), rows.join('\n'));
    const last = row(wb, 'Recorder', 'Last replay');
    await last.hover();
    await last.locator('.action-label[aria-label="Dismiss"]').click();
    await until('the row gone', () => wb.rows('Recorder'), (r) => !r.some((x) => x.startsWith('Last replay')));
  });

  it('Send to MQTT Broker on settings.json says it is not a test topic (and asks for no broker)', async () => {
    await wb.page.keyboard.press('Control+P');
    await wb.quickPick().locator('input').fill('.vscode/settings.json');
    await wb.quickPick().locator('.monaco-list-row', { hasText: 'settings.json' }).first().click();
    await wb.runCommand('File: Reveal Active File in Explorer View');
    const file = wb.page.locator('.part.sidebar .explorer-folders-view .monaco-list-row.selected', { hasText: 'settings.json' }).first();
    await file.waitFor();
    await contextMenu(wb, file);
    await menuItem(wb, 'Send to MQTT Broker');
    await until('a warning naming the file', () => wb.notifications(), (n) => n.some((x) => x.includes('settings.json is not a test topic')));
    assert.equal(await wb.page.locator('.quick-input-widget').isVisible(), false, 'no broker picker');
    await wb.runCommand('View: Close All Editors');
    await wb.openContainer();
  });

  it('a live-session record\'s tooltip labels each value', async () => {
    await wb.focusView('Live Sessions');
    const group = row(wb, 'Live Sessions', 'live_session_shadow');
    await group.waitFor({ timeout: 60_000 });
    await group.click();
    // A plain-text tooltip is the row's aria label.
    const label = await until('the record row', async () => (await wb.rows('Live Sessions')).find((r) => r.includes('session_20251208_001')) ?? '', (r) => r !== '');
    for (const want of ['Session: session_20251208_001', 'Status: completed', 'Run type: live_session_shadow', 'Mode: shadow', 'Environment: kraken_futures_testnet', 'Symbol: BTC/USDT', 'Started: 2025-12-08T14:30:22']) assert.ok(label.includes(want), `${want} in ${label}`);
  });

  it('the JSON log goes to the extension\'s log folder, not to logs/ in the workspace', async () => {
    const logs = await until('session_manager.jsonl in the user data', () => filesUnder(path.dirname(cs.userDir), 'session_manager.jsonl'), (f) => f.length > 0);
    assert.ok(logs.every((f) => f.includes(`${path.sep}logs${path.sep}`)), logs.join('\n'));
    await assert.rejects(stat(path.join(ws, 'logs')), 'no logs/ folder in the workspace');
  });
});

describe('views in an untrusted workspace say why (code-server)', function () {
  this.timeout(300_000);
  let browser: Browser;
  let cs: CodeServer;
  let wb: Workbench;

  before(async function () {
    skipUnlessReady(this);
    cs = await CodeServer.start({ vsix: VSIX, folder: await sampleWorkspace(1), trusted: false });
    browser = await launchBrowser();
    wb = await Workbench.open(browser, cs.url);
    await wb.openContainer();
  });

  after(async () => {
    await browser?.close();
    await cs?.stop();
    await removeTempDirs();
  });

  it('the Recorder view explains Restricted Mode with Manage Workspace Trust; the Sessions view says recording is off', async () => {
    await wb.focusView('Recorder');
    const welcome = wb.view('Recorder').locator('.welcome-view-content');
    await until('the welcome text', () => welcome.innerText().catch(() => ''), (t) => t.includes('Restricted Mode'));
    assert.ok(await welcome.getByRole('button', { name: 'Manage Workspace Trust' }).isVisible());
    await wb.focusView('Sessions');
    await until('the message atop Sessions', () => wb.view('Sessions').innerText(), (t) => t.includes('Restricted Mode: recording and replay are off'));
  });

  it('the session panel shows Replay Selection… disabled, with the reason', async () => {
    await wb.focusView('Sessions');
    await until('the sample sessions', () => wb.rows('Sessions'), (r) => r.some((x) => x.includes('auftrag-rot_1')), 60_000);
    await row(wb, 'Sessions', 'auftrag-rot_1').locator('.label-name').click();
    const frame = await drawnPanel(wb);
    const replay = frame.locator('#replay-selection');
    assert.equal(await replay.getAttribute('disabled'), '');
    assert.match((await replay.getAttribute('title')) ?? '', /trusted workspace/);
  });
});

describe('Test Topics for a newcomer (code-server)', function () {
  this.timeout(300_000);
  let browser: Browser;
  let cs: CodeServer;
  let wb: Workbench;
  let ws: string;

  before(async function () {
    skipUnlessReady(this);
    // No settings: the default folders (data/omf-data/test_topics …) are not there, project/test_topics is.
    ws = await tempDir('e2e-newcomer-');
    await mkdir(path.join(ws, 'project', 'test_topics'), { recursive: true });
    await writeFile(path.join(ws, 'project', 'test_topics', 'hello.json'), JSON.stringify({ topic: 'demo/hello', payload: { hi: 1 } }));
    cs = await CodeServer.start({ vsix: VSIX, folder: ws, trusted: true });
    browser = await launchBrowser();
    wb = await Workbench.open(browser, cs.url);
    await wb.openContainer();
  });

  after(async () => {
    await browser?.close();
    await cs?.stop();
    await removeTempDirs();
  });

  it('offers the test_topics folder it found; once picked, the view lists its files', async () => {
    await wb.focusView('Test Topics');
    const welcome = wb.view('Test Topics').locator('.welcome-view-content');
    await until('the welcome offering the found folder', () => welcome.innerText().catch(() => ''), (t) => t.includes('look like test topics'), 60_000);
    await welcome.getByRole('button', { name: 'Use the Found Folders…' }).click();
    const items = await wb.quickPickItems();
    assert.ok(items.some((i) => i.includes('project/test_topics')), items.join('\n'));
    await wb.quickPick().getByRole('button', { name: 'OK' }).click();
    await until('hello.json in the view', () => wb.rows('Test Topics'), (r) => r.some((x) => x.includes('hello.json')));
  });

  it('Create Test Topic… writes the file into the test-topic folder and opens it', async () => {
    await wb.runCommand('MQTT Sessions: Create Test Topic…');
    await prompted(wb, 'MQTT topic to publish to');
    await wb.answer('demo/created');
    await until('the new file open', async () => (await activeTab(wb)).replace(/\s+/g, ''), (t) => t.includes('demo_created.json'));
    await stat(path.join(ws, 'project', 'test_topics', 'demo_created.json'));
    await wb.focusView('Test Topics');
    await until('the new file in the view', () => wb.rows('Test Topics'), (r) => r.some((x) => x.includes('demo_created.json')));
  });
});
