import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { checkRecord } from '../../src/core/registry/liveSessionRecord';
import { renderRecordMarkdown, renderRecordsMarkdown, renderSummaryMarkdown } from '../../src/core/registry/registryReport';
import { legacyRecordFileName, listRecords, loadRecord, recordFileName, registerRecord, summarizeRecords } from '../../src/core/registry/registryStore';
import { mdText } from '../../src/core/util/markdown';
import { MAX_INPUT_FILE_BYTES, readRegularFile } from '../../src/core/util/regularFile';
import { removeTempDirs, runCli, tempDir } from '../helpers';

function rec(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    session_id: id,
    run_type: 'live_session_shadow',
    status: 'completed',
    started_at: '2026-01-01T10:00:00',
    metrics: { realized_pnl: 1 },
    ...overrides,
  };
}

const mkfifo = (file: string): void => assert.equal(spawnSync('mkfifo', [file]).status, 0, `mkfifo ${file}`);

/** The Markdown with fenced blocks and code spans taken out: what a renderer would read as markup. */
function outsideCode(md: string): string {
  const lines = md.split('\n');
  const kept: string[] = [];
  let fence: string | undefined;
  for (const line of lines) {
    if (fence) {
      if (line.trim() === fence || (line.trim().startsWith(fence) && /^`+$/.test(line.trim()))) fence = undefined;
      continue;
    }
    const open = /^(`{3,})/.exec(line);
    if (open) {
      fence = open[1];
      continue;
    }
    kept.push(line.replace(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, ''));
  }
  assert.equal(fence, undefined, 'every fence is closed');
  return kept.join('\n');
}

const HOSTILE = '<script>alert(1)</script> <img src=x onerror=alert(1)> <!-- & `x` **b** [l](http://e) |';

describe('registry and reports: hostile input', () => {
  after(removeTempDirs);

  describe('regular files only', () => {
    it('refuses FIFOs, devices and symlinks out of the folder without blocking; reads symlinks inside it; the rest still loads', async () => {
      const root = await tempDir();
      const dir = path.join(root, 'live_sessions');
      const outside = path.join(root, 'elsewhere');
      await mkdir(dir);
      await mkdir(outside);
      await writeFile(path.join(dir, 'a_good.json'), JSON.stringify(rec('good')));
      await writeFile(path.join(outside, 'other.json'), JSON.stringify(rec('outside')));
      mkfifo(path.join(dir, 'b_fifo.json'));
      mkfifo(path.join(outside, 'fifo'));
      await symlink(path.join(outside, 'fifo'), path.join(dir, 'c_fifo_link.json'));
      await symlink('/dev/zero', path.join(dir, 'd_zero.json'));
      await symlink('/etc/passwd', path.join(dir, 'e_passwd.json'));
      await symlink(path.join(outside, 'other.json'), path.join(dir, 'f_outside.json'));
      await symlink('a_good.json', path.join(dir, 'g_inside.json'));
      await symlink('missing.json', path.join(dir, 'h_dangling.json'));
      await writeFile(path.join(dir, 'i_huge.json'), Buffer.alloc(MAX_INPUT_FILE_BYTES + 1, 0x20));
      const started = Date.now();
      const listing = await listRecords(dir);
      assert.ok(Date.now() - started < 5_000, 'nothing blocks');
      assert.deepEqual(listing.entries.map((e) => path.basename(e.file)).sort(), ['a_good.json', 'g_inside.json']);
      const reasons = new Map(listing.problems.map((p) => [path.basename(p.file), p.reason]));
      assert.deepEqual([...reasons.keys()].sort(), ['b_fifo.json', 'c_fifo_link.json', 'd_zero.json', 'e_passwd.json', 'f_outside.json', 'h_dangling.json', 'i_huge.json']);
      assert.match(reasons.get('b_fifo.json')!, /^a FIFO, not a regular file, refused$/);
      assert.match(reasons.get('c_fifo_link.json')!, /^symlink to .*elsewhere\/fifo, outside .*live_sessions, refused$/);
      assert.match(reasons.get('d_zero.json')!, /^symlink to \/dev\/zero, outside /);
      assert.match(reasons.get('e_passwd.json')!, /^symlink to \/etc\/passwd, outside /);
      assert.match(reasons.get('f_outside.json')!, /^symlink to .*other\.json, outside /);
      assert.match(reasons.get('h_dangling.json')!, /^symlink that cannot be resolved \(ENOENT\), refused$/);
      assert.equal(reasons.get('i_huge.json'), `${MAX_INPUT_FILE_BYTES + 1} bytes, larger than the limit of ${MAX_INPUT_FILE_BYTES} bytes, refused`);
      for (const r of reasons.values()) assert.ok(!r.includes('\n'));
      // The records' own folder is the default root for one file too (the extension opens records this way).
      await assert.rejects(loadRecord(path.join(dir, 'e_passwd.json')), /e_passwd\.json: symlink to \/etc\/passwd, outside/);
      assert.equal((await loadRecord(path.join(dir, 'g_inside.json'))).session_id, 'good');
    });

    it('a device opened directly and a symlink allowed by an extra root (the workspace)', async () => {
      const root = await tempDir();
      const dir = path.join(root, 'reg');
      await mkdir(dir);
      await writeFile(path.join(root, 'shared.json'), '{}');
      await symlink(path.join(root, 'shared.json'), path.join(dir, 'shared.json'));
      assert.throws(() => readRegularFile('/dev/zero'), /^Error: \/dev\/zero: a device, not a regular file, refused$/);
      assert.throws(() => readRegularFile(path.join(dir, 'shared.json')), /outside/);
      assert.equal(readRegularFile(path.join(dir, 'shared.json'), { roots: [dir, root] }).toString(), '{}');
      assert.throws(() => readRegularFile(path.join(dir, 'shared.json'), { roots: [root], maxBytes: 1 }), /2 bytes, larger than the limit of 1 bytes/);
    });

    it('report (CLI) finishes, names each refused file on stderr, and writes no foreign content', async () => {
      const root = await tempDir();
      const dir = path.join(root, 'live_sessions');
      await mkdir(dir);
      await writeFile(path.join(dir, 'good.json'), JSON.stringify(rec('good')));
      mkfifo(path.join(dir, 'fifo.json'));
      await symlink('/dev/zero', path.join(dir, 'zero.json'));
      await symlink('/etc/passwd', path.join(dir, 'passwd.json'));
      const r = await runCli(['report', '--dir', dir, '--stdout']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /# Live-Session good/);
      assert.doesNotMatch(r.stdout, /root:/);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 3, r.stderr);
      assert.match(r.stderr, /fifo\.json: a FIFO, not a regular file, refused \(skipped\)/);
      assert.match(r.stderr, /zero\.json: symlink to \/dev\/zero, outside .* refused \(skipped\)/);
      assert.match(r.stderr, /passwd\.json: symlink to \/etc\/passwd, outside .* refused \(skipped\)/);
      const written = await runCli(['report', '--dir', dir, '--summary-only']);
      assert.equal(written.code, 0, written.stderr);
      const summary = await readFile(written.stdout.trim(), 'utf8');
      assert.match(summary, /## Unreadable files/);
      assert.doesNotMatch(summary, /root:/);
    });
  });

  describe('register: distinct ids, distinct files', () => {
    it('files ids equal in their first 100 characters (and ids equal once sanitised) side by side', async () => {
      const dir = await tempDir();
      const long = 'x'.repeat(100);
      const ids = [`${long}A`, `${long}B`, `${long}`, 'a/b', 'a_b', 'a b', 'plain_id-1.0'];
      const files = [];
      for (const id of ids) files.push(await registerRecord(dir, rec(id)));
      assert.equal(new Set(files).size, ids.length);
      assert.deepEqual((await readdir(dir)).length, ids.length);
      for (const [i, f] of files.entries()) assert.equal((await loadRecord(f)).session_id, ids[i]);
      // Safe, short ids keep the name the Python registry gives.
      assert.equal(path.basename(files[6]), '20260101T100000_live_session_shadow_plain_id-1.0.json');
      assert.equal(path.basename(files[2]), `20260101T100000_live_session_shadow_${long}.json`);
      for (const f of files) assert.ok(Buffer.byteLength(path.basename(f)) < 255);
      assert.equal((await listRecords(dir)).entries.length, ids.length);
    });

    it('a record filed under its old name is still found: registering it again is refused, a different id still files', async () => {
      const dir = await tempDir();
      const long = 'y'.repeat(120);
      const old = checkRecord(rec(long));
      assert.ok(old.ok);
      const legacy = legacyRecordFileName(old.record);
      assert.notEqual(legacy, recordFileName(old.record));
      await writeFile(path.join(dir, legacy), JSON.stringify(old.record, null, 2));
      await assert.rejects(registerRecord(dir, rec(long)), new RegExp(`${legacy.replace(/\./g, '\\.')} already exists \\(records are never overwritten\\)`));
      const other = await registerRecord(dir, rec(`${'y'.repeat(100)}z`));
      assert.equal((await loadRecord(other)).session_id, `${'y'.repeat(100)}z`);
      assert.deepEqual((await readdir(dir)).length, 2);
      // And the new name is refused the second time as well.
      await assert.rejects(registerRecord(dir, rec(`${'y'.repeat(100)}z`)), /already exists/);
    });
  });

  describe('Markdown: values are text, never HTML', () => {
    it('mdText escapes markup and keeps ordinary ids as they are', () => {
      assert.equal(mdText('session_20251208_001'), 'session_20251208_001');
      assert.equal(mdText('<b>&'), '&lt;b&gt;&amp;');
      assert.equal(mdText('_a_ *b* [c] `d` |e| ~f~ \\'), '\\_a\\_ \\*b\\* \\[c\\] \\`d\\` \\|e\\| \\~f\\~ \\\\');
      assert.equal(mdText('two\nlines'), 'two lines');
    });

    it('a record with HTML in every field gives Markdown without raw HTML outside code', () => {
      const raw: Record<string, unknown> = {
        ...Object.fromEntries(['session_id', 'run_id', 'run_type', 'mode', 'env_name', 'symbol', 'strategy_tier'].map((k) => [k, HOSTILE])),
        status: 'failed',
        started_at: '2026-01-01T10:00:00',
        finished_at: null,
        config: { [HOSTILE]: HOSTILE },
        metrics: { [HOSTILE]: HOSTILE, realized_pnl: 1 },
        cli_args: [HOSTILE, '--x', HOSTILE],
        error: `${HOSTILE}\n<script>second()</script>`,
      };
      const checked = checkRecord(raw);
      assert.ok(checked.ok);
      const entries = [{ file: HOSTILE, record: checked.record, startedMs: 0 }];
      const docs = [
        renderRecordMarkdown(checked.record),
        renderRecordsMarkdown([checked.record, checked.record]),
        renderSummaryMarkdown(summarizeRecords(entries), { dir: HOSTILE, filter: { runType: HOSTILE }, problems: [{ file: HOSTILE, reason: HOSTILE }] }),
      ];
      for (const md of docs) {
        const text = outsideCode(md);
        for (const bad of ['<script', '<img', '<!--', '</script']) assert.ok(!text.includes(bad), `${bad} outside code in:\n${text}`);
        assert.ok(!/<[A-Za-z!/]/.test(text), `no tag at all outside code:\n${text}`);
        // Inside code the values stay literal.
        assert.ok(md.includes('<script>alert(1)</script>'));
      }
      assert.match(docs[0], /^# Live-Session &lt;script&gt;alert\(1\)&lt;\/script&gt; &lt;img src=x onerror=alert\(1\)&gt; &lt;!-- &amp; \\`x\\` \\\*\\\*b\\\*\\\* \\\[l\\\]\(http:\/\/e\) \\\|$/m);
    });

    it('the session report (analyze --format md) escapes a session named with HTML', async () => {
      const dir = await tempDir();
      const name = '<img src=x onerror=alert(1)><!--';
      await writeFile(path.join(dir, `${name}.log`), `${JSON.stringify({ topic: '<script>t</script>', payload: '<!--', timestamp: '2026-01-01T10:00:00Z' })}\n`);
      const r = await runCli(['analyze', path.join(dir, `${name}.log`), '--format', 'md']);
      assert.equal(r.code, 0, r.stderr);
      const md = r.stdout;
      const text = outsideCode(md);
      for (const bad of ['<script', '<img', '<!--']) assert.ok(!text.includes(bad), `${bad} outside code in:\n${text}`);
      assert.match(md, /^# Session report: &lt;img src=x onerror=alert\(1\)&gt;&lt;!--$/m);
      assert.match(md, /`<script>t<\/script>`/);
    });
  });
});
