import * as assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type AnalysisDb, openAnalysis } from '../../src/core/analysis/analysisDb';
import { diffLines } from '../../src/core/analysis/lineDiff';
import { messageDetail, messagePage } from '../../src/core/analysis/messageBrowser';
import { categoryStats, sessionStats } from '../../src/core/analysis/sessionStats';
import { decodeLane, timeline } from '../../src/core/analysis/timeline';
import { queryAll } from '../../src/core/db/sqlite';
import { categorizeTopic, prefilterReason } from '../../src/core/analysis/topicCategories';
import { resolveSession } from '../../src/core/session/sessionFiles';
import { SessionLogWriter } from '../../src/core/session/logWriter';
import { encodePayload } from '../../src/core/session/sessionMessage';
import { formatTimestamp } from '../../src/core/session/timestamps';
import { copyOfSamples, removeTempDirs, tempDir } from '../helpers';

/** Hand-checked with python's json over storage_order_white_20251110_180844.log. */
const WHITE = {
  messages: 552,
  topics: 48,
  bytes: 2667249,
  start: '2025-11-10T18:06:34.903Z',
  end: '2025-11-10T18:08:43.700Z',
  categories: { TXT: 268, Module: 163, CCU: 96, FTS: 25 },
  moduleSubcategories: [['instantAction', 75], ['connection', 52], ['state', 23], ['factsheet', 7], ['order', 5], ['status', 1]],
  prefiltered: { camera: 248, pairing: 76, connection: 53, factsheet: 8, sensors: 6, shown: 161 },
  firstCamId: 15,
  ftsStateIds: [39, 199, 200],
  /** 60 s to 90 s after the first message. */
  zoom: { messages: 138, topics: 17 },
};

describe('analysis: statistics, categories, timeline, messages', () => {
  let samples: string;
  let white: AnalysisDb;

  before(async () => {
    samples = await copyOfSamples();
    white = await openAnalysis(await resolveSession(path.join(samples, 'storage_order_white_20251110_180844')));
  });
  after(async () => {
    white?.close();
    await removeTempDirs();
  });

  it('categorises topics as DESIGN §7 says', () => {
    assert.deepEqual(categorizeTopic('ccu/order/active'), { category: 'CCU', subcategory: 'active' });
    assert.deepEqual(categorizeTopic('fts/v1/ff/5iO4/state'), { category: 'FTS', subcategory: 'state' });
    assert.deepEqual(categorizeTopic('module/v1/ff/SVR3QA0022/instantAction'), { category: 'Module', subcategory: 'instantAction' });
    assert.deepEqual(categorizeTopic('/j1/txt/1/i/cam'), { category: 'TXT', subcategory: 'cam' });
    assert.deepEqual(categorizeTopic('osf/arduino/flame/flame-1/state'), { category: 'OSF', subcategory: 'state' });
    assert.equal(prefilterReason('/j1/txt/1/i/cam'), 'camera');
    assert.equal(prefilterReason('osf/arduino/gas/mq2-1/state'), 'sensors');
    assert.equal(prefilterReason('ccu/pairing/state'), 'pairing');
    assert.equal(prefilterReason('module/v1/ff/SVR3QA0022/connection'), 'connection');
    assert.equal(prefilterReason('fts/v1/ff/5iO4/factsheet'), 'factsheet');
    assert.equal(prefilterReason('module/v1/ff/SVR3QA0022/state'), undefined);
  });

  it('statistics of a sample match the hand-checked figures', () => {
    const s = sessionStats(white.db);
    assert.equal(white.origin, 'index');
    assert.equal(s.messages, WHITE.messages);
    assert.equal(s.topics, WHITE.topics);
    assert.equal(s.bytes, WHITE.bytes);
    assert.equal(s.start, WHITE.start);
    assert.equal(s.end, WHITE.end);
    assert.ok(Math.abs(s.durationSec - 128.797) < 0.01, String(s.durationSec));
    const cam = s.perTopic[0];
    assert.equal(cam.topic, '/j1/txt/1/i/cam');
    assert.equal(cam.count, 248);
    assert.ok(Math.abs(cam.rate - 248 / s.durationSec) < 1e-9);
    assert.equal(s.perTopic.reduce((n, t) => n + t.count, 0), WHITE.messages);
    const cats = categoryStats(s.perTopic);
    assert.deepEqual(Object.fromEntries(cats.map((c) => [c.category, c.messages])), WHITE.categories);
    const module = cats.find((c) => c.category === 'Module');
    assert.deepEqual(module?.subcategories.map((x) => [x.subcategory, x.messages]), WHITE.moduleSubcategories);
    const pre: Record<string, number> = {};
    for (const t of s.perTopic) pre[t.prefiltered ?? 'shown'] = (pre[t.prefiltered ?? 'shown'] ?? 0) + t.count;
    assert.deepEqual(pre, WHITE.prefiltered);
  });

  it('a full-range timeline has a lane per topic whose bins add up, with the first message as representative', () => {
    const t = timeline(white.db, { bins: 100 });
    assert.equal(t.lanes.length, WHITE.topics);
    // Bins lie on the index's buckets: as many as asked or a few fewer.
    assert.ok(t.bins <= 100 && t.bins >= 90, `${t.bins} bins`);
    assert.equal(t.lanes.reduce((n, l) => n + l.total, 0), WHITE.messages);
    for (const lane of t.lanes) {
      const bins = decodeLane(lane);
      assert.equal(bins.reduce((n, b) => n + b.count, 0), lane.total, lane.topic);
      assert.ok(bins.every((b, i) => b.bin >= 0 && b.bin < t.bins && (i === 0 || b.bin > bins[i - 1].bin)), lane.topic);
    }
    const cam = t.lanes.find((l) => l.topic === '/j1/txt/1/i/cam');
    assert.ok(cam);
    assert.equal(cam.total, 248);
    assert.equal(decodeLane(cam)[0].id, WHITE.firstCamId);
    // The last message lands in the last bin, not past it.
    assert.ok(t.lanes.some((l) => decodeLane(l).at(-1)?.bin === t.bins - 1));
    assert.ok(JSON.stringify(t).length < 20_000);
  });

  it('a zoomed timeline counts only its range; lanes can be chosen', () => {
    const start = sessionStats(white.db).startMs as number;
    const zoom = timeline(white.db, { fromMs: start + 60_000, toMs: start + 90_000, bins: 30 });
    assert.equal(zoom.lanes.reduce((n, l) => n + l.total, 0), WHITE.zoom.messages);
    assert.equal(zoom.lanes.length, WHITE.zoom.topics);
    assert.equal(messagePage(white.db, { fromMs: start + 60_000, toMs: start + 90_000 }).total, WHITE.zoom.messages);
    const two = timeline(white.db, { topics: ['fts/v1/ff/5iO4/state', 'no/such/topic'], bins: 10 });
    assert.deepEqual(two.lanes.map((l) => [l.topic, l.total]), [['fts/v1/ff/5iO4/state', 19]]);
  });

  it('any range counts every message of it exactly, from buckets and edges alike', () => {
    const stats = sessionStats(white.db);
    const start = stats.startMs as number;
    const span = (stats.endMs as number) - start;
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 40; i++) {
      const a = start - 1000 + rnd() * (span + 2000);
      const b = a + rnd() * (span - (a - start) + 1000);
      const bins = 1 + Math.floor(rnd() * 300);
      const t = timeline(white.db, { fromMs: a, toMs: b, bins });
      const exact = new Map(
        queryAll<{ topic: string; n: number }>(white.db, 'SELECT topic, COUNT(*) AS n FROM mqtt_messages WHERE ts_ms >= ? AND ts_ms <= ? GROUP BY topic', [a, b]).map((r) => [r.topic, r.n]),
      );
      assert.deepEqual(new Map(t.lanes.map((l) => [l.topic, l.total])), exact, `range ${a}..${b}, ${bins} bins`);
      for (const lane of t.lanes) {
        const decoded = decodeLane(lane);
        assert.equal(decoded.reduce((n, x) => n + x.count, 0), lane.total);
        assert.ok(decoded.every((x, j) => x.bin >= 0 && x.bin < t.bins && (j === 0 || x.bin > decoded[j - 1].bin)), lane.topic);
        // Each bin holds exactly the messages of its span, its representative the first of them.
        const rows = queryAll<{ id: number; ts_ms: number }>(white.db, 'SELECT id, ts_ms FROM mqtt_messages WHERE topic = ? AND ts_ms >= ? AND ts_ms <= ?', [lane.topic, a, b]);
        const expected = new Map<number, { count: number; id: number }>();
        for (const r of rows) {
          const bin = Math.min(Math.floor((r.ts_ms - t.binFromMs) / t.binMs), t.bins - 1);
          const e = expected.get(bin);
          expected.set(bin, { count: (e?.count ?? 0) + 1, id: Math.min(e?.id ?? r.id, r.id) });
        }
        assert.deepEqual(new Map(decoded.map((x) => [x.bin, { count: x.count, id: x.id }])), expected, `${lane.topic} in ${a}..${b}, ${bins} bins`);
      }
      assert.ok(t.binFromMs <= a && t.binFromMs + t.bins * t.binMs >= b);
    }
    // One bin off the buckets' boundaries: counted from the messages.
    const one = timeline(white.db, { fromMs: start + 123.4, toMs: start + span - 7, bins: 1 });
    assert.equal(one.bins, 1);
    assert.equal(one.lanes.reduce((n, l) => n + l.total, 0), messagePage(white.db, { fromMs: start + 123.4, toMs: start + span - 7 }).total);
  });

  it('a wide range with more messages than it may scan gets bucket-wide bins, still exact', () => {
    const stats = sessionStats(white.db);
    const start = stats.startMs as number;
    // A fifth of the session over 2000 bins: each narrower than the index's buckets.
    const range = { fromMs: start + stats.durationSec * 400, toMs: start + stats.durationSec * 600, bins: 2000 };
    const fine = timeline(white.db, range);
    const coarse = timeline(white.db, { ...range, messageScanLimit: 10 });
    assert.equal(fine.bins, 2000);
    assert.ok(coarse.bins < 2000 && coarse.bins > 1, `${coarse.bins} bins`);
    assert.ok(coarse.binMs > fine.binMs);
    const total = (t: typeof fine): number => t.lanes.reduce((n, l) => n + l.total, 0);
    assert.ok(total(fine) > 10);
    assert.equal(total(coarse), total(fine));
  });

  it('pages messages of a topic set in time order', () => {
    const page = messagePage(white.db, { topics: ['fts/v1/ff/5iO4/state'], limit: 2, offset: 1 });
    assert.equal(page.total, 19);
    assert.deepEqual(page.messages.map((m) => m.id), WHITE.ftsStateIds.slice(1, 3));
    assert.ok(page.messages[0].preview.startsWith('{'));
    assert.ok(!page.messages[0].preview.includes('\n'));
  });

  it('a message detail is pretty JSON with its diff against the previous message of its topic', () => {
    const d = messageDetail(white.db, WHITE.ftsStateIds[1]);
    assert.ok(d);
    assert.equal(d.kind, 'json');
    assert.equal(d.topic, 'fts/v1/ff/5iO4/state');
    assert.deepEqual(d.previous?.id, WHITE.ftsStateIds[0]);
    assert.ok(d.text.startsWith('{\n  "orderUpdateId": 0,'));
    const side = (op: string): string[] => d.diff?.filter((l) => l.op === op).map((l) => l.text.trim().replace(/,$/, '')) ?? [];
    const removed = side('-');
    const added = side('+');
    assert.ok(removed.includes('"orderUpdateId": 14'), removed.join('\n'));
    assert.ok(added.includes('"orderUpdateId": 0'));
    assert.ok(removed.includes('"headerId": 293'));
    assert.ok(added.includes('"headerId": 294'));
    assert.ok(removed.includes('"orderId": "ceca8bef-bbe8-4012-aa18-725d7af68a10"'));
    assert.ok(added.includes('"orderId": "3adc738c-c149-4fed-8f83-8b00f84f5b92"'));
    // Unchanged lines are kept as context, and both sides rebuild from the diff.
    assert.equal(d.diff?.filter((l) => l.op !== '+').map((l) => l.text).join('\n'), messageDetail(white.db, WHITE.ftsStateIds[0])?.text);
    assert.equal(d.diff?.filter((l) => l.op !== '-').map((l) => l.text).join('\n'), d.text);
    assert.equal(messageDetail(white.db, WHITE.ftsStateIds[0])?.previous, undefined);
    assert.equal(messageDetail(white.db, 999_999), undefined);
  });

  it('an old tool’s .db alone is analysed through an index built in memory', async () => {
    const legacy = await openAnalysis(await resolveSession(path.join(samples, 'default_test_session.db')));
    try {
      assert.equal(legacy.origin, 'memory');
      const s = sessionStats(legacy.db);
      assert.equal(s.messages, 205);
      assert.equal(s.topics, 41);
      assert.equal(timeline(legacy.db).lanes.reduce((n, l) => n + l.total, 0), 205);
    } finally {
      legacy.close();
    }
  });

  it('a .log in a read-only folder is analysed in memory', async function () {
    if (process.getuid?.() === 0) {
      // root writes anyway; the fallback is reached through EACCES, which root never gets.
      console.log('      (skipped: running as root, a read-only folder is writable for root)');
      this.skip();
    }
    const dir = await tempDir();
    await writeFile(path.join(dir, 'ro.log'), '{"topic":"a","payload":"1","timestamp":"2026-01-01T00:00:00Z"}\n');
    await chmod(dir, 0o555);
    try {
      const a = await openAnalysis(await resolveSession(path.join(dir, 'ro.log')));
      assert.equal(a.origin, 'memory');
      assert.equal(sessionStats(a.db).messages, 1);
      a.close();
    } finally {
      await chmod(dir, 0o755);
    }
  });

  it('binary, huge, non-JSON and hostile payloads show safely', async () => {
    const dir = await tempDir();
    const log = path.join(dir, 'nasty.log');
    const w = new SessionLogWriter(log);
    const t0 = Date.UTC(2026, 0, 1);
    const add = (i: number, topic: string, payload: Buffer | string): void =>
      w.writeMessage({ topic, ...encodePayload(typeof payload === 'string' ? Buffer.from(payload) : payload), timestamp: formatTimestamp(t0 + i), tsMs: t0 + i, qos: 0, retain: false });
    add(0, 'bin', Buffer.from([0, 1, 2, 0xff, 0xfe, 0x41]));
    add(1, 'bin', Buffer.from([0, 1, 2, 0xff, 0xfe, 0x42]));
    add(2, '<script>alert(1)</script>', '<script>alert("x")</script>');
    add(3, 'huge', `{"a":"${'x'.repeat(2_000_000)}"}`);
    add(4, 'text', 'not { json');
    add(5, 'text', '[1, 2');
    w.close({ status: 'completed' });
    const a = await openAnalysis(await resolveSession(log));
    try {
      const bin = messageDetail(a.db, 2);
      assert.equal(bin?.kind, 'binary');
      assert.equal(bin?.text, `${'00000000  00 01 02 ff fe 42'.padEnd(8 + 2 + 47)}  |.....B|`);
      assert.equal(bin?.diff, undefined);
      const huge = messageDetail(a.db, 4);
      assert.equal(huge?.kind, 'text');
      assert.equal(huge?.truncated, true);
      assert.equal(huge?.text.length, 1_000_000);
      const broken = messageDetail(a.db, 6);
      assert.equal(broken?.kind, 'text');
      assert.deepEqual(broken?.diff, [
        { op: '-', text: 'not { json' },
        { op: '+', text: '[1, 2' },
      ]);
      assert.equal(messageDetail(a.db, 3)?.topic, '<script>alert(1)</script>');
      const page = messagePage(a.db, {});
      assert.equal(page.total, 6);
      assert.equal(page.messages[0].preview, '(binary, 6 bytes)');
      assert.ok(page.messages[3].preview.length <= 160);
    } finally {
      a.close();
    }
  });

  it('diffLines aligns changed, added and removed lines', () => {
    assert.deepEqual(diffLines('a\nb\nc\nd', 'a\nc\nx\nd'), [
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: ' ', text: 'c' },
      { op: '+', text: 'x' },
      { op: ' ', text: 'd' },
    ]);
    assert.deepEqual(diffLines('same', 'same'), [{ op: ' ', text: 'same' }]);
  });
});
