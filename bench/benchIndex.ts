/**
 * npm run bench:index [-- --messages N --runs R]
 *
 * Reading, indexing, FTS and reopening a synthetic 1,000,000-message session. Every
 * measured step runs in a child process of its own (so its peak RSS is its own), and
 * ours alternates with the bare reference loops in the same run; medians of R runs.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as readline from 'node:readline';
import { buildIndexInWorker } from '../src/core/index/indexClient';
import { CREATE_INDEXES, CREATE_MESSAGES, INSERT_FTS, INSERT_MESSAGE } from '../src/core/index/indexSchema';
import { createDatabaseFile } from '../src/core/db/sqlite';
import { setRuntimeDir } from '../src/core/runtime/runtimePaths';
import { searchIndex } from '../src/core/search/sessionSearch';
import { DbSessionReader } from '../src/core/session/dbSessionReader';
import { SessionLogReader } from '../src/core/session/logReader';
import { parseTimestamp } from '../src/core/session/timestamps';
import { ensureSyntheticSession, uuid } from './synthetic';

setRuntimeDir(path.join(__dirname, '..'));

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rssMiB = (): number => process.resourceUsage().maxRSS / 1024;

interface StepResult {
  ms: number;
  rssMiB: number;
  count?: number;
  p99?: number;
  max?: number;
  extra?: Record<string, number>;
}

async function* bareLines(file: string): AsyncGenerator<Record<string, unknown>> {
  const rl = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    const o = JSON.parse(line);
    if (o._kind === undefined) yield o;
  }
}

/** The measured steps; each runs in its own process. */
const STEPS: Record<string, (log: string, db: string) => Promise<StepResult>> = {
  async 'read-bare'(log) {
    const t0 = performance.now();
    let n = 0;
    const rl = readline.createInterface({ input: createReadStream(log), crlfDelay: Infinity });
    for await (const line of rl) {
      if (!line) continue;
      const o = JSON.parse(line);
      if (o._kind === undefined) n++;
    }
    return { ms: performance.now() - t0, rssMiB: rssMiB(), count: n };
  },
  async 'read-ours'(log) {
    const t0 = performance.now();
    const reader = new SessionLogReader(log);
    for await (const _batch of reader.batches()) {
      /* consume */
    }
    return { ms: performance.now() - t0, rssMiB: rssMiB(), count: reader.messages };
  },
  /** What the old recorder's table costs: 3 columns, no index, no FTS. */
  async 'build-bare-recorder'(log, db) {
    const t0 = performance.now();
    await rm(db, { force: true });
    const d = createDatabaseFile(db);
    d.exec('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -32768;');
    d.exec('CREATE TABLE mqtt_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload TEXT NOT NULL, timestamp TEXT NOT NULL); BEGIN');
    const stmt = d.prepare('INSERT INTO mqtt_messages (topic, payload, timestamp) VALUES (?, ?, ?)');
    let n = 0;
    for await (const o of bareLines(log)) {
      stmt.run([o.topic as string, o.payload as string, o.timestamp as string]);
      n++;
    }
    stmt.finalize();
    d.exec('COMMIT');
    d.close();
    return { ms: performance.now() - t0, rssMiB: rssMiB(), count: n };
  },
  /** The same rows into the same tables as ours (columns, FTS5, indexes), by the plainest loop on the same engine. */
  async 'build-bare-same-schema'(log, db) {
    const t0 = performance.now();
    await rm(db, { force: true });
    const d = createDatabaseFile(db);
    d.exec('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -32768;');
    d.exec(CREATE_MESSAGES);
    d.exec('BEGIN');
    const stmt = d.prepare(INSERT_MESSAGE);
    const fts = d.prepare(INSERT_FTS);
    let n = 0;
    for await (const o of bareLines(log)) {
      n++;
      const payload = o.payload as string;
      stmt.run([n, o.topic as string, payload, o.timestamp as string, parseTimestamp(o.timestamp as string), (o.qos as number) ?? 0, o.retain ? 1 : 0, 'utf8', payload.length, null, null]);
      fts.run([n, o.topic as string, payload]);
    }
    stmt.finalize();
    fts.finalize();
    d.exec('COMMIT');
    d.exec(CREATE_INDEXES);
    d.close();
    return { ms: performance.now() - t0, rssMiB: rssMiB(), count: n };
  },
  /** Native SQLite (Python's sqlite3): the same rows into the same tables (FTS5, indexes). */
  async 'build-native'(log, db) {
    await rm(db, { force: true });
    const t0 = performance.now();
    const r = spawnSync('python3', ['-c', NATIVE_BUILD, log, db, CREATE_MESSAGES, CREATE_INDEXES], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`python3: ${r.stderr || r.error?.message}`);
    const { count, maxrss } = JSON.parse(r.stdout.trim()) as { count: number; maxrss: number };
    return { ms: performance.now() - t0, rssMiB: maxrss / 1024, count };
  },
  async 'build-ours'(log, db) {
    await rm(db, { force: true });
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const t0 = performance.now();
    const r = await buildIndexInWorker(log, db);
    const ms = performance.now() - t0;
    h.disable();
    return { ms, rssMiB: rssMiB(), count: r.messages, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
  },
  async reopen(_log, db) {
    const t0 = performance.now();
    const reader = await DbSessionReader.open(db);
    // What opening costs: the file's schema and our metadata, and the count as summaries keep it.
    const n = Number(reader.db.get('SELECT SUM(count) AS n FROM topic_stats')?.n);
    const ms = performance.now() - t0;
    reader.close();
    return { ms, rssMiB: rssMiB(), count: n };
  },
  async fts(_log, db) {
    const reader = await DbSessionReader.open(db);
    // What `search` runs (searchIndex), not a query of our own.
    const run = (term: string): { ms: number; hits: number } => {
      const t0 = performance.now();
      const hits = searchIndex('bench', reader.db, { text: term, limit: 100 }).length;
      return { ms: performance.now() - t0, hits };
    };
    const rare: number[] = [];
    const order: number[] = [];
    const common: number[] = [];
    let hits = { rare: 0, order: 0, common: 0 };
    for (let i = 0; i < 21; i++) {
      const a = run('"SVR4H76449" "instantAction"');
      const b = run(`"${uuid(7)}"`); // one orderId: 2,000 messages carry it
      const c = run('"FINISHED"');
      rare.push(a.ms);
      order.push(b.ms);
      common.push(c.ms);
      hits = { rare: a.hits, order: b.hits, common: c.hits };
    }
    reader.close();
    return { ms: median(rare), rssMiB: rssMiB(), extra: { rare: median(rare), order: median(order), common: median(common), rareHits: hits.rare, orderHits: hits.order, commonHits: hits.common } };
  },
};

/** Python: read the .log line by line, insert rows and FTS rows in one transaction, then the indexes. */
const NATIVE_BUILD = `
import sys, json, sqlite3, resource, datetime
log, db, create, indexes = sys.argv[1:5]
c = sqlite3.connect(db)
c.executescript('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -32768;')
c.executescript(create)
def ms(t):
    return datetime.datetime.fromisoformat(t.replace('Z', '+00:00')).timestamp() * 1000
n = 0
c.execute('BEGIN')
ins = 'INSERT INTO mqtt_messages (id, topic, payload, timestamp, ts_ms, qos, retain, payload_encoding, payload_size, props, source_line) VALUES (?,?,?,?,?,?,?,?,?,?,?)'
fts = 'INSERT INTO mqtt_messages_fts(rowid, topic, payload) VALUES (?,?,?)'
with open(log, encoding='utf-8') as f:
    for line in f:
        o = json.loads(line)
        if '_kind' in o: continue
        n += 1
        p = o['payload']
        c.execute(ins, (n, o['topic'], p, o['timestamp'], ms(o['timestamp']), o.get('qos', 0), 1 if o.get('retain') else 0, 'utf8', len(p), None, None))
        c.execute(fts, (n, o['topic'], p))
c.execute('COMMIT')
c.executescript(indexes)
c.close()
print(json.dumps({'count': n, 'maxrss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
`;

function runStep(step: string, log: string, db: string): StepResult {
  const r = spawnSync(process.execPath, ['--expose-gc', __filename, '--step', step, '--log', log, '--db', db], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`step ${step} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as StepResult;
}

async function main(): Promise<void> {
  const step = argValue('step');
  if (step) {
    const result = await STEPS[step](argValue('log') as string, argValue('db') as string);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const count = Number(argValue('messages') ?? 1_000_000);
  const runs = Number(argValue('runs') ?? 3);
  const dir = path.resolve('.bench');
  await mkdir(dir, { recursive: true });
  const log = path.join(dir, `synthetic-factory-${count}_20260115_080000.log`);
  const db = log.replace(/\.log$/, '.db');
  const bareDb = path.join(dir, 'bare.db');
  await ensureSyntheticSession(log, count);
  const size = (await stat(log)).size;
  const cpus = os.cpus();
  console.log(`# bench:index — ${count.toLocaleString('en')} messages, ${(size / 2 ** 20).toFixed(0)} MiB .log, ${(size / count).toFixed(0)} bytes a line`);
  console.log(`machine: ${cpus[0]?.model} ×${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, load ${os.loadavg()[0].toFixed(2)}, node ${process.version}, ${os.platform()} ${os.release()}`);
  console.log(`runs: ${runs}, each step in its own process, ours alternating with the references; medians\n`);

  const all: Record<string, StepResult[]> = {};
  const take = (name: string, r: StepResult): void => {
    if (r.count !== undefined && r.count !== count) throw new Error(`${name}: ${r.count} messages, expected ${count}`);
    (all[name] ??= []).push(r);
    process.stderr.write(`  ${name}: ${(r.ms / 1000).toFixed(2)} s, ${r.rssMiB.toFixed(0)} MiB\n`);
  };
  for (let i = 0; i < runs; i++) {
    take('read-bare', runStep('read-bare', log, db));
    take('read-ours', runStep('read-ours', log, db));
  }
  for (let i = 0; i < runs; i++) {
    take('build-bare-recorder', runStep('build-bare-recorder', log, bareDb));
    take('build-bare-same-schema', runStep('build-bare-same-schema', log, bareDb));
    take('build-native', runStep('build-native', log, bareDb));
    take('build-ours', runStep('build-ours', log, db));
  }
  await rm(bareDb, { force: true });
  for (let i = 0; i < runs; i++) take('reopen', runStep('reopen', log, db));
  take('fts', runStep('fts', log, db));

  const m = (name: string, key: keyof StepResult = 'ms'): number => median(all[name].map((r) => r[key] as number));
  const rate = (name: string): string => `${Math.round(count / (m(name) / 1000)).toLocaleString('en')} msg/s`;
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const fts = all.fts[0].extra as Record<string, number>;
  const rows: string[][] = [
    ['read .log — ours (SessionLogReader)', s(m('read-ours')), rate('read-ours'), ''],
    ['read .log — bare readline + JSON.parse', s(m('read-bare')), rate('read-bare'), ''],
    ['**read rate, ours / bare**', `**${(m('read-bare') / m('read-ours')).toFixed(2)}×**`, '', 'target ≥ 0.8×'],
    ['index build — ours (worker: rows, FTS5, 2 indexes, summaries, meta, written in place and renamed)', s(m('build-ours')), rate('build-ours'), `${m('build-ours', 'rssMiB').toFixed(0)} MiB`],
    ['bare loop, same rows into the same tables (FTS5, indexes), same engine', s(m('build-bare-same-schema')), rate('build-bare-same-schema'), `${m('build-bare-same-schema', 'rssMiB').toFixed(0)} MiB`],
    ['bare loop, old recorder table (3 columns, no index, no FTS)', s(m('build-bare-recorder')), rate('build-bare-recorder'), `${m('build-bare-recorder', 'rssMiB').toFixed(0)} MiB`],
    ['native SQLite (Python sqlite3), same rows into the same tables', s(m('build-native')), rate('build-native'), `${m('build-native', 'rssMiB').toFixed(0)} MiB`],
    ['**build, ours / bare same tables**', `**${(m('build-ours') / m('build-bare-same-schema')).toFixed(2)}×**`, '', 'target ≤ 1.2×'],
    ['**build, ours / native SQLite**', `**${(m('build-ours') / m('build-native')).toFixed(2)}×**`, '', 'target ≤ 1.5×'],
    ['**build, ours / bare old-recorder table**', `**${(m('build-ours') / m('build-bare-recorder')).toFixed(2)}×**`, '', 'target ≤ 1.3× (see notes)'],
    ['main-thread event-loop delay while the worker builds, p99 (max)', `${m('build-ours', 'p99').toFixed(1)} ms`, `max ${m('build-ours', 'max').toFixed(1)} ms`, 'target < 50 ms'],
    ['reopen the .db (open in place, check the layout, count from topic_stats)', `${m('reopen').toFixed(0)} ms`, '', 'target < 100 ms'],
    [`FTS: 2 rare terms (${fts.rareHits} hits, limit 100)`, `${fts.rare.toFixed(1)} ms`, '', 'target < 50 ms'],
    [`FTS: one orderId (${fts.orderHits} hits)`, `${fts.order.toFixed(1)} ms`, '', ''],
    [`FTS: a term in every 4th message (${fts.commonHits} hits)`, `${fts.common.toFixed(1)} ms`, '', ''],
    ['.db size', `${((await stat(db)).size / 2 ** 20).toFixed(0)} MiB`, '', ''],
    ['peak RSS, index build (process incl. worker)', `${m('build-ours', 'rssMiB').toFixed(0)} MiB`, '', 'target < 300 MB'],
    ['peak RSS, reopen', `${m('reopen', 'rssMiB').toFixed(0)} MiB`, '', ''],
  ];
  console.log('| measure | median | rate / detail | note |\n|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`\nall runs (ms): ${JSON.stringify(Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.map((r) => Math.round(r.ms))])))}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
