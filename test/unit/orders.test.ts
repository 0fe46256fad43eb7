import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { MAX_TRACKED_WORKPIECES, MAX_TRANSITIONS, type OrdersResult, OrderTracker, type TrackedMessage, findOrderIds } from '../../src/core/analysis/orderTracker';
import { resolveSession } from '../../src/core/session/sessionFiles';
import { openSessionSource } from '../../src/core/session/sessionSource';
import { SAMPLE_SESSIONS } from '../helpers';

/**
 * Distinct non-empty orderIds, nested objects and arrays included, hand-checked with
 * python's json (an independent walk over every payload). They include the DPS's local
 * order "0" (its NFC read) and the old orders that `ccu/order/completed` re-sends; the
 * number `orderId: 0` in startup-clean is the factory's "no order" and is not one.
 */
const ORDER_COUNTS = [
  ['red-storage-production_20260807_113213.log', 22],
  ['storage_order_white_20251110_180844.log', 7],
  ['auftrag-rot_1.log', 3],
  ['startup-clean_20260512_102831.log', 2],
  ['synthetic-arduino-sensors_20260508_091000.log', 0],
] as const;

/** Distinct workpiece ids (`workpieceId`, `loadId`, `nfcCode`), same python walk. */
const WORKPIECE_COUNTS: Record<string, number> = {
  'red-storage-production_20260807_113213.log': 10,
  'storage_order_white_20251110_180844.log': 7,
  'auftrag-rot_1.log': 7,
  'startup-clean_20260512_102831.log': 3,
  'synthetic-arduino-sensors_20260508_091000.log': 0,
};

const WHITE = 'storage_order_white_20251110_180844.log';
const RED = 'red-storage-production_20260807_113213.log';
const WHITE_STORAGE = '3adc738c-c149-4fed-8f83-8b00f84f5b92';
const RED_STORAGE = '3ae37a45-9224-4020-8d72-87a1999606e3';
const RED_PRODUCTION = '0d1d8719-c5fb-4ca8-96bf-64767212bc8f';

const cache = new Map<string, Promise<OrdersResult>>();

/** A sample's `.log` through the tracker: UTF-8 messages, `id` = 1-based ordinal in the session. */
function track(file: string): Promise<OrdersResult> {
  let r = cache.get(file);
  if (!r) {
    r = (async () => {
      const files = await resolveSession(path.join(SAMPLE_SESSIONS, file));
      const source = await openSessionSource({ ...files, db: undefined });
      try {
        const tracker = new OrderTracker();
        let id = 0;
        for await (const batch of source.batches()) {
          for (const m of batch) {
            id++;
            if (m.payloadEncoding === 'utf8') tracker.add({ id, topic: m.topic, payload: m.payload, tsMs: m.tsMs, timestamp: m.timestamp });
          }
        }
        return tracker.result();
      } finally {
        source.close();
      }
    })();
    cache.set(file, r);
  }
  return r;
}

async function order(file: string, orderId: string): Promise<OrdersResult['orders'][number]> {
  const found = (await track(file)).orders.find((o) => o.orderId === orderId);
  assert.ok(found, `${file}: no order ${orderId}`);
  return found;
}

let nextId = 1;
function msg(topic: string, payload: unknown, tsMs = Date.UTC(2026, 0, 1) + nextId * 100): TrackedMessage {
  const id = nextId++;
  return { id, topic, payload: typeof payload === 'string' ? payload : JSON.stringify(payload), tsMs, timestamp: new Date(tsMs).toISOString() };
}

describe('order tracker', () => {
  describe('the ORBIS samples', () => {
    for (const [file, count] of ORDER_COUNTS) {
      it(`${file}: ${count} orders, sorted by first seen, each id once`, async () => {
        const r = await track(file);
        assert.equal(r.orders.length, count);
        assert.equal(new Set(r.orders.map((o) => o.orderId)).size, count);
        for (let i = 1; i < r.orders.length; i++) assert.ok(r.orders[i - 1].firstSeenMs <= r.orders[i].firstSeenMs);
        for (const o of r.orders) {
          assert.notEqual(o.orderId, '');
          assert.equal(o.messages, o.messageIds.length);
          assert.equal(o.durationMs, o.lastSeenMs - o.firstSeenMs);
          assert.ok(o.firstSeen <= o.lastSeen);
        }
        assert.equal(r.workpieces.length, WORKPIECE_COUNTS[file]);
        assert.equal(r.failedPayloads, 0);
        assert.equal(r.nonJsonPayloads, 0);
      });
    }

    it('follows the white STORAGE order through the DPS and the HBW (checked line by line in the .log)', async () => {
      const o = await order(WHITE, WHITE_STORAGE);
      // Lines 192 (FTS order) … 424 (FTS state); naive times, read as UTC.
      assert.equal(o.firstSeen, '2025-11-10T18:07:18.020Z');
      assert.equal(o.lastSeen, '2025-11-10T18:08:03.412Z');
      assert.ok(Math.abs(o.firstSeenMs - (Date.UTC(2025, 10, 10, 18, 7, 18) + 20.308)) < 1e-3);
      assert.ok(Math.abs(o.durationMs - 45_392.446) < 1e-2);
      assert.equal(o.messages, 36);
      assert.equal(o.messageIds[0], 192);
      assert.equal(o.messageIds[35], 424);
      assert.deepEqual(o.modules, ['DPS', 'HBW']);
      assert.deepEqual(o.serials, ['SVR4H73275', 'SVR3QA0022']);
      assert.deepEqual(o.fts, ['5iO4']);
      assert.deepEqual(o.workpieces, ['04798eca341290']);
      assert.equal(o.type, 'STORAGE');
      assert.equal(o.workpieceType, 'WHITE');
      assert.equal(o.state, 'FINISHED');
      assert.equal(o.createdAt, '2025-11-10T17:07:17.871Z', 'the CCU keeps the request time');
      assert.equal(o.request, 183);
      assert.equal(o.transitionsOmitted, 0);

      const of = (pick: (t: (typeof o.transitions)[number]) => boolean): string[] =>
        o.transitions.filter(pick).map((t) => `${t.messageId} ${t.command ?? ''} ${t.state}`.replace('  ', ' '));
      assert.deepEqual(of((t) => t.source === 'order'), ['194 IN_PROGRESS', '420 FINISHED']);
      assert.deepEqual(
        o.transitions.filter((t) => t.source === 'order').map((t) => t.topic),
        ['ccu/order/active', 'ccu/order/completed'],
      );
      // The CCU's steps: navigate to the DPS, DROP there, navigate to the HBW, PICK there.
      assert.deepEqual(
        o.transitions.filter((t) => t.source === 'step' && t.state === 'FINISHED').map((t) => [t.command, t.module ?? t.detail]),
        [['NAVIGATION', 'START→DPS'], ['DROP', 'DPS'], ['NAVIGATION', 'DPS→HBW'], ['PICK', 'HBW']],
      );
      // The DPS (its OPC-UA state first says RUNNING without a command; the command comes from the order's action id).
      assert.deepEqual(of((t) => t.source === 'action' && t.module === 'DPS'), ['220 DROP RUNNING', '223 DROP WAITIING', '226 DROP RUNNING', '268 DROP FINISHED']);
      assert.deepEqual(of((t) => t.source === 'action' && t.module === 'HBW'), ['358 PICK RUNNING', '412 PICK FINISHED']);
      assert.deepEqual(
        o.transitions.filter((t) => t.source === 'action' && t.module === 'FTS').map((t) => `${t.command} ${t.state}`),
        ['DOCK WAITING', 'DOCK INITIALIZING', 'DOCK RUNNING', 'DOCK FINISHED', 'PASS WAITING', 'PASS FINISHED', 'PASS FINISHED', 'DOCK INITIALIZING', 'DOCK RUNNING', 'DOCK FINISHED'],
      );
      assert.ok(o.transitions.filter((t) => t.source === 'action' && t.module === 'FTS').every((t) => t.serial === '5iO4' && t.topic === 'fts/v1/ff/5iO4/state'));
      for (let i = 1; i < o.transitions.length; i++) assert.ok(o.transitions[i - 1].messageId <= o.transitions[i].messageId);
    });

    it('follows the red PRODUCTION order HBW → MILL → AIQS → DPS', async () => {
      const o = await order(RED, RED_PRODUCTION);
      // .log lines 468 … 1275 (line 1 is the session meta).
      assert.equal(o.firstSeen, '2026-08-07T09:28:24.800Z');
      assert.equal(o.lastSeen, '2026-08-07T09:31:04.463Z');
      assert.equal(o.messages, 102);
      assert.deepEqual([o.messageIds[0], o.messageIds[o.messageIds.length - 1]], [467, 1274]);
      assert.deepEqual(o.modules, ['HBW', 'MILL', 'AIQS', 'DPS']);
      assert.deepEqual(o.fts, ['5iO4']);
      assert.deepEqual([o.type, o.workpieceType, o.state], ['PRODUCTION', 'RED', 'FINISHED']);
      assert.deepEqual(o.workpieces, ['3599c42c6416a0']);
      assert.equal(o.requestId, 'OSF-UI_825146fd-fd99-4fc8-b745-2673f3b81c71');
    });

    it('takes module types from the layout, else from the steps that name serial and module type', async () => {
      const white = await track(WHITE);
      assert.deepEqual(white.layout, { SVR3QA0022: 'HBW', SVR4H76449: 'DRILL', SVR3QA2098: 'MILL', SVR4H73275: 'DPS', SVR4H76530: 'AIQS', CHRG0: 'CHRG' });
      const red = await track(RED);
      assert.deepEqual(red.layout, {}, 'no ccu/state/layout in this session');
      assert.equal(red.moduleTypes.SVR3QA2098, 'MILL');
      assert.equal(red.moduleTypes.SVR4H76449, 'DRILL');
      // An order seen only in the re-sent history still gets its modules from its steps.
      assert.deepEqual((await order(WHITE, 'bd3ac19a-615b-4cea-8527-af10b2ca1eff')).modules, ['HBW', 'DRILL', 'AIQS']);
    });

    it('links each production request to the order it started', async () => {
      const white = await track(WHITE);
      assert.deepEqual(white.requests, [
        {
          id: 183,
          timestamp: '2025-11-10T18:07:17.888Z',
          tsMs: white.requests[0].tsMs,
          orderIds: [WHITE_STORAGE],
          type: 'STORAGE',
          workpieceType: 'WHITE',
          workpieceId: '04798eca341290',
          requestedAt: '2025-11-10T17:07:17.871Z',
          link: 'timestamp',
        },
      ]);
      const red = await track(RED);
      assert.deepEqual(
        red.requests.map((r) => [r.id, r.type, r.workpieceType, r.orderIds, r.link]),
        [
          [78, 'STORAGE', 'RED', [RED_STORAGE], 'timestamp'],
          [461, 'PRODUCTION', 'RED', [RED_PRODUCTION], 'requestId'],
        ],
      );
      assert.equal((await order(RED, RED_STORAGE)).request, 78);
      assert.equal((await order(RED, RED_PRODUCTION)).request, 461);
      assert.deepEqual((await track('auftrag-rot_1.log')).requests, [], 'its order was requested before the recording');
    });

    it('follows a workpiece from the NFC read through storage into production', async () => {
      const red = await track(RED);
      const w = red.workpieces.find((x) => x.id === '3599c42c6416a0');
      assert.ok(w);
      assert.deepEqual(w.kinds, ['workpieceId', 'loadId', 'nfcRead']);
      assert.equal(w.type, 'RED');
      // The DPS reads the tag (its local order "0"), the STORAGE order stores it, the PRODUCTION order takes it out.
      assert.deepEqual(w.orderIds, ['0', RED_STORAGE, RED_PRODUCTION]);
      assert.equal(w.firstSeen, '2026-08-07T09:27:05.860Z');
      // The re-sent history names ten old workpieces by workpieceId, two orders each (STORAGE, then PRODUCTION).
      assert.ok(red.workpieces.filter((x) => x !== w).every((x) => x.kinds.join() === 'workpieceId' && x.orderIds.length === 2));
    });

    it('keeps the HBW rack (a list of loads) out of the order that happens to be running', async () => {
      const white = await track(WHITE);
      const stock = white.workpieces.filter((w) => w.orderIds.length === 0).map((w) => [w.id, w.kinds, w.type]);
      assert.deepEqual(stock, [
        ['048989ca341290', ['loadId'], 'BLUE'],
        ['040a8dca341291', ['loadId'], 'RED'],
        ['047389ca341291', ['loadId'], 'BLUE'],
      ]);
      assert.deepEqual((await order(WHITE, WHITE_STORAGE)).workpieces, ['04798eca341290']);
    });

    it('counts an orderId that is only a VDA 5050 error reference, and skips the placeholder 0', async () => {
      const r = await track('startup-clean_20260512_102831.log');
      assert.deepEqual(
        r.orders.map((o) => [o.orderId, o.messages, o.fts, o.modules]),
        [
          ['776dbce5-147d-46ac-b97f-2d955a4d5a4e', 2, ['5iO4'], []],
          ['533116f4-0a6d-46f3-9586-852d9391bf21', 18, ['5iO4'], []],
        ],
      );
    });

    it('parses only payloads that can mention an order', async () => {
      const r = await track('synthetic-arduino-sensors_20260508_091000.log');
      assert.deepEqual([r.messagesSeen, r.payloadsParsed, r.orders.length, r.requests.length], [30, 0, 0, 0]);
      const auftrag = await track('auftrag-rot_1.log');
      assert.equal(auftrag.payloadsParsed, 111, 'every message of that session carries the orderId');
    });
  });

  describe('findOrderIds', () => {
    it('finds every orderId in nested objects and arrays, in document order, each once', () => {
      const doc = [
        { orderId: 'a', productionSteps: [{ id: 's1' }, { orderId: 'b' }] },
        [[{ x: { y: [{ orderId: 'c' }] } }]],
        { orderId: 'a', meta: { orderId: 'd' } },
        { errors: [{ errorReferences: [{ referenceKey: 'orderId', referenceValue: 'e' }, { referenceKey: 'nodeId', referenceValue: 'n' }] }] },
      ];
      assert.deepEqual(findOrderIds(doc), ['a', 'b', 'c', 'd', 'e']);
    });

    it('skips empty, null and the placeholder 0; reads other numbers as text', () => {
      assert.deepEqual(findOrderIds([{ orderId: '' }, { orderId: null }, { orderId: 0 }, { orderId: 17 }, { orderId: {} }, { orderId: ['x'] }]), ['17']);
      for (const v of [null, undefined, 1, 'orderId', true]) assert.deepEqual(findOrderIds(v), []);
    });

    it('survives any depth', () => {
      const deep: Record<string, unknown> = {};
      let cur = deep;
      for (let i = 0; i < 100_000; i++) {
        const next: Record<string, unknown> = {};
        cur.c = [next];
        cur = next;
      }
      cur.orderId = 'bottom';
      assert.deepEqual(findOrderIds(deep), ['bottom']);
    });
  });

  describe('streaming', () => {
    it('attributes facts outside any order object to the message’s only order, and not when it has several', () => {
      const t = new OrderTracker();
      t.add(msg('module/v1/ff/SVR1/instantAction', { serialNumber: 'SVR1', actions: [{ actionType: 'x', metadata: { orderId: 'one', workpieceId: 'w1' } }] }));
      t.add(msg('ccu/x', { serialNumber: 'SVR2', workpieceId: 'w2', list: [{ orderId: 'p' }, { orderId: 'q' }] }));
      const r = t.result();
      const by = new Map(r.orders.map((o) => [o.orderId, o]));
      assert.deepEqual(by.get('one')?.serials, ['SVR1']);
      assert.deepEqual(by.get('one')?.workpieces, ['w1']);
      assert.deepEqual([by.get('p')?.serials, by.get('q')?.serials, by.get('p')?.workpieces], [[], [], []]);
      assert.deepEqual(r.workpieces.map((w) => [w.id, w.orderIds]), [['w1', ['one']], ['w2', []]]);
    });

    it('keeps state changes only, and bounds them per order without losing the order’s own states', () => {
      const t = new OrderTracker();
      t.add(msg('ccu/order/active', [{ orderId: 'o', orderType: 'PRODUCTION', type: 'BLUE', state: 'IN_PROGRESS', productionSteps: [] }]));
      t.add(msg('ccu/order/active', [{ orderId: 'o', orderType: 'PRODUCTION', type: 'BLUE', state: 'IN_PROGRESS', productionSteps: [] }]));
      for (let i = 0; i < 3 * MAX_TRANSITIONS; i++) {
        const state = i % 3 === 2 ? 'FINISHED' : 'RUNNING';
        t.add(msg('module/v1/ff/SVR1/state', { orderId: 'o', serialNumber: 'SVR1', actionState: { id: `a${Math.floor(i / 3)}`, command: 'PICK', state } }));
      }
      t.add(msg('ccu/order/completed', [{ orderId: 'o', orderType: 'PRODUCTION', type: 'BLUE', state: 'FINISHED', productionSteps: [] }]));
      const [o] = t.result().orders;
      assert.equal(o.messages, 3 * MAX_TRANSITIONS + 3);
      // Actions: RUNNING, (RUNNING again: no change), FINISHED — two changes per three messages.
      assert.equal(o.transitions.filter((t) => t.source === 'action').length + o.transitionsOmitted, 2 * MAX_TRANSITIONS);
      assert.ok(o.transitionsOmitted > 0);
      assert.deepEqual(o.transitions.filter((t) => t.source === 'order').map((t) => t.state), ['IN_PROGRESS', 'FINISHED']);
      assert.equal(o.state, 'FINISHED');
      assert.equal(o.transitions.length, MAX_TRANSITIONS + 1);
    });

    it('links a request to the next new order of its type and colour within a minute, or to the orders it names', () => {
      const t0 = Date.UTC(2026, 3, 1, 10);
      const t = new OrderTracker();
      t.add(msg('ccu/order/request', { orderType: 'PRODUCTION', type: 'RED' }, t0));
      t.add(msg('ccu/order/active', [{ orderId: 'blue', orderType: 'PRODUCTION', type: 'BLUE', state: 'IN_PROGRESS' }], t0 + 1000));
      t.add(msg('ccu/order/active', [{ orderId: 'red', orderType: 'PRODUCTION', type: 'RED', state: 'IN_PROGRESS' }], t0 + 2000));
      t.add(msg('ccu/order/request', { orderType: 'STORAGE', type: 'WHITE' }, t0 + 3000));
      t.add(msg('ccu/order/active', [{ orderId: 'late', orderType: 'STORAGE', type: 'WHITE', state: 'IN_PROGRESS' }], t0 + 3000 + 61_000));
      t.add(msg('ccu/order/request', { orderType: 'PRODUCTION', type: 'RED', orderId: 'red' }, t0 + 70_000));
      const r = t.result();
      assert.deepEqual(
        r.requests.map((x) => [x.type, x.workpieceType, x.orderIds, x.link]),
        [
          ['PRODUCTION', 'RED', ['red'], 'next-order'],
          ['STORAGE', 'WHITE', [], undefined],
          ['PRODUCTION', 'RED', ['red'], 'orderId'],
        ],
      );
      assert.equal(r.orders.find((o) => o.orderId === 'red')?.request, r.requests[0].id, 'the first request started it');
      assert.equal(r.orders.find((o) => o.orderId === 'blue')?.request, undefined);
    });

    it('gives the same result when asked twice, and goes on after a result', () => {
      const t = new OrderTracker();
      t.add(msg('ccu/order/request', { orderType: 'STORAGE', type: 'RED', timestamp: 'T1' }));
      t.add(msg('ccu/order/active', [{ orderId: 'x', orderType: 'STORAGE', type: 'RED', timestamp: 'T1', state: 'IN_PROGRESS' }]));
      const first = t.result();
      assert.deepEqual(t.result(), first);
      assert.deepEqual(first.requests[0].orderIds, ['x']);
      t.add(msg('fts/v1/ff/F1/state', { orderId: 'x', serialNumber: 'F1' }));
      const later = t.result();
      assert.equal(later.orders[0].messages, 2);
      assert.deepEqual(later.orders[0].fts, ['F1']);
      assert.deepEqual(later.requests[0].orderIds, ['x']);
      assert.doesNotThrow(() => JSON.stringify(later));
    });

    it('keeps a summary bounded when an order names ever more workpieces; detail keeps them all', () => {
      const summary = new OrderTracker({ detail: false });
      const full = new OrderTracker({ detail: true });
      for (let i = 0; i < MAX_TRACKED_WORKPIECES + 50; i++) {
        const m = msg('module/v1/ff/S1/state', { orderId: 'many', workpieceId: `wp${i}` });
        summary.add(m);
        full.add(m);
      }
      const s = summary.result().orders[0];
      assert.equal(s.workpieceCount, MAX_TRACKED_WORKPIECES);
      assert.equal(s.moreWorkpieces, true);
      assert.equal(s.messages, MAX_TRACKED_WORKPIECES + 50);
      const f = full.result().orders[0];
      assert.equal(f.workpieceCount, MAX_TRACKED_WORKPIECES + 50);
      assert.equal(f.moreWorkpieces, undefined);
    });
  });

  describe('hostile input', () => {
    it('never throws: non-JSON, markup, a 5 MB payload, JSON nested 10,000 deep, prototype keys', () => {
      const t = new OrderTracker();
      const deepObject = `${'{"a":'.repeat(10_000)}{"orderId":"deep-object","workpieceId":"w-deep"}${'}'.repeat(10_000)}`;
      const deepArray = `${'['.repeat(10_000)}{"orderId":"deep-array"}${']'.repeat(10_000)}`;
      const huge = JSON.stringify({ orderId: 'huge', blob: 'x'.repeat(5 * 1024 * 1024), loads: Array.from({ length: 1000 }, (_, i) => ({ loadId: `L${i}` })) });
      const inputs: TrackedMessage[] = [
        msg('a/b', 'not json, but it says orderId'),
        msg('a/b', '{"orderId": "unterminated'),
        msg('a/b', '<script>alert("orderId")</script>'),
        msg('module/v1/ff/<script>alert(1)</script>/state', { orderId: '<img src=x onerror=alert(2)>', serialNumber: '"><script>' }),
        msg('module/v1/ff/X/state', deepObject),
        msg('a/b', deepArray),
        msg('a/b', `${'['.repeat(10_000)}{"orderId":"unbalanced"}${']'.repeat(9_999)}`),
        msg('a/b', huge),
        msg('ccu/state/layout', '{"modules":[{"serialNumber":"__proto__","type":"HBW"},{"serialNumber":"constructor","type":"MILL"}]}'),
        msg('a/b', '{"__proto__":{"orderId":"in-proto"},"orderId":"constructor"}'),
        msg('ccu/order/request', '"just a string"'),
        msg('ccu/order/request', 'null'),
        msg('a/b', '"orderId"'),
        msg('a/b', ''),
        msg('', '{"orderId":"empty-topic"}'),
        { id: 99, topic: 'x', payload: '{"orderId":"bad-time"}', tsMs: Number.NaN, timestamp: 'not a time' },
        { id: 100, topic: null, payload: 42 } as unknown as TrackedMessage,
      ];
      for (const m of inputs) assert.doesNotThrow(() => t.add(m));
      const r = t.result();
      assert.deepEqual(r.orders.map((o) => o.orderId).sort(), ['<img src=x onerror=alert(2)>', 'bad-time', 'constructor', 'deep-array', 'deep-object', 'empty-topic', 'huge', 'in-proto'].sort());
      assert.equal(r.nonJsonPayloads, 4);
      assert.equal(r.failedPayloads, 0);
      assert.equal(r.orders.find((o) => o.orderId === 'bad-time')?.firstSeen, 'not a time');
      assert.equal(r.orders[r.orders.length - 1].orderId, 'bad-time', 'an unknown time sorts last');
      assert.deepEqual(r.orders.find((o) => o.orderId === 'deep-object')?.workpieces, ['w-deep']);
      assert.deepEqual(r.orders.find((o) => o.orderId === 'huge')?.workpieces, [], 'a list of 1000 loads is stock');
      assert.equal(Object.getPrototypeOf(r.layout), Object.prototype);
      assert.equal(Object.keys(r.layout).length, 2);
      assert.equal(({} as Record<string, unknown>).type, undefined, 'nothing polluted');
      assert.doesNotThrow(() => JSON.stringify(r));
    });
  });
});
