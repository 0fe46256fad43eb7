import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { renderSessionReportHtml, renderSessionReportMarkdown } from '../../src/core/analysis/sessionReport';
import { openAnalysis } from '../../src/core/analysis/analysisDb';
import { analyzeOpened } from '../../src/core/analysis/sessionAnalysis';
import { resolveSession } from '../../src/core/session/sessionFiles';
import { SessionLogWriter } from '../../src/core/session/logWriter';
import { formatTimestamp } from '../../src/core/session/timestamps';
import { copyOfSamples, removeTempDirs, runCli, tempDir } from '../helpers';

/** Distinct orderIds, counted independently (python json, nested walk) per sample. */
const ORDER_COUNTS: [string, number][] = [
  ['red-storage-production_20260807_113213', 22],
  ['storage_order_white_20251110_180844', 7],
  ['auftrag-rot_1', 3],
  ['startup-clean_20260512_102831', 2],
  ['synthetic-arduino-sensors_20260508_091000', 0],
];

describe('analyze and orders (CLI) and the session report', () => {
  let samples: string;
  before(async () => {
    samples = await copyOfSamples();
  });
  after(removeTempDirs);

  it('orders --json lists every order of each sample with its first and last time, messages and modules', async () => {
    for (const [name, expected] of ORDER_COUNTS) {
      const r = await runCli(['orders', path.join(samples, name), '--json']);
      assert.equal(r.code, 0, r.stderr);
      const orders = JSON.parse(r.stdout) as { orderId: string; firstSeen: string; lastSeen: string; messages: number; modules: string[] }[];
      assert.equal(orders.length, expected, name);
      for (const o of orders) {
        assert.equal(typeof o.orderId, 'string');
        assert.ok(o.firstSeen <= o.lastSeen, `${name} ${o.orderId}`);
        assert.ok(o.messages >= 1);
        assert.ok(Array.isArray(o.modules));
      }
    }
  });

  it('orders --order ID shows one order with its messages; an unknown id is one line and exit 1', async () => {
    const session = path.join(samples, 'storage_order_white_20251110_180844');
    const list = JSON.parse((await runCli(['orders', session, '--json'])).stdout) as { orderId: string; messages: number }[];
    const one = await runCli(['orders', session, '--order', list[0].orderId]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, new RegExp(`^Order +${list[0].orderId}$`, 'm'));
    assert.match(one.stdout, new RegExp(`^Messages +${list[0].messages}$`, 'm'));
    const table = one.stdout.slice(one.stdout.indexOf('TIME'));
    assert.equal(table.trim().split('\n').length, list[0].messages + 1);
    const none = await runCli(['orders', session, '--order', 'no-such-order']);
    assert.equal(none.code, 1);
    assert.equal(none.stderr.trim().split('\n').length, 1, none.stderr);
    assert.match(none.stderr, /no order no-such-order/);
  });

  it('analyze writes Markdown, HTML and JSON reports of a sample', async () => {
    const session = path.join(samples, 'red-storage-production_20260807_113213');
    const md = await runCli(['analyze', session]);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Session report: red-storage-production_20260807_113213$/m);
    assert.match(md.stdout, /^- \*\*Messages:\*\* `1354`$/m);
    assert.match(md.stdout, /^## Orders$/m);
    const json = await runCli(['analyze', session, '--format', 'json']);
    const a = JSON.parse(json.stdout) as { stats: { messages: number; topics: number }; orders: { orders: unknown[] }; categories: { category: string }[] };
    assert.equal(a.stats.messages, 1354);
    assert.equal(a.stats.topics, 38);
    assert.equal(a.orders.orders.length, 22);
    const out = path.join(await tempDir(), 'report.html');
    const html = await runCli(['analyze', session, '--format', 'html', '--out', out]);
    assert.equal(html.code, 0, html.stderr);
    const text = await readFile(out, 'utf8');
    assert.match(text, /^<!DOCTYPE html>/);
    assert.match(text, /Content-Security-Policy" content="default-src 'none'/);
    const bad = await runCli(['analyze', session, '--format', 'pdf']);
    assert.equal(bad.code, 2);
  });

  it('the HTML report escapes topics and payload values; the Markdown report keeps them inert', async () => {
    const dir = await tempDir();
    const log = path.join(dir, 'hostile.log');
    const w = new SessionLogWriter(log);
    const t0 = Date.UTC(2026, 0, 1);
    const msg = (i: number, topic: string, payload: string): void =>
      w.writeMessage({ topic, payload, payloadEncoding: 'utf8', timestamp: formatTimestamp(t0 + i * 1000), tsMs: t0 + i * 1000, qos: 0, retain: false });
    msg(0, 'module/v1/ff/<script>alert(1)</script>/state', JSON.stringify({ orderId: '<img src=x onerror=alert(2)>', serialNumber: '"><script>alert(3)</script>' }));
    msg(1, 'ccu/order/request', JSON.stringify({ type: '<b>RED</b>', orderType: 'PRODUCTION' }));
    msg(2, 'x|y`z', 'not json <script>');
    w.writeRaw('{"topic": 5}\n');
    w.close({ status: 'completed' });
    const a = await openAnalysis(await resolveSession(log));
    try {
      const analysis = analyzeOpened(await resolveSession(log), a);
      assert.equal(analysis.orders.orders.length, 1);
      assert.equal(analysis.problems.count, 1);
      const html = renderSessionReportHtml(analysis);
      assert.ok(!/<script/i.test(html), 'no script element');
      assert.ok(!/<img/i.test(html), 'no img element');
      assert.ok(!html.includes('<b>'), 'no b element');
      assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
      assert.ok(html.includes('&lt;img src=x onerror=alert(2)&gt;'));
      const md = renderSessionReportMarkdown(analysis);
      // In Markdown every value is inline code: a renderer shows it, never runs it.
      assert.ok(md.includes('`module/v1/ff/<script>alert(1)</script>/state`'));
      // A pipe cannot split a table cell, a backtick cannot end the code early.
      assert.ok(md.includes('| ``x\\|y`z`` |'), md);
    } finally {
      a.close();
    }
  });
});
