import * as assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import type { MqttClient } from 'mqtt';
import { connectBroker } from '../../src/core/mqtt/brokerConnection';
import { profileFromUrl } from '../../src/core/mqtt/brokerProfile';
import { Mosquitto } from '../brokers';
import { removeTempDirs } from '../helpers';
import { CodeServer, VSIX, skipUnlessReady } from './codeServer';
import { sampleWorkspace } from './workspace';
import { Workbench, launchBrowser, until } from './workbench';


async function subscriber(url: string): Promise<{ client: MqttClient; got: { topic: string; payload: string }[] }> {
  const client = await connectBroker({ ...profileFromUrl(url), clientId: `e2e-sub-${Date.now()}` });
  const got: { topic: string; payload: string }[] = [];
  client.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }));
  await client.subscribeAsync({ '#': { qos: 1 } });
  return { client, got };
}

describe('the extension in a real VS Code (code-server + Chromium)', function () {
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
    await mosquitto?.stop();
    await removeTempDirs();
  });

  it('the Sessions view lists the sample sessions with their counts', async () => {
    const rows = await until('the sample sessions', () => wb.rows('Sessions'), (r) => r.some((x) => x.includes('storage_order_white_20251110_180844')) && r.length >= 7, 60_000);
    const text = rows.join('\n');
    for (const [name, n] of [
      ['storage_order_white_20251110_180844', 552],
      ['auftrag-rot_1', 111],
      ['red-storage-production_20260807_113213', 1354],
      ['startup-clean_20260512_102831', 412],
      ['synthetic-arduino-sensors_20260508_091000', 30],
      ['default_test_session', 205],
    ] as const) {
      assert.match(text, new RegExp(`${name}.*${n} messages`), `${name} with ${n} messages in:\n${text}`);
    }
    await wb.screenshot('sessions-view');
  });

  it('a session expands to its topics with counts', async () => {
    await wb.focusView('Sessions');
    // A session row's click opens its timeline: it expands on its twistie.
    await wb.view('Sessions').locator('.monaco-list-row', { hasText: 'synthetic-arduino-sensors_20260508_091000' }).locator('.monaco-tl-twistie').click();
    const rows = await until('the topics of synthetic-arduino-sensors', () => wb.rows('Sessions'), (r) => r.some((x) => x.startsWith('osf/arduino/')));
    const topics = await until('10 topic rows', async () => (await wb.rows('Sessions')).filter((r) => r.startsWith('osf/arduino/')), (t) => t.length >= 10);
    assert.equal(topics.length, 10, `${topics.join('\n')}\n${rows.length}`);
    // Hand-checked: 5 state topics with 5 messages each, 5 connection topics with 1.
    const counts = topics.map((t) => Number(/(\d+) messages/.exec(t)?.[1]));
    assert.equal(counts.reduce((a, b) => a + b, 0), 30, topics.join('\n'));
  });

  it('Test Topics lists the sample preloads and test topics', async () => {
    await wb.focusView('Test Topics');
    const rows = await until('test topics', () => wb.rows('Test Topics'), (r) => r.some((x) => x.includes('ccu_state_layout.json')));
    const text = rows.join('\n');
    for (const f of ['preloads', 'ccu_state_layout.json', 'module_v1_ff_SVR3QA0022_factsheet.json', 'order_white_direct_ccu.json', 'ccu_order_active__000056.json']) assert.ok(text.includes(f), `${f} in\n${text}`);
    await wb.screenshot('test-topics-view');
  });

  it('"Send to MQTT Broker" from the explorer context menu reaches the broker', async () => {
    const sub = await subscriber(mosquitto.url);
    try {
      // Open the file, reveal it in the explorer, right-click it there.
      await wb.page.keyboard.press('Control+P');
      await wb.quickPick().locator('input').fill('order_white_direct_ccu.json');
      await wb.quickPick().locator('.monaco-list-row', { hasText: 'order_white_direct_ccu.json' }).first().click();
      await wb.runCommand('File: Reveal Active File in Explorer View');
      const explorer = wb.page.locator('.part.sidebar .explorer-folders-view');
      const file = explorer.locator('.monaco-list-row.selected', { hasText: 'order_white_direct_ccu.json' }).first();
      await file.waitFor();
      await file.click({ button: 'right' });
      // A menu ignores a click that comes right after it opened: hover, wait, then click.
      const item = wb.page.locator('.context-view .action-label', { hasText: 'Send to MQTT Broker' });
      await item.hover();
      await wb.page.waitForTimeout(400);
      await item.click();
      if (await item.isVisible()) await wb.page.keyboard.press('Enter');
      await wb.pick('e2e-mosquitto');
      const got = await until('the test topic at the subscriber', async () => sub.got.slice(), (g) => g.length > 0);
      assert.equal(got[0].topic, 'ccu/order/request');
    } finally {
      await sub.client.endAsync();
      await wb.openContainer();
    }
  });

  it('Start Recording from the command palette creates a session that appears in the view', async () => {
    await wb.runCommand('MQTT Sessions: Start Recording…');
    await wb.pick('e2e-mosquitto');
    await wb.answer('e2e/#');
    await wb.pick('none');
    await wb.answer('e2e-recording');
    const pub = await connectBroker({ ...profileFromUrl(mosquitto.url), clientId: 'e2e-pub' });
    await until('the status bar to show the recording', () => wb.page.locator('.part.statusbar').innerText(), (t) => /\d+ · /.test(t));
    for (let i = 0; i < 20; i++) await pub.publishAsync(`e2e/topic/${i % 3}`, JSON.stringify({ i }), { qos: 1 });
    await pub.endAsync();
    await until('20 messages in the status bar', () => wb.page.locator('.part.statusbar').innerText(), (t) => /\b20 · /.test(t));
    await wb.screenshot('recording');
    await wb.runCommand('MQTT Sessions: Stop Recording');
    await wb.focusView('Sessions');
    const rows = await until('the new session in the view', () => wb.rows('Sessions'), (r) => r.some((x) => /e2e-recording_\d{8}_\d{6}.*20 messages/.test(x)), 60_000);
    assert.ok(rows.length > 0);
    const files = await readdir(path.join(ws, 'sessions'));
    assert.ok(files.some((f) => /^e2e-recording_\d{8}_\d{6}\.log$/.test(f)), files.join(', '));
  });

  it('Replay Session delivers the session to a subscriber', async () => {
    const sub = await subscriber(mosquitto.url);
    try {
      await wb.runCommand('MQTT Sessions: Replay Session…');
      await wb.pick('synthetic-arduino-sensors_20260508_091000');
      await wb.pick('e2e-mosquitto');
      await wb.pick('max');
      // The options (a multi-select): none.
      await wb.quickPick().locator('.monaco-list-row', { hasText: 'Loop' }).waitFor();
      await wb.quickPick().getByRole('button', { name: 'OK' }).click();
      const got = await until('30 replayed messages', async () => sub.got.filter((g) => g.topic.startsWith('osf/arduino/')).length, (n) => n >= 30);
      assert.equal(got, 30);
    } finally {
      await sub.client.endAsync();
    }
  });
});

describe('the extension in an untrusted workspace', function () {
  this.timeout(300_000);
  let browser: Browser;
  let cs: CodeServer;
  let wb: Workbench;

  before(async function () {
    skipUnlessReady(this);
    const ws = await sampleWorkspace(1);
    cs = await CodeServer.start({ vsix: VSIX, folder: ws, trusted: false });
    browser = await launchBrowser();
    wb = await Workbench.open(browser, cs.url);
    await wb.openContainer();
  });

  after(async () => {
    await browser?.close();
    await cs?.stop();
    await removeTempDirs();
  });

  it('sessions can be browsed, but recording, replay and send are not offered', async () => {
    await until('the sample sessions', () => wb.rows('Sessions'), (r) => r.some((x) => x.includes('auftrag-rot_1')), 60_000);
    const report = await wb.paletteOffers('MQTT Sessions: Open Session Report');
    assert.ok(report.some((t) => t.includes('Open Session Report')), report.join('\n'));
    for (const hidden of ['Start Recording', 'Replay Session', 'Send All Preloads', 'Start Embedded Broker']) {
      const offered = await wb.paletteOffers(`MQTT Sessions: ${hidden}`);
      assert.ok(!offered.some((t) => t.includes(`MQTT Sessions: ${hidden}`)), `${hidden} offered:\n${offered.join('\n')}`);
    }
    await wb.screenshot('untrusted');
  });
});
