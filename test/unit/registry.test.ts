import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type LiveSessionRecord, checkRecord } from '../../src/core/registry/liveSessionRecord';
import {
  renderRecordHtml,
  renderRecordMarkdown,
  renderRecordsHtml,
  renderRecordsMarkdown,
  renderSummaryHtml,
  renderSummaryMarkdown,
} from '../../src/core/registry/registryReport';
import { registryOverview } from '../../src/core/registry/registryOverview';
import { InvalidRecordError, listRecords, loadRecord, recordFileName, registerRecord, summarizeRecords } from '../../src/core/registry/registryStore';
import { escapeHtml } from '../../src/core/util/html';
import { removeTempDirs, tempDir } from '../helpers';

/** Every key the Python registry writes, plus one it might add later. */
const FULL = {
  session_id: 'session_20251208_001',
  run_id: 'run-7',
  run_type: 'live_session_shadow',
  mode: 'shadow',
  env_name: 'kraken_futures_testnet',
  symbol: 'BTC/USDT',
  status: 'completed',
  started_at: '2025-12-08T14:30:22.123456',
  finished_at: '2025-12-08T15:30:22+00:00',
  config: { strategy_name: 'ma_crossover', timeframe: '1m', params: { fast: 5, slow: [20, 50] } },
  metrics: { realized_pnl: 150.5, max_drawdown: 0.05, num_orders: 12 },
  cli_args: ['scripts/run_execution_session.py', '--mode', 'shadow'],
  error: null,
  created_at: '2025-12-08T15:30:23.000001',
  strategy_tier: 'core',
  future_key: { kept: [1, 'two', null] },
};

function record(overrides: Record<string, unknown>): Record<string, unknown> {
  return { ...FULL, ...overrides };
}

/** Writes records as the Python registry does (indent 2, non-ASCII as is) under given names. */
async function writeRecords(dir: string, records: Record<string, unknown>[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [i, r] of records.entries()) await writeFile(path.join(dir, `rec_${String(i).padStart(3, '0')}.json`), JSON.stringify(r, null, 2));
}

function asRecord(raw: Record<string, unknown>): LiveSessionRecord {
  const c = checkRecord(raw);
  if (!c.ok) throw new Error(c.reason);
  return c.record;
}

describe('live-session registry', () => {
  after(removeTempDirs);

  describe('round trip', () => {
    it('register writes every field (unknown keys included) and list and load read them back unchanged', async () => {
      const dir = path.join(await tempDir(), 'live_sessions');
      const file = await registerRecord(dir, FULL);
      assert.equal(file, path.join(dir, '20251208T143022_live_session_shadow_session_20251208_001.json'));
      const text = await readFile(file, 'utf8');
      assert.deepEqual(JSON.parse(text), FULL);
      // Same key order as the writer, indented, UTF-8.
      assert.deepEqual(Object.keys(JSON.parse(text)), Object.keys(FULL));
      assert.match(text, /^\{\n {2}"session_id": "session_20251208_001",\n/);
      assert.deepEqual(await loadRecord(file), FULL);
      const listing = await listRecords(dir);
      assert.deepEqual(listing.problems, []);
      assert.equal(listing.entries.length, 1);
      assert.deepEqual(listing.entries[0].record, FULL);
      assert.equal(listing.entries[0].file, file);
    });

    it('reads what Python writes: naive and zoned dates, null run_id/finished_at/error/strategy_tier, non-ASCII', async () => {
      const dir = await tempDir();
      const python = `{
  "session_id": "session_20251208_143022_shadow_a1b2c3",
  "run_id": null,
  "run_type": "live_session_testnet",
  "mode": "testnet",
  "env_name": "kraken_futures_testnet",
  "symbol": "ETH/EUR",
  "status": "started",
  "started_at": "2025-12-08T14:30:22+01:00",
  "finished_at": null,
  "config": {"note": "Größe €"},
  "metrics": {},
  "cli_args": [],
  "error": null,
  "created_at": "2025-12-08T13:30:22.654321",
  "strategy_tier": null
}`;
      await writeFile(path.join(dir, '20251208T143022_live_session_testnet_session_20251208_143022_shadow_a1b2c3.json'), python);
      const listing = await listRecords(dir);
      assert.deepEqual(listing.problems, []);
      const r = listing.entries[0].record;
      assert.equal(r.run_id, null);
      assert.equal(r.finished_at, null);
      assert.equal(r.strategy_tier, null);
      assert.equal(r.config.note, 'Größe €');
      assert.equal(listing.entries[0].startedMs, Date.UTC(2025, 11, 8, 13, 30, 22));
      // Filing it again gives the name Python gives it (its own wall-clock time, not UTC).
      const again = await registerRecord(path.join(dir, 'copy'), JSON.parse(python));
      assert.equal(path.basename(again), '20251208T143022_live_session_testnet_session_20251208_143022_shadow_a1b2c3.json');
      assert.deepEqual(JSON.parse(await readFile(again, 'utf8')), JSON.parse(python));
    });

    it('keys named __proto__ survive a round trip and count in the summary', async () => {
      const dir = await tempDir();
      const text = JSON.stringify(FULL).replace('"config":{', '"config":{"__proto__":{"polluted":true},').replace('"strategy_tier":"core"', '"strategy_tier":"__proto__"');
      const file = await registerRecord(dir, JSON.parse(text));
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), JSON.parse(text));
      const l = await listRecords(dir);
      assert.equal(JSON.stringify(l.entries[0].record.config).startsWith('{"__proto__":{"polluted":true}'), true);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(JSON.stringify(summarizeRecords(l.entries).by_tier), '{"__proto__":1}');
    });

    it('fills the keys the Python reader defaults when a writer leaves them out', () => {
      const r = asRecord({ session_id: 's', run_type: 't', status: 'aborted', started_at: '2026-01-01T00:00:00' });
      assert.equal(r.mode, '');
      assert.equal(r.env_name, '');
      assert.equal(r.symbol, '');
      assert.deepEqual(r.config, {});
      assert.deepEqual(r.metrics, {});
      assert.deepEqual(r.cli_args, []);
      assert.equal(r.run_id, null);
      assert.equal(r.finished_at, null);
      assert.equal(r.error, null);
    });
  });

  describe('list', () => {
    const SET = [
      record({ session_id: 'a', run_type: 'shadow', status: 'completed', started_at: '2026-01-01T10:00:00' }),
      record({ session_id: 'b', run_type: 'shadow', status: 'failed', started_at: '2026-01-03T10:00:00' }),
      record({ session_id: 'c', run_type: 'testnet', status: 'completed', started_at: '2026-01-05T10:00:00' }),
      record({ session_id: 'd', run_type: 'shadow', status: 'completed', started_at: '2026-01-04T10:00:00' }),
      record({ session_id: 'e', run_type: 'testnet', status: 'aborted', started_at: '2026-01-02T10:00:00' }),
      record({ session_id: 'f', run_type: 'shadow', status: 'completed', started_at: '2026-01-06T10:00:00' }),
    ];
    const ids = (l: { entries: { record: LiveSessionRecord }[] }): string[] => l.entries.map((e) => e.record.session_id);

    it('filters by run_type and status and limits to the newest N', async () => {
      const dir = await tempDir();
      await writeRecords(dir, SET);
      assert.deepEqual(ids(await listRecords(dir)), ['f', 'c', 'd', 'b', 'e', 'a']);
      assert.deepEqual(ids(await listRecords(dir, { runType: 'shadow' })), ['f', 'd', 'b', 'a']);
      assert.deepEqual(ids(await listRecords(dir, { status: 'completed' })), ['f', 'c', 'd', 'a']);
      assert.deepEqual(ids(await listRecords(dir, { runType: 'shadow', status: 'completed' })), ['f', 'd', 'a']);
      assert.deepEqual(ids(await listRecords(dir, { runType: 'shadow', status: 'completed', limit: 2 })), ['f', 'd']);
      assert.deepEqual(ids(await listRecords(dir, { limit: 1 })), ['f']);
      assert.deepEqual(ids(await listRecords(dir, { runType: 'live' })), []);
      const l = await listRecords(dir, { limit: 2 });
      assert.equal(l.total, 6);
    });

    it('orders newest started_at first across naive (UTC) and zoned dates', async () => {
      const dir = await tempDir();
      await writeRecords(dir, [
        record({ session_id: 'naive-10:00', started_at: '2026-01-10T10:00:00' }),
        record({ session_id: 'plus2-10:30', started_at: '2026-01-10T10:30:00+02:00' }), // 08:30 UTC
        record({ session_id: 'zulu-09:45', started_at: '2026-01-10T09:45:00Z' }),
        record({ session_id: 'minus1-11:00', started_at: '2026-01-10T11:00:00.5-01:00' }), // 12:00:00.5 UTC
        record({ session_id: 'naive-09:59:59.999999', started_at: '2026-01-10 09:59:59.999999' }),
      ]);
      // The test zone is Europe/Berlin: reading naive times as local would put naive-10:00 at 09:00 UTC.
      assert.deepEqual(ids(await listRecords(dir)), ['minus1-11:00', 'naive-10:00', 'naive-09:59:59.999999', 'zulu-09:45', 'plus2-10:30']);
    });

    it('the view’s overview (read in the core worker): groups of rows newest first, summary, problems across folders', async () => {
      const dir = await tempDir();
      const other = await tempDir();
      await writeRecords(dir, SET);
      await writeRecords(other, [record({ session_id: 'g', run_type: 'testnet', status: 'failed', started_at: '2026-01-07T10:00:00', error: '<b>boom</b>' })]);
      await writeFile(path.join(other, 'broken.json'), '{"session_id": ');
      const o = await registryOverview([dir, other, path.join(dir, 'missing')], undefined, 'runType');
      assert.ok(o);
      assert.deepEqual(o.groups.map((g) => [g.label, g.rows.map((r) => r.session_id)]), [
        ['shadow', ['f', 'd', 'b', 'a']],
        ['testnet', ['g', 'c', 'e']],
      ]);
      assert.equal(o.summary.num_sessions, 7);
      assert.deepEqual(o.problems.map((p) => path.basename(p.file)), ['broken.json']);
      const g = o.groups[1].rows[0];
      assert.deepEqual({ error: g.error, status: g.status, file: path.dirname(g.file) }, { error: '<b>boom</b>', status: 'failed', file: other });
      // Rows carry what the list shows, not the records' config, metrics or arguments.
      assert.equal('config' in g, false);
      const byStatus = await registryOverview([dir], 'completed', 'status');
      assert.deepEqual(byStatus?.groups.map((x) => [x.label, x.rows.length]), [['completed', 4]]);
      assert.equal(await registryOverview([path.join(dir, 'missing')], undefined, 'runType'), undefined);
    });

    it('a folder that does not exist is reported as such, not as an error', async () => {
      const l = await listRecords(path.join(await tempDir(), 'nope'));
      assert.equal(l.folderExists, false);
      assert.deepEqual(l.entries, []);
    });
  });

  describe('summary', () => {
    it('adds up a known set', async () => {
      const dir = await tempDir();
      await writeRecords(dir, [
        record({ status: 'completed', strategy_tier: 'core', started_at: '2026-02-01T12:00:00+01:00', metrics: { realized_pnl: 100, max_drawdown: 0.1 } }),
        record({ status: 'failed', strategy_tier: 'aux', started_at: '2026-02-03T08:00:00Z', metrics: { realized_pnl: -25.5, max_drawdown: 0.3 } }),
        record({ status: 'completed', strategy_tier: null, started_at: '2026-02-02T00:00:00', metrics: { realized_pnl: 10.25 } }),
        record({ status: 'aborted', strategy_tier: 'core', started_at: '2026-01-31T23:30:00-01:00', metrics: { max_drawdown: 0.2, num_orders: 3 } }),
        (({ strategy_tier: _t, ...rest }) => rest)(record({ status: 'completed', started_at: '2026-02-01T10:00:00', metrics: {} })),
      ]);
      const s = summarizeRecords((await listRecords(dir)).entries);
      assert.equal(s.num_sessions, 5);
      assert.deepEqual(s.by_status, { completed: 3, failed: 1, aborted: 1 });
      assert.deepEqual(s.by_tier, { core: 2, aux: 1, unclassified: 2 });
      assert.equal(s.total_realized_pnl, 84.75);
      assert.ok(Math.abs(s.avg_max_drawdown - 0.2) < 1e-12, String(s.avg_max_drawdown));
      // 2026-01-31T23:30-01:00 is 2026-02-01T00:30Z: the earliest; 2026-02-03T08:00Z the latest.
      assert.equal(s.first_started_at, '2026-01-31T23:30:00-01:00');
      assert.equal(s.last_started_at, '2026-02-03T08:00:00Z');
      const md = renderSummaryMarkdown(s, { dir });
      assert.match(md, /^\| num_sessions \| 5 \|$/m);
      assert.match(md, /^\| total_realized_pnl \| 84\.75 \|$/m);
      assert.match(md, /^\| avg_max_drawdown \| 0\.2 \|$/m);
      assert.match(md, /^\| `unclassified` \| 2 \|$/m);
    });

    it('an empty folder gives zeros and no first/last', async () => {
      const s = summarizeRecords((await listRecords(await tempDir())).entries);
      assert.deepEqual(s, { num_sessions: 0, by_status: {}, by_tier: {}, total_realized_pnl: 0, avg_max_drawdown: 0 });
      assert.ok(!('first_started_at' in s) && !('last_started_at' in s));
    });
  });

  describe('problems, not silence', () => {
    it('reports corrupt, empty, non-object and wrong-typed files by name and field; the others still load', async () => {
      const dir = await tempDir();
      const files: Record<string, string> = {
        'good.json': JSON.stringify(FULL),
        'truncated.json': JSON.stringify(FULL).slice(0, 80),
        'empty.json': '',
        'blank.json': ' \n',
        'array.json': '[1, 2]',
        'string.json': '"session"',
        'null.json': 'null',
        'number.json': '42',
        'status.json': JSON.stringify(record({ status: 'running' })),
        'started.json': JSON.stringify(record({ started_at: 'yesterday' })),
        'finished.json': JSON.stringify(record({ finished_at: 1733668222 })),
        'pnl.json': JSON.stringify(record({ metrics: { realized_pnl: '150.0' } })),
        'config.json': JSON.stringify(record({ config: ['not', 'a', 'mapping'] })),
        'cli.json': JSON.stringify(record({ cli_args: 'python run.py' })),
        'missing-id.json': JSON.stringify((({ session_id: _s, ...rest }) => rest)(FULL)),
        'python-nan.json': JSON.stringify(FULL).replace('0.05', 'NaN'),
        'notes.md': 'not a record, not read',
        '.hidden.json': '{ hidden files are skipped, as by Python glob',
        'good2.json': JSON.stringify(record({ session_id: 'second' })),
      };
      for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
      await mkdir(path.join(dir, 'folder.json'));
      const l = await listRecords(dir);
      assert.deepEqual(l.entries.map((e) => e.record.session_id).sort(), ['second', 'session_20251208_001']);
      const reasons = Object.fromEntries(l.problems.map((p) => [path.basename(p.file), p.reason]));
      assert.deepEqual(Object.keys(reasons).sort(), Object.keys(files).filter((n) => n.endsWith('.json') && !n.startsWith('good') && !n.startsWith('.')).sort());
      for (const p of l.problems) assert.equal(path.dirname(p.file), dir);
      assert.match(reasons['truncated.json'], /^not valid JSON: /);
      assert.equal(reasons['empty.json'], 'empty file');
      assert.equal(reasons['blank.json'], 'empty file');
      assert.equal(reasons['array.json'], 'not a JSON object (an array)');
      assert.equal(reasons['string.json'], 'not a JSON object (string)');
      assert.equal(reasons['null.json'], 'not a JSON object (null)');
      assert.equal(reasons['number.json'], 'not a JSON object (number)');
      assert.match(reasons['status.json'], /^status: /);
      assert.match(reasons['started.json'], /^started_at: not an ISO 8601 date$/);
      assert.match(reasons['finished.json'], /^finished_at: /);
      assert.match(reasons['pnl.json'], /^metrics\.realized_pnl: expected number, received string$/);
      assert.match(reasons['config.json'], /^config: /);
      assert.match(reasons['cli.json'], /^cli_args: /);
      assert.equal(reasons['missing-id.json'], 'session_id: missing');
      assert.match(reasons['python-nan.json'], /^not valid JSON: /);
      for (const r of Object.values(reasons)) assert.doesNotMatch(r, /\n/);
    });

    it('load throws with the file and the reason', async () => {
      const dir = await tempDir();
      const file = path.join(dir, 'bad.json');
      await writeFile(file, JSON.stringify(record({ status: 'done' })));
      await assert.rejects(loadRecord(file), (err: Error) => err.message.startsWith(`${file}: status: `));
    });
  });

  describe('register', () => {
    it('files hostile names safely inside the folder', async () => {
      const root = await tempDir();
      const dir = path.join(root, 'registry');
      const cases: [Record<string, unknown>, string][] = [
        [{ session_id: '../../etc/passwd' }, '20251208T143022_live_session_shadow_.._.._etc_passwd~3754d6cb3a38.json'],
        [{ session_id: '/abs/path', run_type: 'a/b' }, '20251208T143022_a_b~c14cddc033f6__abs_path~6d80187b4541.json'],
        [{ session_id: 'C:\\x:y' }, '20251208T143022_live_session_shadow_C__x_y~d347bc3d4961.json'],
        [{ session_id: 'with space\tand tab' }, '20251208T143022_live_session_shadow_with_space_and_tab~beb2027f5507.json'],
        [{ session_id: 'Ünïcödé 🚀' }, '20251208T143022_live_session_shadow__n_c_d___~8b2730545cce.json'],
        [{ session_id: '..', run_type: '..' }, '20251208T143022_.._...json'],
        [{ session_id: '.', run_type: '.' }, '20251208T143022_._..json'],
        [{ session_id: 'x'.repeat(400) }, `20251208T143022_live_session_shadow_${'x'.repeat(87)}~7b0bd700ce06.json`],
      ];
      for (const [overrides, name] of cases) {
        const file = await registerRecord(dir, record(overrides));
        assert.equal(file, path.join(dir, name), JSON.stringify(overrides));
        assert.equal(JSON.parse(await readFile(file, 'utf8')).session_id, overrides.session_id);
      }
      assert.deepEqual((await readdir(root)).sort(), ['registry']);
      assert.deepEqual((await readdir(dir)).sort(), cases.map((c) => c[1]).sort());
      for (const name of await readdir(dir)) assert.match(name, /^\d{8}T\d{6}_[A-Za-z0-9._~-]+_[A-Za-z0-9._~-]+\.json$/);
    });

    it('never overwrites an existing record', async () => {
      const dir = await tempDir();
      const file = await registerRecord(dir, FULL);
      const before = await readFile(file, 'utf8');
      await assert.rejects(registerRecord(dir, record({ status: 'failed', error: 'second write' })), /already exists/);
      assert.equal(await readFile(file, 'utf8'), before);
      assert.deepEqual(await readdir(dir), [path.basename(file)]);
    });

    it('refuses an invalid record with the field, and writes nothing', async () => {
      const dir = path.join(await tempDir(), 'reg');
      await assert.rejects(registerRecord(dir, record({ started_at: 'soon' })), (err: Error) => err instanceof InvalidRecordError && err.message === 'started_at: not an ISO 8601 date');
      await assert.rejects(registerRecord(dir, [FULL]), InvalidRecordError);
      await assert.rejects(readdir(dir), { code: 'ENOENT' });
    });

    it('names the file from started_at as written', () => {
      assert.equal(recordFileName({ started_at: '2026-03-04 05:06', run_type: 'r', session_id: 's' }), '20260304T050600_r_s.json');
      assert.equal(recordFileName({ started_at: '2026-03-04T05:06:07.123-05:00', run_type: 'r', session_id: 's' }), '20260304T050607_r_s.json');
    });
  });

  describe('Markdown', () => {
    it('renders one record exactly in the layout of DESIGN §3.3', () => {
      const r = asRecord(record({ status: 'failed', finished_at: null, error: 'Order rejected', config: { strategy_name: 'ma_crossover' }, metrics: { realized_pnl: -12.5 }, cli_args: ['python', 'scripts/run.py', '--mode', 'shadow'] }));
      assert.equal(
        renderRecordMarkdown(r),
        [
          '# Live-Session session_20251208_001',
          '',
          '**Run-Type:** `live_session_shadow`  ',
          '**Mode:** `shadow`  ',
          '**Status:** `failed`  ',
          '**Symbol:** `BTC/USDT`  ',
          '**Environment:** `kraken_futures_testnet`  ',
          '**Started:** `2025-12-08T14:30:22.123456`  ',
          '**Finished:** `-`',
          '',
          '**Error:** `Order rejected`',
          '',
          '## Config',
          '',
          '```json',
          '{',
          '  "strategy_name": "ma_crossover"',
          '}',
          '```',
          '',
          '## Metrics',
          '',
          '```json',
          '{',
          '  "realized_pnl": -12.5',
          '}',
          '```',
          '',
          '## CLI-Aufruf',
          '',
          '```bash',
          'python scripts/run.py --mode shadow',
          '```',
          '',
        ].join('\n'),
      );
    });

    it('leaves out Error and CLI-Aufruf when not set, and shows the finish time', () => {
      const md = renderRecordMarkdown(asRecord(record({ cli_args: [], error: null, config: {}, metrics: {} })));
      assert.equal(
        md,
        [
          '# Live-Session session_20251208_001',
          '',
          '**Run-Type:** `live_session_shadow`  ',
          '**Mode:** `shadow`  ',
          '**Status:** `completed`  ',
          '**Symbol:** `BTC/USDT`  ',
          '**Environment:** `kraken_futures_testnet`  ',
          '**Started:** `2025-12-08T14:30:22.123456`  ',
          '**Finished:** `2025-12-08T15:30:22+00:00`',
          '',
          '## Config',
          '',
          '```json',
          '{}',
          '```',
          '',
          '## Metrics',
          '',
          '```json',
          '{}',
          '```',
          '',
        ].join('\n'),
      );
    });

    it('keeps backticks, line breaks and shell words from breaking the layout', () => {
      const md = renderRecordMarkdown(asRecord(record({ symbol: 'a`b', error: 'line 1\nline 2', config: { s: '```' }, cli_args: ['run', 'two words', "it's"] })));
      assert.match(md, /^\*\*Symbol:\*\* ``a`b``  $/m);
      assert.match(md, /^\*\*Error:\*\* `line 1 line 2`$/m);
      assert.match(md, /^````json\n\{\n {2}"s": "```"\n\}\n````$/m);
      assert.match(md, /^run 'two words' 'it'\\''s'$/m);
    });

    it('joins many records under # Live-Sessions with --- and says so when there are none', () => {
      const a = asRecord(record({ session_id: 'a' }));
      const b = asRecord(record({ session_id: 'b' }));
      assert.equal(renderRecordsMarkdown([a, b]), `# Live-Sessions\n\n${renderRecordMarkdown(a)}\n---\n\n${renderRecordMarkdown(b)}`);
      assert.equal(renderRecordsMarkdown([]), '# Live-Sessions\n\nKeine Sessions gefunden.\n');
    });
  });

  describe('HTML', () => {
    const HOSTILE = `<script>alert(1)</script><img src=x onerror=alert(2)> "dq" 'sq' a & b`;
    /** Removes the tags we write; anything left that starts with `<` came from a value. */
    const strayTags = (html: string): string[] =>
      html
        .replace(/^<!DOCTYPE html>/, '')
        .replace(/<\/?(html|head|body|meta|title|style|h1|h2|h3|dl|dt|dd|code|pre|table|tr|th|td|section|p|ul|li|span)(\s[^<>]*)?>/g, '')
        .match(/<[^\s]*/g) ?? [];

    function checkDocument(html: string): void {
      assert.deepEqual(strayTags(html), []);
      assert.doesNotMatch(html, /<script|<img|"dq"|'sq'|a & b/);
      assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &quot;dq&quot; &#39;sq&#39; a &amp; b'));
      const csp = /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-([A-Za-z0-9+/=]+)'; base-uri 'none'; form-action 'none'">/.exec(html);
      assert.ok(csp, 'strict CSP without scripts');
      const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
      assert.equal(createHash('sha256').update(style).digest('base64'), csp[1], 'the CSP hash allows exactly our style');
      assert.match(html, /^<!DOCTYPE html>\n<html lang="en">[\s\S]*<\/html>\n$/);
    }

    it('escapes every value of a record, one or many', () => {
      const r = asRecord({
        ...FULL,
        session_id: HOSTILE,
        run_id: HOSTILE,
        run_type: HOSTILE,
        mode: HOSTILE,
        env_name: HOSTILE,
        symbol: HOSTILE,
        status: 'failed',
        error: HOSTILE,
        config: { [HOSTILE]: HOSTILE },
        metrics: { realized_pnl: 1, note: HOSTILE },
        cli_args: [HOSTILE],
        strategy_tier: HOSTILE,
      });
      for (const html of [renderRecordHtml(r), renderRecordsHtml([r, r]), renderRecordsHtml([])]) {
        if (html.includes('Keine Sessions')) {
          assert.deepEqual(strayTags(html), []);
          continue;
        }
        checkDocument(html);
      }
      // JSON blocks are escaped too (the key and the value of config, a metric).
      assert.ok(renderRecordHtml(r).includes(escapeHtml(JSON.stringify({ [HOSTILE]: HOSTILE }, null, 2))));
    });

    it('escapes the summary: tiers, folder, unreadable file names and reasons', async () => {
      const dir = path.join(await tempDir(), HOSTILE.replace(/\//g, '|'));
      await mkdir(dir);
      await writeFile(path.join(dir, 'ok.json'), JSON.stringify(record({ strategy_tier: HOSTILE })));
      await writeFile(path.join(dir, `${HOSTILE.replace(/\//g, '|')}.json`), '{');
      const l = await listRecords(dir);
      assert.equal(l.problems.length, 1);
      const html = renderSummaryHtml(summarizeRecords(l.entries), { dir: HOSTILE, filter: { runType: HOSTILE }, problems: [...l.problems, { file: HOSTILE, reason: HOSTILE }] });
      checkDocument(html);
      assert.ok(html.includes(`<tr><td>${escapeHtml(HOSTILE)}</td><td>1</td></tr>`), 'the tier row');
    });
  });
});
