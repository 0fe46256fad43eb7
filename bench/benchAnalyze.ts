/**
 * npm run bench:analyze [-- --messages N --runs R]
 *
 * The analysis queries on the synthetic session of bench:index (1,000,000 messages, 50
 * topics, orderIds in every payload) with its index built: each query R times (median),
 * the size of its result as JSON, and the process's peak RSS.
 */
import { mkdir } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { openAnalysis } from '../src/core/analysis/analysisDb';
import { messageDetail, messagePage } from '../src/core/analysis/messageBrowser';
import { orderDetail, ordersOf } from '../src/core/analysis/sessionAnalysis';
import { categoryStats, sessionStats } from '../src/core/analysis/sessionStats';
import { timeline } from '../src/core/analysis/timeline';
import { ensureIndex } from '../src/core/index/sessionIndex';
import { setRuntimeDir } from '../src/core/runtime/runtimePaths';
import { searchIndex } from '../src/core/search/sessionSearch';
import { resolveSession } from '../src/core/session/sessionFiles';
import { argValue, median, peakRssMiB } from './benchProcesses';
import { ensureSyntheticSession, uuid } from './synthetic';

setRuntimeDir(path.join(__dirname, '..'));

async function main(): Promise<void> {
  const count = Number(argValue('messages') ?? 1_000_000);
  const runs = Number(argValue('runs') ?? 3);
  const dir = path.resolve('.bench');
  await mkdir(dir, { recursive: true });
  const log = path.join(dir, `synthetic-factory-${count}_20260115_080000.log`);
  await ensureSyntheticSession(log, count);
  const files = await resolveSession(log);
  const t0 = performance.now();
  const ensured = await ensureIndex(files);
  const indexMs = performance.now() - t0;
  const cpus = os.cpus();
  console.log(`# bench:analyze — ${count.toLocaleString('en')} messages (${ensured.built ? `index built in ${(indexMs / 1000).toFixed(1)} s` : 'index already built'})`);
  console.log(`machine: ${cpus[0]?.model} ×${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, load ${os.loadavg()[0].toFixed(2)}, node ${process.version}, ${os.platform()} ${os.release()}`);
  console.log(`runs: ${runs} each, medians\n`);

  const t1 = performance.now();
  const a = await openAnalysis(await resolveSession(log));
  const openMs = performance.now() - t1;
  const stats = sessionStats(a.db);
  const start = stats.startMs as number;
  const end = stats.endMs as number;
  const zoomFrom = start + (end - start) * 0.5;
  const zoomTo = zoomFrom + (end - start) * 0.01;
  const oneOrder = uuid(250);

  // The issue's targets: each < 200 ms at 1M and < 1 s at 10M; orders < 2 s.
  const each = count <= 1_000_000 ? 200 : 1000;
  const queries: { name: string; target: number; run: () => unknown | Promise<unknown> }[] = [
    { name: 'statistics + categories', target: each, run: () => {
        const s = sessionStats(a.db);
        return { s, c: categoryStats(s.perTopic) };
      },
    },
    { name: 'timeline, full range, 2000 bins × 50 lanes', target: each, run: () => timeline(a.db, { bins: 2000 }) },
    { name: 'timeline, zoomed to 1 % of the range', target: each, run: () => timeline(a.db, { fromMs: zoomFrom, toMs: zoomTo, bins: 2000 }) },
    { name: 'timeline, zoomed to 30 % of the range', target: each, run: () => timeline(a.db, { fromMs: start + (end - start) * 0.2, toMs: start + (end - start) * 0.5, bins: 2000 }) },
    { name: 'message page (100, zoomed range, 5 topics)', target: each, run: () => messagePage(a.db, { fromMs: zoomFrom, toMs: zoomTo, topics: stats.perTopic.slice(0, 5).map((t) => t.topic), limit: 100 }) },
    { name: 'message detail with diff', target: each, run: () => messageDetail(a.db, Math.floor(count / 2)) },
    { name: 'orders, kept in the index at its build', target: 2000, run: () => ordersOf(a.db) },
    { name: 'orders, a pass over the rows (a live or recovered index; every payload has an orderId)', target: 3000, run: () => ordersOf(a.db, { cached: false }) },
    { name: 'one order in full (2000 messages, transitions)', target: each, run: () => orderDetail(a.db, oneOrder) },
    { name: `search one orderId (${oneOrder.slice(0, 8)}…)`, target: each, run: () => searchIndex(a.name, a.db, { text: oneOrder, limit: 100 }) },
    { name: 'search a word in a quarter of the payloads (first 100)', target: each, run: () => searchIndex(a.name, a.db, { text: 'RUNNING', limit: 100 }) },
  ];
  console.log('| query | median | target | result as JSON | peak RSS so far |');
  console.log('|---|---|---|---|---|');
  const summary: Record<string, number[]> = {};
  try {
    for (const q of queries) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        const result = await q.run();
        times.push(performance.now() - t);
        bytes = Buffer.byteLength(JSON.stringify(result) ?? '');
      }
      summary[q.name] = times;
      const m = median(times);
      console.log(`| ${q.name} | ${m.toFixed(0)} ms | < ${q.target} ms${m < q.target ? ' ✓' : ' ✗'} | ${(bytes / 1024).toFixed(1)} KiB | ${peakRssMiB().toFixed(0)} MiB |`);
    }
  } finally {
    a.close();
  }
  console.log(`\nopening the index: ${openMs.toFixed(0)} ms; peak RSS ${peakRssMiB().toFixed(0)} MiB`);
  console.log(`raw (ms): ${JSON.stringify(Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, v.map((x) => Math.round(x))])))}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
