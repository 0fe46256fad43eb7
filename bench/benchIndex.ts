/**
 * npm run bench:index [-- --messages N --runs R]
 * Reading, indexing, FTS and reopening a synthetic 1,000,000-message session, each next
 * to a bare reference loop run in the same process, alternating, medians of R runs.
 */
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as readline from 'node:readline';
import { buildIndexInWorker } from '../src/core/index/indexClient';
import { loadSqlJs } from '../src/core/index/sqlJs';
import { setRuntimeDir } from '../src/core/runtime/runtimePaths';
import { searchSession } from '../src/core/search/sessionSearch';
import { DbSessionReader } from '../src/core/session/dbSessionReader';
import { SessionLogReader } from '../src/core/session/logReader';
import { ensureSyntheticSession } from './synthetic';

setRuntimeDir(path.join(__dirname, '..'));

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const secs = (ms: number): string => (ms / 1000).toFixed(2);

async function bareRead(file: string): Promise<number> {
  let n = 0;
  const rl = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    const o = JSON.parse(line);
    if (o._kind === undefined) n++;
  }
  return n;
}

async function ourRead(file: string): Promise<number> {
  const reader = new SessionLogReader(file);
  for await (const _batch of reader.batches()) {
    /* consume */
  }
  return reader.messages;
}

/** The reference: what a plain script does — readline, JSON.parse, one prepared insert per row. */
async function bareInsert(file: string, out: string): Promise<number> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  db.run('CREATE TABLE mqtt_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload TEXT NOT NULL, timestamp TEXT NOT NULL)');
  db.run('BEGIN');
  const stmt = db.prepare('INSERT INTO mqtt_messages (topic, payload, timestamp) VALUES (?, ?, ?)');
  let n = 0;
  const rl = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    const o = JSON.parse(line);
    if (o._kind !== undefined) continue;
    stmt.run([o.topic, o.payload, o.timestamp]);
    n++;
  }
  stmt.free();
  db.run('COMMIT');
  await writeFile(out, db.export());
  db.close();
  return n;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  global.gc?.();
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function main(): Promise<void> {
  const count = arg('messages', 1_000_000);
  const runs = arg('runs', 3);
  const dir = path.resolve('.bench');
  await mkdir(dir, { recursive: true });
  const log = path.join(dir, `synthetic-factory-${count}_20260115_080000.log`);
  const db = log.replace(/\.log$/, '.db');
  const bareDb = path.join(dir, 'bare.db');
  const tGen = await timed(() => ensureSyntheticSession(log, count));
  const size = (await stat(log)).size;
  console.log(`# bench:index — ${count} messages, ${(size / 2 ** 20).toFixed(0)} MiB .log (generated/checked in ${secs(tGen.ms)} s)`);
  console.log(`machine: ${os.cpus()[0]?.model} ×${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${os.platform()} ${os.release()}`);

  const read = { bare: [] as number[], ours: [] as number[] };
  for (let r = 0; r < runs; r++) {
    const b = await timed(() => bareRead(log));
    const o = await timed(() => ourRead(log));
    if (b.value !== count || o.value !== count) throw new Error(`read counts differ: bare ${b.value}, ours ${o.value}`);
    read.bare.push(b.ms);
    read.ours.push(o.ms);
  }

  const build = { bare: [] as number[], ours: [] as number[], p99: [] as number[], max: [] as number[] };
  for (let r = 0; r < runs; r++) {
    const b = await timed(() => bareInsert(log, bareDb));
    await rm(db, { force: true });
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const o = await timed(() => buildIndexInWorker(log, db));
    h.disable();
    if (b.value !== count || o.value.messages !== count) throw new Error('build counts differ');
    build.bare.push(b.ms);
    build.ours.push(o.ms);
    build.p99.push(h.percentile(99) / 1e6);
    build.max.push(h.max / 1e6);
  }
  await rm(bareDb, { force: true });

  const reopen: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = await timed(async () => {
      const reader = await DbSessionReader.open(db);
      const n = reader.db.exec('SELECT count(*) FROM mqtt_messages')[0].values[0][0];
      reader.close();
      return n;
    });
    reopen.push(t.ms);
  }

  // FTS on an open index (what a panel or search does once the session is open).
  const reader = await DbSessionReader.open(db);
  const fts = { rare: [] as number[], common: [] as number[], rareHits: 0, commonHits: 0 };
  const ftsRun = (term: string, limit: number): number => {
    const stmt = reader.db.prepare('SELECT m.id, m.topic, m.timestamp FROM mqtt_messages m WHERE m.id IN (SELECT docid FROM mqtt_messages_fts WHERE mqtt_messages_fts MATCH ?) ORDER BY m.ts_ms LIMIT ?');
    stmt.bind([term, limit]);
    let n = 0;
    while (stmt.step()) n++;
    stmt.free();
    return n;
  };
  for (let r = 0; r < 21; r++) {
    let t0 = performance.now();
    fts.rareHits = ftsRun('"SVR4H76449" "instantAction"', 100);
    fts.rare.push(performance.now() - t0);
    t0 = performance.now();
    fts.commonHits = ftsRun('"FINISHED"', 100);
    fts.common.push(performance.now() - t0);
  }
  reader.close();
  const full = await timed(() => searchSession({ name: path.basename(log, '.log'), dir, log, db }, { text: 'SVR4H76449 instantAction', limit: 100 }));

  const rssMiB = process.resourceUsage().maxRSS / 1024;
  const rows = [
    ['read .log (ours)', `${secs(median(read.ours))} s`, `${Math.round(count / (median(read.ours) / 1000)).toLocaleString('en')} msg/s`],
    ['read .log (bare readline + JSON.parse)', `${secs(median(read.bare))} s`, `${Math.round(count / (median(read.bare) / 1000)).toLocaleString('en')} msg/s`],
    ['read rate ours / bare', `${(median(read.bare) / median(read.ours)).toFixed(2)}×`, 'target ≥ 0.8×'],
    ['index build (ours, worker: rows + time/topic indexes + FTS4 + atomic write)', `${secs(median(build.ours))} s`, ''],
    ['bare sql.js prepared-insert loop (4 columns, no indexes, no FTS)', `${secs(median(build.bare))} s`, ''],
    ['build time ours / bare', `${(median(build.ours) / median(build.bare)).toFixed(2)}×`, 'target ≤ 1.3×'],
    ['main-thread event-loop delay during build, p99 (max)', `${median(build.p99).toFixed(1)} ms (${median(build.max).toFixed(1)} ms)`, 'target < 50 ms'],
    ['reopen .db (read file, open, count)', `${median(reopen).toFixed(0)} ms`, 'target < 1 s'],
    [`FTS query, 2 terms, ${fts.rareHits} hits (limit 100)`, `${median(fts.rare).toFixed(1)} ms`, 'target < 50 ms'],
    [`FTS query, 1 common term, ${fts.commonHits} hits (limit 100)`, `${median(fts.common).toFixed(1)} ms`, ''],
    ['search command path (open index + FTS)', `${full.ms.toFixed(0)} ms`, ''],
    ['.db size', `${((await stat(db)).size / 2 ** 20).toFixed(0)} MiB`, ''],
    ['peak RSS (whole process, worker included)', `${rssMiB.toFixed(0)} MiB`, 'target < 1.5 GB'],
  ];
  console.log(`runs: ${runs} (medians)\n`);
  console.log('| measure | value | note |\n|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`\nraw: ${JSON.stringify({ read, build, reopen })}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
