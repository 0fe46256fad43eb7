/**
 * npm run bench:registry [-- --records N --runs R]
 * A live-session registry of N records (1 % of them unreadable) under .bench/registry:
 * our list + summary + Markdown report, next to a plain Python reading of the same folder
 * (glob, json.load each, sort by started_at) run as a subprocess, alternating, medians of R runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderRecordsMarkdown, renderSummaryMarkdown } from '../src/core/registry/registryReport';
import { listRecords, recordFileName, summarizeRecords } from '../src/core/registry/registryStore';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number): string => `${x.toFixed(0)} ms`;

/** The reference the records come from: what a Python script does with the folder. */
const PYTHON_READ = `
import glob, json, os, sys
records, bad = [], 0
for p in glob.glob(os.path.join(sys.argv[1], '*.json')):
    try:
        with open(p, encoding='utf-8') as f:
            r = json.load(f)
        if not isinstance(r, dict):
            raise ValueError('not an object')
        records.append(r)
    except Exception:
        bad += 1
records.sort(key=lambda r: str(r.get('started_at') or ''), reverse=True)
print(len(records), bad)
`;

/** Deterministic pseudo-random numbers, so that every run generates the same folder. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const MARKER = '.bench-registry';

/** Writes N records the way the Python registry does (indent 2); every 100th is broken in one of four ways. */
async function ensureRegistry(dir: string, count: number): Promise<{ generated: boolean; corrupt: number }> {
  const marker = await readFile(path.join(dir, MARKER), 'utf8').catch(() => '');
  const corrupt = Math.floor(count / 100);
  if (marker && JSON.parse(marker).count === count) return { generated: false, corrupt };
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const rnd = lcg(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const base = Date.UTC(2025, 0, 1);
  for (let i = 0; i < count; i++) {
    const start = base + Math.floor(rnd() * 365 * 86_400_000);
    const iso = new Date(start).toISOString();
    // Naive with microseconds (Python's datetime.utcnow().isoformat()), +00:00, +01:00 and Z.
    const started_at = [`${iso.slice(0, 23)}${String(i % 1000).padStart(3, '0')}`, `${iso.slice(0, 19)}+00:00`, `${new Date(start + 3_600_000).toISOString().slice(0, 19)}+01:00`, iso][i % 4];
    const status = pick(['completed', 'completed', 'completed', 'failed', 'aborted', 'started'] as const);
    const mode = pick(['shadow', 'testnet', 'paper', 'live'] as const);
    const record: Record<string, unknown> = {
      session_id: `session_${iso.slice(0, 10).replace(/-/g, '')}_${String(i).padStart(5, '0')}`,
      run_id: rnd() < 0.5 ? null : `run_${i}`,
      run_type: `live_session_${mode}`,
      mode,
      env_name: pick(['kraken_futures_testnet', 'kraken_spot', 'binance_testnet']),
      symbol: pick(['BTC/USDT', 'ETH/USDT', 'BTC/EUR', 'SOL/USDT']),
      status,
      started_at,
      finished_at: status === 'started' ? null : new Date(start + Math.floor(rnd() * 7_200_000)).toISOString().slice(0, 26),
      config: { strategy_name: pick(['ma_crossover', 'rsi_reversion', 'breakout']), timeframe: pick(['1m', '5m', '1h']), risk: { max_position: 0.1, stop_loss: 0.02 } },
      metrics: { realized_pnl: Math.round((rnd() - 0.45) * 100_000) / 100, num_orders: Math.floor(rnd() * 200), ...(rnd() < 0.8 ? { max_drawdown: Math.round(rnd() * 1000) / 10_000 } : {}) },
      cli_args: ['scripts/run_execution_session.py', '--mode', mode, '--symbol', 'BTC/USDT'],
      error: status === 'failed' ? 'Order rejected: insufficient margin' : null,
      created_at: iso.slice(0, 26),
      strategy_tier: pick(['core', 'aux', 'legacy', 'r_and_d', null]),
    };
    let text = JSON.stringify(record, null, 2);
    if (i % 100 === 99) text = [text.slice(0, text.length >> 1), '', '[1, 2, 3]', JSON.stringify({ ...record, status: 'running' }, null, 2)][(i / 100) % 4 | 0];
    await writeFile(path.join(dir, recordFileName(record as { started_at: string; run_type: string; session_id: string })), text);
  }
  await writeFile(path.join(dir, MARKER), JSON.stringify({ count }));
  return { generated: true, corrupt };
}

async function ours(dir: string): Promise<{ list: number; summary: number; markdown: number; total: number; records: number; problems: number; bytes: number }> {
  const t0 = performance.now();
  const listing = await listRecords(dir);
  const t1 = performance.now();
  const summary = summarizeRecords(listing.entries);
  const t2 = performance.now();
  const md = renderRecordsMarkdown(listing.entries.map((e) => e.record)) + renderSummaryMarkdown(summary, { dir, problems: listing.problems });
  const t3 = performance.now();
  return { list: t1 - t0, summary: t2 - t1, markdown: t3 - t2, total: t3 - t0, records: listing.entries.length, problems: listing.problems.length, bytes: Buffer.byteLength(md) };
}

function timedProcess(cmd: string, args: string[]): { ms: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const elapsed = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error}`);
  return { ms: elapsed, stdout: r.stdout };
}

async function main(): Promise<void> {
  const count = arg('records', 10_000);
  const runs = arg('runs', 5);
  const dir = path.resolve('.bench', 'registry');
  const cli = path.join(__dirname, '..', 'cli.js');
  const g0 = performance.now();
  const gen = await ensureRegistry(dir, count);
  const files = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).length;
  const python = spawnSync('python3', ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`# bench:registry — ${files} records in ${path.relative(process.cwd(), dir)} (${gen.corrupt} unreadable; ${gen.generated ? 'generated' : 'reused'} in ${((performance.now() - g0) / 1000).toFixed(1)} s)`);
  console.log(`machine: ${os.cpus()[0]?.model} ×${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, load ${os.loadavg()[0].toFixed(2)}, node ${process.version}, ${python}, ${os.platform()} ${os.release()}`);

  // One untimed round: both sides read from a warm page cache.
  await ours(dir);
  timedProcess('python3', ['-c', PYTHON_READ, dir]);

  const t = { ours: [] as number[], list: [] as number[], summary: [] as number[], markdown: [] as number[], cli: [] as number[], cliSummary: [] as number[], py: [] as number[], pyStart: [] as number[], nodeStart: [] as number[] };
  let last: Awaited<ReturnType<typeof ours>> | undefined;
  let pyCounts = '';
  for (let r = 0; r < runs; r++) {
    const py = timedProcess('python3', ['-c', PYTHON_READ, dir]);
    pyCounts = py.stdout.trim();
    t.py.push(py.ms);
    last = await ours(dir);
    t.ours.push(last.total);
    t.list.push(last.list);
    t.summary.push(last.summary);
    t.markdown.push(last.markdown);
    t.cli.push(timedProcess(process.execPath, [cli, 'report', '--dir', dir, '--stdout', '--log-level', 'ERROR']).ms);
    t.cliSummary.push(timedProcess(process.execPath, [cli, 'report', '--dir', dir, '--stdout', '--summary-only', '--log-level', 'ERROR']).ms);
    t.pyStart.push(timedProcess('python3', ['-c', 'pass']).ms);
    t.nodeStart.push(timedProcess(process.execPath, ['-e', '0']).ms);
  }
  const [pyRecords, pyBad] = pyCounts.split(' ').map(Number);
  if (!last || last.records + last.problems !== files || pyRecords + pyBad !== files) throw new Error(`counts do not add up: ours ${last?.records}+${last?.problems}, python ${pyCounts}, files ${files}`);

  const oursMs = median(t.ours);
  const pyMs = median(t.py);
  const pyNet = pyMs - median(t.pyStart);
  const rows = [
    ['ours, in process: list + summary + Markdown report of all', ms(oursMs), `target < 1 s: ${oursMs < 1000 ? 'met' : 'NOT met'}`],
    ['  of which list (read, parse, validate, sort)', ms(median(t.list)), `${last.records} records, ${last.problems} problems`],
    ['  of which summary', ms(median(t.summary)), ''],
    ['  of which Markdown (report + summary)', ms(median(t.markdown)), `${(last.bytes / 2 ** 20).toFixed(1)} MiB`],
    ['ours, CLI `report --stdout` (node start included)', ms(median(t.cli)), `prints the whole report`],
    ['ours, CLI `report --stdout --summary-only` (node start included)', ms(median(t.cliSummary)), 'list + summary only'],
    ['Python reference, subprocess (glob, json.load, sort)', ms(pyMs), `${pyRecords} read, ${pyBad} failed (no validation)`],
    ['Python start alone (`python3 -c pass`)', ms(median(t.pyStart)), ''],
    ['Node start alone (`node -e 0`)', ms(median(t.nodeStart)), ''],
    ['Python reference without its start', ms(pyNet), ''],
    ['in process: ours / Python without start', `${(oursMs / pyNet).toFixed(2)}×`, `target ≤ 1×: ${oursMs <= pyNet ? 'met' : 'NOT met'}`],
    ['as processes: CLI summary-only / Python', `${(median(t.cliSummary) / pyMs).toFixed(2)}×`, ''],
    ['as processes: CLI full report / Python', `${(median(t.cli) / pyMs).toFixed(2)}×`, ''],
  ];
  console.log(`runs: ${runs}, alternating (medians)\n`);
  console.log('| measure | median | note |\n|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log(`\npeak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  console.log(`raw: ${JSON.stringify(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.map((x) => Math.round(x))])))}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
