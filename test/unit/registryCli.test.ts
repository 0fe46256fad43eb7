import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CLI, removeTempDirs, runCli, tempDir } from '../helpers';

/** A record as the Python registry writes it. */
function rec(id: string, run_type: string, status: string, started_at: string, metrics: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    session_id: id,
    run_id: null,
    run_type,
    mode: 'shadow',
    env_name: 'kraken_futures_testnet',
    symbol: 'BTC/USDT',
    status,
    started_at,
    finished_at: null,
    config: { strategy_name: 'ma_crossover' },
    metrics,
    cli_args: ['scripts/run.py', '--id', id],
    error: status === 'failed' ? 'boom' : null,
    created_at: started_at,
    strategy_tier: 'core',
  };
}

async function registry(): Promise<string> {
  const dir = path.join(await tempDir(), 'live_sessions');
  await mkdir(dir);
  const records = [
    rec('s1', 'live_session_shadow', 'completed', '2026-01-01T10:00:00', { realized_pnl: 10, max_drawdown: 0.1 }),
    rec('s2', 'live_session_testnet', 'failed', '2026-01-02T10:00:00+01:00', { realized_pnl: -4 }),
    rec('s3', 'live_session_shadow', 'completed', '2026-01-03T10:00:00Z', { realized_pnl: 1.5, max_drawdown: 0.3 }),
  ];
  for (const r of records) await writeFile(path.join(dir, `${String(r.started_at).replace(/\D/g, '').slice(0, 14)}_${r.run_type}_${r.session_id}.json`), JSON.stringify(r, null, 2));
  return dir;
}

const sessionsIn = (md: string): string[] => [...md.matchAll(/^# Live-Session (\S+)$/gm)].map((m) => m[1]);
const STAMP = /^\d{8}T\d{6}_/;

describe('mqtt-sessions report / register / monitor', () => {
  after(removeTempDirs);

  describe('report', () => {
    it('writes the Markdown report and summary into the registry folder and prints their paths', async () => {
      const dir = await registry();
      const r = await runCli(['report', '--dir', dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const written = r.stdout.trim().split('\n');
      assert.equal(written.length, 2);
      assert.match(path.basename(written[0]), /^\d{8}T\d{6}_sessions_report\.md$/);
      assert.match(path.basename(written[1]), /^\d{8}T\d{6}_sessions_summary\.md$/);
      for (const f of written) assert.equal(path.dirname(f), dir);
      const report = await readFile(written[0], 'utf8');
      assert.ok(report.startsWith('# Live-Sessions\n\n# Live-Session s3\n'));
      assert.deepEqual(sessionsIn(report), ['s3', 's2', 's1']);
      assert.equal(report.match(/^---$/gm)?.length, 2);
      const summary = await readFile(written[1], 'utf8');
      assert.match(summary, /^\| num_sessions \| 3 \|$/m);
      assert.match(summary, /^\| total_realized_pnl \| 7\.5 \|$/m);
      assert.match(summary, /^\| avg_max_drawdown \| 0\.2 \|$/m);
      assert.match(summary, /^\| first_started_at \| `2026-01-01T10:00:00` \|$/m);
      assert.match(summary, /^\| last_started_at \| `2026-01-03T10:00:00Z` \|$/m);
      // The reports are not records: a second run reads the same three and no problems.
      const again = await runCli(['report', '--dir', dir, '--stdout']);
      assert.equal(again.stderr, '');
      assert.deepEqual(sessionsIn(again.stdout), ['s3', 's2', 's1']);
    });

    it('--output-format both writes Markdown and HTML into --output-dir; --summary-only only the summary', async () => {
      const dir = await registry();
      const out = path.join(await tempDir(), 'out', 'nested');
      const r = await runCli(['report', '--dir', dir, '--output-format', 'both', '--output-dir', out]);
      assert.equal(r.code, 0, r.stderr);
      const names = (await readdir(out)).sort();
      assert.deepEqual(names.map((n) => n.replace(STAMP, '')), ['sessions_report.html', 'sessions_report.md', 'sessions_summary.html', 'sessions_summary.md']);
      for (const n of names.filter((x) => x.endsWith('.html'))) {
        const html = await readFile(path.join(out, n), 'utf8');
        assert.match(html, /^<!DOCTYPE html>\n/);
        assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
        assert.doesNotMatch(html, /<script/i);
      }
      const only = path.join(await tempDir(), 'summary');
      const s = await runCli(['report', '--dir', dir, '--summary-only', '--output-format', 'html', '--output-dir', only]);
      assert.equal(s.code, 0, s.stderr);
      assert.deepEqual((await readdir(only)).map((n) => n.replace(STAMP, '')), ['sessions_summary.html']);
    });

    it('--stdout prints one document and writes nothing; filters and --limit pick the newest matching', async () => {
      const dir = await registry();
      const before = (await readdir(dir)).sort();
      const all = await runCli(['report', '--dir', dir, '--stdout']);
      assert.equal(all.code, 0, all.stderr);
      assert.ok(all.stdout.startsWith('# Live-Sessions\n'));
      assert.deepEqual((await readdir(dir)).sort(), before);
      assert.deepEqual(sessionsIn((await runCli(['report', '--dir', dir, '--stdout', '--run-type', 'live_session_shadow'])).stdout), ['s3', 's1']);
      assert.deepEqual(sessionsIn((await runCli(['report', '--dir', dir, '--stdout', '--status', 'failed'])).stdout), ['s2']);
      assert.deepEqual(sessionsIn((await runCli(['report', '--dir', dir, '--stdout', '--limit', '2'])).stdout), ['s3', 's2']);
      assert.deepEqual(sessionsIn((await runCli(['report', '--dir', dir, '--stdout', '--run-type', 'live_session_shadow', '--limit', '1'])).stdout), ['s3']);
      const none = await runCli(['report', '--dir', dir, '--stdout', '--status', 'aborted']);
      assert.equal(none.code, 0);
      assert.equal(none.stdout, '# Live-Sessions\n\nKeine Sessions gefunden.\n');
      const summary = await runCli(['report', '--dir', dir, '--stdout', '--summary-only', '--status', 'completed']);
      assert.match(summary.stdout, /^\| num_sessions \| 2 \|$/m);
      assert.match(summary.stdout, /^\*\*Filter:\*\* `status = completed`$/m);
      const html = await runCli(['report', '--dir', dir, '--stdout', '--output-format', 'html']);
      assert.match(html.stdout, /^<!DOCTYPE html>[\s\S]*<h1>Live-Sessions \(3\)<\/h1>/);
    });

    it('lists unreadable files on stderr, one line each, and still writes the report (exit 0)', async () => {
      const dir = await registry();
      await writeFile(path.join(dir, 'broken.json'), '{"session_id": "x",');
      await writeFile(path.join(dir, 'wrong.json'), JSON.stringify(rec('w', 't', 'running', '2026-01-01T00:00:00')));
      await writeFile(path.join(dir, 'empty.json'), '');
      const r = await runCli(['report', '--dir', dir, '--stdout']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sessionsIn(r.stdout), ['s3', 's2', 's1']);
      const lines = r.stderr.trim().split('\n').sort();
      assert.equal(lines.length, 3);
      assert.match(lines[0], new RegExp(`^${path.join(dir, 'broken.json')}: not valid JSON: .* \\(skipped\\)$`));
      assert.equal(lines[1], `${path.join(dir, 'empty.json')}: empty file (skipped)`);
      assert.match(lines[2], new RegExp(`^${path.join(dir, 'wrong.json')}: status: .* \\(skipped\\)$`));
      const summary = await runCli(['report', '--dir', dir, '--stdout', '--summary-only']);
      assert.match(summary.stdout, /## Unreadable files\n\n(- `.*`: `.*`\n){3}/);
      const quiet = await runCli(['report', '--dir', dir, '--stdout', '--log-level', 'ERROR']);
      assert.equal(quiet.stderr, '');
      const verbose = await runCli(['report', '--dir', dir, '--stdout', '--log-level', 'debug']);
      assert.match(verbose.stderr, /: 3 records read, 3 unreadable, 3 selected$/m);
      assert.match(verbose.stderr, /s1 completed 2026-01-01T10:00:00/);
    });

    it('reads reports/experiments/live_sessions by default', async () => {
      const cwd = await tempDir();
      const dir = path.join(cwd, 'reports', 'experiments', 'live_sessions');
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'a.json'), JSON.stringify(rec('default-folder', 't', 'started', '2026-01-01T00:00:00')));
      const r = await runCli(['report', '--stdout'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sessionsIn(r.stdout), ['default-folder']);
    });

    it('exit 1 for a missing folder, exit 2 for usage errors, each with one line on stderr', async () => {
      const dir = await registry();
      const missing = await runCli(['report', '--dir', path.join(dir, 'nope')]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, `mqtt-sessions: ${path.join(dir, 'nope')}: no such folder\n`);
      for (const args of [
        ['--status', 'running'],
        ['--limit', '0'],
        ['--limit', 'ten'],
        ['--output-format', 'pdf'],
        ['--stdout', '--output-format', 'both'],
        ['--stdout', '--output-dir', dir],
        ['--log-level', 'LOUD'],
        ['--bogus'],
        ['extra'],
      ]) {
        const r = await runCli(['report', '--dir', dir, ...args]);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stderr.trim().split('\n').length, 1, args.join(' '));
      }
    });
  });

  describe('register', () => {
    it('validates and files a record; never overwrites; names the field of a bad one', async () => {
      const root = await tempDir();
      const dir = path.join(root, 'registry');
      const input = path.join(root, 'in.json');
      await writeFile(input, JSON.stringify(rec('../evil id', 'live/shadow', 'completed', '2026-02-03T04:05:06.789+01:00')));
      const r = await runCli(['register', '--dir', dir, input]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${path.join(dir, '20260203T040506_live_shadow~6cbb2c483cbf_.._evil_id~de30f3c53c6a.json')}\n`);
      assert.deepEqual(JSON.parse(await readFile(r.stdout.trim(), 'utf8')), JSON.parse(await readFile(input, 'utf8')));
      assert.deepEqual(await readdir(root), ['in.json', 'registry'].sort());

      const again = await runCli(['register', '--dir', dir, input]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^mqtt-sessions: .*20260203T040506_live_shadow~6cbb2c483cbf_\.\._evil_id~de30f3c53c6a\.json already exists \(records are never overwritten\)\n$/);

      const bad = path.join(root, 'bad.json');
      await writeFile(bad, JSON.stringify({ ...rec('b', 't', 'completed', '2026-01-01T00:00:00'), metrics: { realized_pnl: 'lots' } }));
      const b = await runCli(['register', '--dir', dir, bad]);
      assert.equal(b.code, 1);
      assert.equal(b.stderr, `mqtt-sessions: ${bad}: metrics.realized_pnl: expected number, received string\n`);
      const notJson = path.join(root, 'not.json');
      await writeFile(notJson, 'nope');
      assert.match((await runCli(['register', '--dir', dir, notJson])).stderr, /not\.json: not valid JSON/);
      assert.equal((await readdir(dir)).length, 1);
      assert.equal((await runCli(['register', '--dir', dir])).code, 2);
    });
  });

  describe('monitor', () => {
    async function logDir(errors: number, total: number): Promise<string> {
      const dir = await tempDir();
      const lines = Array.from({ length: total }, (_, i) => JSON.stringify({ time: '2026-05-12T10:00:00.000Z', level: i < errors ? 'ERROR' : 'INFO', component: 'recorder', message: `m${i}` }));
      await writeFile(path.join(dir, 'session_manager.jsonl'), `${lines.join('\n')}\n`);
      return dir;
    }

    it('--once with a healthy log: exit 0, no alerts', async () => {
      const dir = await logDir(1, 100);
      const r = await runCli(['monitor', '--log-dir', dir, '--once']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^checked \d{4}-\d{2}-\d{2}T/);
      assert.match(r.stdout, /error rate 1 % \(1 ERROR\)/);
      assert.match(r.stdout, /^No alerts \(checked .*\)\.$/m);
      assert.doesNotMatch(r.stdout, /## Alert Report/);
    });

    it('--once with too many errors: prints and writes the alert report, exit 1', async () => {
      const dir = await logDir(25, 100);
      const report = path.join(await tempDir(), 'alerts.md');
      const r = await runCli(['monitor', '--log-dir', dir, '--once', '--report', report]);
      assert.equal(r.code, 1, r.stderr);
      const text = await readFile(report, 'utf8');
      assert.match(
        text,
        /^## Alert Report\n- Timestamp: \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\n- Alert Type: Error\n- Severity: Error\n- Affected Component: log .*session_manager\.jsonl\n- Current Value: 25 % \(25 of 100 lines\)\n- Threshold: 10 %\n- Recommended Action: .+\n$/,
      );
      assert.ok(r.stdout.endsWith(text));
      // A higher threshold from the command line silences it.
      assert.equal((await runCli(['monitor', '--log-dir', dir, '--once', '--max-error-rate', '30'])).code, 0);
    });

    it('growth between two --once runs (state kept in the log folder), threshold configurable', async () => {
      const dir = await logDir(0, 10);
      const first = await runCli(['monitor', '--log-dir', dir, '--once']);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /growth -/);
      const size = (await readFile(path.join(dir, 'session_manager.jsonl'))).length;
      await appendFile(path.join(dir, 'session_manager.jsonl'), `${JSON.stringify({ level: 'INFO', message: 'x'.repeat(Math.ceil(size * 0.7)) })}\n`);
      const quiet = await runCli(['monitor', '--log-dir', dir, '--once', '--max-growth', '90']);
      assert.equal(quiet.code, 0, quiet.stdout);
      await appendFile(path.join(dir, 'session_manager.jsonl'), `${JSON.stringify({ level: 'INFO', message: 'y'.repeat(Math.ceil(size * 1.5)) })}\n`);
      const second = await runCli(['monitor', '--log-dir', dir, '--once']);
      assert.equal(second.code, 1);
      assert.match(second.stdout, /- Alert Type: Growth\n- Severity: Warning\n- Affected Component: log folder .*\n- Current Value: \d+(\.\d+)? %\n- Threshold: 50 %/);
    });

    it('--broker that does not answer is a Critical performance alert', async () => {
      const dir = await logDir(0, 10);
      const r = await runCli(['monitor', '--log-dir', dir, '--once', '--broker', 'mqtt://127.0.0.1:1']);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /- Alert Type: Performance\n- Severity: Critical\n- Affected Component: broker mqtt:\/\/127\.0\.0\.1:1\n- Current Value: no answer \(.*ECONNREFUSED.*\)\n- Threshold: 2 s\n/);
    });

    it('runs every --interval until Ctrl-C, then exits 0', async () => {
      const dir = await logDir(0, 10);
      const child = spawn(process.execPath, [CLI, 'monitor', '--log-dir', dir, '--interval', '0.2'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const deadline = Date.now() + 20_000;
      while ((out.match(/^checked /gm)?.length ?? 0) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0);
      assert.ok((out.match(/^checked /gm)?.length ?? 0) >= 3, out);
      assert.match(out, /growth \+0 %/);
    });

    it('exit 1 for a missing log folder, 2 for usage errors', async () => {
      const dir = await tempDir();
      assert.equal((await runCli(['monitor', '--log-dir', path.join(dir, 'nope'), '--once'])).code, 1);
      for (const args of [['--interval', '0'], ['--interval', 'soon'], ['--once', '--interval', '5'], ['--max-growth', '-1'], ['--bogus'], ['extra']]) {
        const r = await runCli(['monitor', '--log-dir', dir, ...args]);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      }
    });
  });
});
