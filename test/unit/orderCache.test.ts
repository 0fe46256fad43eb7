import * as assert from 'node:assert/strict';
import { appendFile, copyFile, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { openAnalysis } from '../../src/core/analysis/analysisDb';
import { ORDER_CACHE_VERSION, cachedOrders } from '../../src/core/analysis/orders/orderCache';
import { isOrderCandidate } from '../../src/core/analysis/orders/orderCandidates';
import { orderDetail, ordersOf } from '../../src/core/analysis/sessionAnalysis';
import { openDatabaseFile } from '../../src/core/db/sqlite';
import { buildIndexFromLog } from '../../src/core/index/indexBuilder';
import { LiveIndexer } from '../../src/core/index/liveIndex';
import { resolveSession } from '../../src/core/session/sessionFiles';
import { SAMPLE_SESSIONS, copyOfSamples, sqliteAt, tempDir } from '../helpers';

/** What a caller receives from the pass over the rows, as JSON carries it (the cache is JSON). */
function scanned(db: Parameters<typeof ordersOf>[0]): unknown {
  return JSON.parse(JSON.stringify(ordersOf(db, { cached: false })));
}

const LOGS = ['red-storage-production_20260807_113213.log', 'storage_order_white_20251110_180844.log', 'auftrag-rot_1.log', 'startup-clean_20260512_102831.log', 'synthetic-arduino-sensors_20260508_091000.log'];

describe('order summaries kept in the index', () => {
  for (const file of LOGS) {
    it(`${file}: the summaries written with the index are the pass over its rows`, async () => {
      const dir = await tempDir();
      const log = path.join(dir, file);
      await copyFile(path.join(SAMPLE_SESSIONS, file), log);
      const dbPath = log.replace(/\.log$/, '.db');
      await buildIndexFromLog(log, dbPath);
      const db = openDatabaseFile(dbPath);
      try {
        const cached = cachedOrders(db);
        assert.ok(cached, 'the index holds the summaries');
        assert.deepEqual(cached, scanned(db));
        assert.deepEqual(ordersOf(db), cached);
      } finally {
        db.close();
      }
      // One order in full: from its own messages and the kept module maps, as from its
      // messages with every layout and factsheet (an index without the maps) — except that
      // modules are named as the list names them, from all the session says (the pass over
      // a few messages could leave a serial unnamed: DPS for SVR4H73275 in red-storage).
      const bare = path.join(dir, 'bare.db');
      await copyFile(dbPath, bare);
      sqliteAt(bare, 'DROP TABLE order_cache').close();
      const a = openDatabaseFile(dbPath);
      const b = openDatabaseFile(bare);
      try {
        const unnamed = (o: ReturnType<typeof orderDetail>): unknown => o && { ...o, modules: [], transitions: o.transitions.map((t) => ({ ...t, module: undefined })) };
        for (const o of ordersOf(a).orders) {
          const full = orderDetail(a, o.orderId);
          assert.ok(full, o.orderId);
          assert.deepEqual(full.modules, o.modules, `${o.orderId}: modules as the list names them`);
          assert.equal(full.messages, o.messages);
          assert.deepEqual(unnamed(full), unnamed(orderDetail(b, o.orderId)), o.orderId);
        }
      } finally {
        a.close();
        b.close();
      }
    });
  }

  it('the old recorder’s .db sessions get them too, through the index built for analysis', async () => {
    const dir = await copyOfSamples();
    for (const file of ['storage_order_white_20251110_180844.db', 'default_test_session.db']) {
      const a = await openAnalysis(await resolveSession(path.join(dir, file)));
      try {
        const cached = cachedOrders(a.db);
        assert.ok(cached, `${file}: summaries kept`);
        assert.deepEqual(cached, scanned(a.db));
      } finally {
        a.close();
      }
    }
  });

  it('a live index has them once finished, not after a recovery took it up half way; either way orders are right', async () => {
    const dir = await tempDir();
    const text = await readFile(path.join(SAMPLE_SESSIONS, 'red-storage-production_20260807_113213.log'), 'utf8');
    const lines = text.split('\n');
    const half = lines.slice(0, Math.floor(lines.length / 2)).join('\n') + '\n';
    const rest = lines.slice(Math.floor(lines.length / 2)).join('\n');

    const whole = path.join(dir, 'whole_20260807_113213.log');
    await writeFile(whole, half);
    const live = LiveIndexer.create(whole, whole.replace('.log', '.db'));
    live.catchUp();
    await appendFile(whole, rest);
    live.finish();

    const recovered = path.join(dir, 'recovered_20260807_113213.log');
    await writeFile(recovered, half);
    const first = LiveIndexer.create(recovered, recovered.replace('.log', '.db'));
    first.catchUp();
    first.close(); // the recorder died here
    await appendFile(recovered, rest);
    LiveIndexer.resume(recovered, recovered.replace('.log', '.db')).finish();

    const a = openDatabaseFile(whole.replace('.log', '.db'));
    const b = openDatabaseFile(recovered.replace('.log', '.db'));
    try {
      const cached = cachedOrders(a);
      assert.ok(cached, 'kept by the indexer that saw every line');
      assert.equal(cached.orders.length, 22);
      assert.deepEqual(cached, scanned(a));
      assert.equal(cachedOrders(b), undefined, 'not kept by an indexer that saw half');
      assert.deepEqual(JSON.parse(JSON.stringify(ordersOf(b))), cached);
    } finally {
      a.close();
      b.close();
    }
  });

  it('summaries of another version are not used: orders come from the rows', async () => {
    const dir = await tempDir();
    const log = path.join(dir, 'auftrag-rot_1.log');
    await copyFile(path.join(SAMPLE_SESSIONS, 'auftrag-rot_1.log'), log);
    const dbPath = path.join(dir, 'auftrag-rot_1.db');
    await buildIndexFromLog(log, dbPath);
    const w = sqliteAt(dbPath, `UPDATE order_cache SET version = ${ORDER_CACHE_VERSION + 1}, result = '{"orders":[]}'`);
    w.close();
    const db = openDatabaseFile(dbPath);
    try {
      assert.equal(cachedOrders(db), undefined);
      assert.equal(ordersOf(db).orders.length, 3);
    } finally {
      db.close();
    }
  });

  it('the test on one message agrees with the SQL (case of /factsheet, topics, words)', () => {
    assert.ok(isOrderCandidate('x', '{"orderId":"a"}'));
    assert.ok(isOrderCandidate('ccu/order/request', '{}'));
    assert.ok(isOrderCandidate('module/v1/ff/S1/FACTSHEET', '{}'));
    assert.ok(isOrderCandidate('module/v1/ff/S1/factsheet', '{}'));
    assert.ok(!isOrderCandidate('module/v1/ff/S1/factsheets', '{}'));
    assert.ok(!isOrderCandidate('ccu/order/requests', '{"orderid":1}'));
  });
});
