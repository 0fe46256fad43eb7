import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, lstat, mkdir, readFile, readdir, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { applyPrune } from '../../src/core/retention/pruneApply';
import { planPrune } from '../../src/core/retention/prunePlan';
import { freedesktopMover, moveToTrash } from '../../src/core/retention/freedesktopTrash';
import { parseAge, parseRetentionSetting } from '../../src/core/retention/retentionPolicy';
import { parseByteSize } from '../../src/core/util/units';
import { setPinned } from '../../src/core/retention/sessionMarks';
import { takeLock, releaseLock } from '../../src/core/record/sessionLock';
import { ROOT, removeTempDirs, tempDir } from '../helpers';

const DAY = 86_400_000;
const NOW = Date.now();

/** A file of `bytes` bytes last written `daysAgo` days ago. */
async function fileAt(dir: string, name: string, bytes: number, daysAgo: number): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, Buffer.alloc(bytes, 0x61));
  const t = new Date(NOW - daysAgo * DAY);
  await utimes(file, t, t);
  return file;
}

/** Every name in the folder with its size and time: what "nothing changed" compares. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of (await readdir(dir)).sort()) {
    const st = await lstat(path.join(dir, n));
    out.push(`${n} ${st.size} ${st.mtimeMs}`);
  }
  return out;
}

/** Another process holding a recorder's lock with the recorder's own code, until it is killed. */
function lockHolder(logPath: string): Promise<ChildProcess> {
  const code = `require(${JSON.stringify(path.join(ROOT, 'src/core/record/sessionLock.ts'))}).takeLock(${JSON.stringify(logPath)}).then(() => { process.stdout.write('locked\\n'); setInterval(() => {}, 1000); })`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('locked') && resolve(child));
    child.on('exit', (c) => reject(new Error(`lock holder exited (${c})`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

after(removeTempDirs);

describe('retention: prune plan', () => {
  it('reads ages and sizes, and names the wrong field in one line', () => {
    assert.equal(parseAge('30d'), 30 * DAY);
    assert.equal(parseAge('2w'), 14 * DAY);
    assert.equal(parseAge('12h'), 12 * 3_600_000);
    assert.ok(Number.isNaN(parseAge('30')), 'an age without a unit is refused');
    assert.equal(parseByteSize('20GB'), 20 * 1024 ** 3);
    assert.equal(parseByteSize('1.5TiB'), 1.5 * 1024 ** 4);
    assert.equal(parseByteSize('512'), 512);
    assert.deepEqual(parseRetentionSetting({ olderThan: '30d', maxTotal: '' }, 'mqttSessions.retention'), { olderThanMs: 30 * DAY });
    assert.throws(() => parseRetentionSetting({ olderThan: '30 days' }, 'mqttSessions.retention'), /^Error: mqttSessions\.retention\.olderThan: an age such as "30d"/);
    assert.throws(() => parseRetentionSetting({ maxTotal: 'lots' }, 'mqttSessions.retention'), /mqttSessions\.retention\.maxTotal: a size/);
    assert.throws(() => parseRetentionSetting({ olderThen: '3d' }, 'mqttSessions.retention'), /unknown field\(s\) olderThen/);
  });

  it('by age: a .log and its .db go together, listed file by file with sizes; the plan changes nothing', async () => {
    const dir = await tempDir();
    await fileAt(dir, 'old_20250101_000000.log', 1000, 40);
    await fileAt(dir, 'old_20250101_000000.db', 4096, 35);
    await fileAt(dir, 'young_20260101_000000.log', 500, 2);
    await fileAt(dir, 'notes.txt', 10, 400);
    const before = await snapshot(dir);
    const plan = await planPrune(dir, { olderThanMs: 30 * DAY }, { nowMs: NOW });
    assert.deepEqual(await snapshot(dir), before, 'planning (a dry run) touches nothing');
    assert.deepEqual(plan.remove.map((s) => [s.name, s.reason, s.bytes]), [['old_20250101_000000', 'age', 5096]]);
    assert.deepEqual(plan.remove[0].files.map((f) => [path.basename(f.path), f.size, f.role]).sort(), [['old_20250101_000000.db', 4096, 'db'], ['old_20250101_000000.log', 1000, 'log']]);
    // Judged by its newest file: the .db written 35 days ago.
    assert.equal(Math.round((NOW - plan.remove[0].lastWrittenMs) / DAY), 35);
    assert.equal(plan.totalBytes, 5596);
    assert.equal(plan.remainingBytes, 500);
  });

  it('by size: the oldest first until the folder is under the cap', async () => {
    const dir = await tempDir();
    await fileAt(dir, 'a_20260101_000000.log', 1000, 3);
    await fileAt(dir, 'b_20260102_000000.log', 2000, 2);
    await fileAt(dir, 'c_20260103_000000.log', 3000, 1);
    const plan = await planPrune(dir, { maxTotalBytes: 3500 }, { nowMs: NOW });
    assert.deepEqual(plan.remove.map((s) => [s.name, s.reason]), [['a_20260101_000000', 'size'], ['b_20260102_000000', 'size']]);
    assert.equal(plan.remainingBytes, 3000);
    assert.equal(plan.overCapBytes, undefined);
  });

  it('parts, journals and .db.bak backups go with their session', async () => {
    const dir = await tempDir();
    const base = 'shared_20250101_000000';
    for (const suffix of ['.log', '.db', '.db-journal', '.db.bak', '.db.bak.2', '.part-A.log', '.part-B.log', '.part-B.db']) await fileAt(dir, `${base}${suffix}`, 100, 50);
    await fileAt(dir, `${base}.csv`, 100, 50);
    const plan = await planPrune(dir, { olderThanMs: 30 * DAY }, { nowMs: NOW });
    assert.equal(plan.remove.length, 1, 'one session');
    assert.deepEqual(plan.remove[0].files.map((f) => `${path.basename(f.path)}:${f.role}`).sort(), [
      `${base}.db-journal:journal`,
      `${base}.db.bak.2:backup`,
      `${base}.db.bak:backup`,
      `${base}.db:db`,
      `${base}.log:log`,
      `${base}.part-A.log:part-log`,
      `${base}.part-B.db:part-db`,
      `${base}.part-B.log:part-log`,
    ]);
  });

  it('keeps a session being recorded (another process holds the lock), an interrupted one, and pinned or golden ones', async () => {
    const dir = await tempDir();
    const rec = await fileAt(dir, 'rec_20250101_000000.log', 100, 60);
    const part = await fileAt(dir, 'parted_20250101_000000.part-B.log', 100, 60);
    await fileAt(dir, 'parted_20250101_000000.part-A.log', 100, 60);
    const crashed = await fileAt(dir, 'crashed_20250101_000000.log', 100, 60);
    await fileAt(dir, 'pin_20250101_000000.log', 100, 60);
    await fileAt(dir, 'gold_20250101_000000.db', 100, 60);
    await fileAt(dir, 'gone_20250101_000000.log', 100, 60);
    await setPinned(dir, 'pin_20250101_000000', true);
    await writeFile(path.join(dir, 'gold_20250101_000000.golden'), '');
    const holder = await lockHolder(rec);
    const partHolder = await lockHolder(part);
    const dead = await lockHolder(crashed);
    await killed(dead);
    try {
      const plan = await planPrune(dir, { olderThanMs: 30 * DAY }, { nowMs: NOW });
      assert.deepEqual(plan.remove.map((s) => s.name), ['gone_20250101_000000']);
      const kept = Object.fromEntries(plan.kept.map((k) => [k.name, k.reason.kind]));
      assert.deepEqual(kept, { crashed_20250101_000000: 'stale-lock', gold_20250101_000000: 'golden', parted_20250101_000000: 'recording', pin_20250101_000000: 'pinned', rec_20250101_000000: 'recording' });
      const r = plan.kept.find((k) => k.name === 'rec_20250101_000000')?.reason;
      assert.ok(r?.kind === 'recording' && r.pid === holder.pid, 'the recorder named by its pid');
    } finally {
      await killed(holder);
      await killed(partHolder);
    }
  });

  it('never follows or removes a symlink: a symlinked session is left out, one with a symlinked file stays whole', async () => {
    const dir = await tempDir();
    const elsewhere = await tempDir();
    const target = await fileAt(elsewhere, 'precious.log', 100, 90);
    await symlink(target, path.join(dir, 'link_20250101_000000.log'));
    await fileAt(dir, 'half_20250101_000000.db', 100, 90);
    await symlink(target, path.join(dir, 'half_20250101_000000.log'));
    await fileAt(dir, 'plain_20250101_000000.log', 100, 90);
    const plan = await planPrune(dir, { olderThanMs: DAY }, { nowMs: NOW });
    assert.deepEqual(plan.remove.map((s) => s.name), ['plain_20250101_000000']);
    assert.deepEqual(plan.kept.map((k) => [k.name, k.reason.kind]), [['half_20250101_000000', 'not-regular']]);
    assert.deepEqual(plan.ignored.map((i) => [path.basename(i.path), i.what]), [['link_20250101_000000.log', 'a symlink']]);
    const home = await tempDir();
    await applyPrune(plan, freedesktopMover({ home }));
    assert.equal((await readFile(target)).length, 100, 'the target is untouched');
    assert.ok((await lstat(path.join(dir, 'half_20250101_000000.log'))).isSymbolicLink());
    assert.ok((await stat(path.join(dir, 'half_20250101_000000.db'))).isFile());
  });
});

describe('retention: moving to the trash', () => {
  it('moves a session whole into the freedesktop trash, with a .trashinfo for each file', async () => {
    const dir = await tempDir();
    const home = await tempDir();
    await fileAt(dir, 'old_20250101_000000.log', 300, 40);
    await fileAt(dir, 'old_20250101_000000.db', 200, 40);
    await fileAt(dir, 'new_20260101_000000.log', 100, 1);
    const plan = await planPrune(dir, { olderThanMs: 30 * DAY }, { nowMs: NOW });
    const outcomes = await applyPrune(plan, freedesktopMover({ home }));
    assert.deepEqual(outcomes.map((o) => [o.name, o.status]), [['old_20250101_000000', 'moved']]);
    assert.deepEqual(await readdir(dir), ['new_20260101_000000.log']);
    const trash = path.join(home, '.local/share/Trash');
    assert.deepEqual((await readdir(path.join(trash, 'files'))).sort(), ['old_20250101_000000.db', 'old_20250101_000000.log']);
    const info = await readFile(path.join(trash, 'info', 'old_20250101_000000.log.trashinfo'), 'utf8');
    assert.match(info, new RegExp(`^\\[Trash Info\\]\\nPath=${path.join(dir, 'old_20250101_000000.log').replace(/[.]/g, '\\.')}\\nDeletionDate=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\n$`));
    assert.equal((await stat(path.join(trash, 'files', 'old_20250101_000000.log'))).size, 300);
  });

  it('gives a second file of the same name its own name in the trash, and escapes the path', async () => {
    const home = await tempDir();
    const a = path.join(await tempDir(), 'x y%.log');
    const b = path.join(await tempDir(), 'x y%.log');
    await writeFile(a, 'a');
    await writeFile(b, 'b');
    const ta = await moveToTrash(a, { home });
    const tb = await moveToTrash(b, { home });
    assert.equal(path.basename(ta.trashedAs), 'x y%.log');
    assert.equal(path.basename(tb.trashedAs), 'x y%.2.log');
    assert.equal(await readFile(tb.trashedAs, 'utf8'), 'b');
    assert.match(await readFile(tb.info, 'utf8'), /Path=\/.*\/x%20y%25\.log\n/);
    await assert.rejects(moveToTrash(a, { home }), /x y%\.log: cannot move to the trash: ENOENT/);
  });

  it('a session changed since the plan, pinned or locked since, stays; a failure puts back what went and the others go on', async () => {
    const dir = await tempDir();
    const home = await tempDir();
    const grown = await fileAt(dir, 'grown_20250101_000000.log', 100, 40);
    await fileAt(dir, 'pinned_20250101_000000.log', 100, 40);
    const resumed = await fileAt(dir, 'resumed_20250101_000000.log', 100, 40);
    await fileAt(dir, 'fails_20250101_000000.log', 100, 40);
    await fileAt(dir, 'fails_20250101_000000.db', 100, 40);
    await fileAt(dir, 'fine_20250101_000000.log', 100, 40);
    const plan = await planPrune(dir, { olderThanMs: 30 * DAY }, { nowMs: NOW });
    assert.equal(plan.remove.length, 5);
    await appendFile(grown, 'one more line\n');
    await setPinned(dir, 'pinned_20250101_000000', true);
    await takeLock(resumed);
    const real = freedesktopMover({ home });
    // A trash that refuses the .log of one session (as a full disk or a read-only trash would).
    const mover = async (file: string) => {
      if (file.endsWith('fails_20250101_000000.log')) throw new Error(`${file}: cannot move to the trash: ENOSPC`);
      return real(file);
    };
    try {
      const outcomes = await applyPrune(plan, mover);
      const by = Object.fromEntries(outcomes.map((o) => [o.name, o.status === 'skipped' ? `skipped:${o.why.kind}` : o.status]));
      assert.deepEqual(by, { 'fails_20250101_000000': 'failed', 'fine_20250101_000000': 'moved', 'grown_20250101_000000': 'skipped:changed', 'pinned_20250101_000000': 'skipped:pinned', 'resumed_20250101_000000': 'skipped:recording' });
      const failed = outcomes.find((o) => o.status === 'failed');
      assert.ok(failed?.status === 'failed' && failed.inTrash.length === 0 && /ENOSPC/.test(failed.error));
    } finally {
      await releaseLock(resumed);
    }
    const left = (await readdir(dir)).sort();
    assert.deepEqual(left, ['fails_20250101_000000.db', 'fails_20250101_000000.log', 'grown_20250101_000000.log', 'pinned_20250101_000000.log', 'pinned_20250101_000000.pinned', 'resumed_20250101_000000.log']);
    assert.deepEqual(await readdir(path.join(home, '.local/share/Trash/files')), ['fine_20250101_000000.log']);
    assert.deepEqual(await readdir(path.join(home, '.local/share/Trash/info')), ['fine_20250101_000000.log.trashinfo'], 'the .db put back leaves no .trashinfo');
  });

  it('an index open in another process (its .db.lock) or a file being written keeps the session', async () => {
    const dir = await tempDir();
    await fileAt(dir, 'open_20250101_000000.log', 100, 40);
    await fileAt(dir, 'open_20250101_000000.db', 100, 40);
    await mkdir(path.join(dir, 'open_20250101_000000.db.lock'));
    await fileAt(dir, 'building_20250101_000000.log', 100, 40);
    await fileAt(dir, 'building_20250101_000000.db.tmp-123-abc', 100, 40);
    const plan = await planPrune(dir, { olderThanMs: 30 * DAY }, { nowMs: NOW });
    assert.deepEqual(plan.remove, []);
    assert.deepEqual(plan.kept.map((k) => [k.name, k.reason.kind]), [['building_20250101_000000', 'in-use'], ['open_20250101_000000', 'in-use']]);
  });
});
