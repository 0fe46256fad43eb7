import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { lstat, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import mqtt from 'mqtt';
import { useMosquitto } from '../brokers';
import { CLI, ROOT, runCli, tempDir } from '../helpers';

const DAY = 86_400_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node dist/cli.js …` with HOME set (so that the trash is the test's), stdin a pipe, optionally fed `input`. */
function cli(args: string[], home: string, input?: string): Promise<Run> {
  return runCli(args, { env: { HOME: home, XDG_DATA_HOME: '' }, input });
}

/** The same on a terminal: `script` gives the CLI a pseudo-terminal and types `answer` once the question is there. */
function cliOnTerminal(args: string[], home: string, answer: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, HOME: home, XDG_DATA_HOME: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (/\[y\/N\] /.test(stdout) && !child.stdin.writableEnded) child.stdin.end(`${answer}\n`);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr: '' }));
  });
}

async function fileAt(dir: string, name: string, bytes: number, daysAgo: number): Promise<void> {
  const file = path.join(dir, name);
  await writeFile(file, Buffer.alloc(bytes, 0x62));
  const t = new Date(Date.now() - daysAgo * DAY);
  await utimes(file, t, t);
}

async function names(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** A real `record` process writing into `dir`, once it has subscribed. */
function recorder(url: string, dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'record', '--broker', url, '--out', dir, '--name', 'live', '--no-index'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('subscribed to')) resolve(child);
    });
    child.on('exit', (c) => reject(new Error(`record exited (${c}): ${err}`)));
  });
}

describe('prune (CLI)', function () {
  this.timeout(120_000);
  const mosquitto = useMosquitto();

  it('lists on a pipe, moves nothing without --yes, never touches a session being recorded, and with --yes moves the old ones whole into the trash', async () => {
    const dir = await tempDir();
    const home = await tempDir();
    const old = 'old_20250101_000000';
    for (const [suffix, bytes] of [['.log', 2048], ['.db', 4096], ['.part-B.log', 512]] as const) await fileAt(dir, `${old}${suffix}`, bytes, 45);
    await fileAt(dir, 'kept_20250101_000000.log', 100, 45);
    await writeFile(path.join(dir, 'kept_20250101_000000.pinned'), '');
    await fileAt(dir, 'young_20261101_000000.log', 100, 2);
    const rec = await recorder(mosquitto().url, dir);
    try {
      const live = (await names(dir)).find((n) => n.startsWith('live_') && n.endsWith('.log')) as string;
      assert.ok(live, 'the recorder made its .log');
      // Old as it looks: still being recorded.
      await utimes(path.join(dir, live), new Date(Date.now() - 90 * DAY), new Date(Date.now() - 90 * DAY));
      const before = await names(dir);

      const listed = await cli(['prune', dir, '--older-than', '30d'], home);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(`${old}  6\\.5 KiB  last written .*45 d ago: older than 30 d`));
      assert.match(listed.stdout, new RegExp(`    ${old}\\.db  4\\.0 KiB\\n    ${old}\\.log  2\\.0 KiB\\n    ${old}\\.part-B\\.log  512 B`));
      assert.match(listed.stdout, new RegExp(`${live.slice(0, -4)}  .*being recorded \\(pid ${rec.pid} on `));
      assert.match(listed.stdout, /kept_20250101_000000 .*pinned \(kept_20250101_000000\.pinned\)/);
      assert.doesNotMatch(listed.stdout, /young_/);
      assert.match(listed.stdout, /Not a terminal: nothing moved \(give --yes to move 1 session \(6\.5 KiB\) to the trash\)\./);
      assert.deepEqual(await names(dir), before, 'a pipe without --yes moves nothing');

      const dry = await cli(['prune', dir, '--older-than', '30d', '--dry-run', '--yes'], home);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /Dry run: nothing moved\./);
      assert.deepEqual(await names(dir), before, '--dry-run moves nothing');

      const json = await cli(['prune', dir, '--older-than', '30d', '--json'], home);
      const parsed = JSON.parse(json.stdout) as { moved: boolean; plan: { remove: { name: string; files: { path: string; bytes: number }[] }[]; kept: { name: string; why: string }[] } };
      assert.equal(parsed.moved, false);
      assert.deepEqual(parsed.plan.remove.map((s) => [s.name, s.files.length]), [[old, 3]]);

      const moved = await cli(['prune', dir, '--older-than', '30d', '--yes'], home);
      assert.equal(moved.code, 0, moved.stderr);
      assert.match(moved.stdout, new RegExp(`moved    ${old} \\(3 files\\) to the trash`));
      assert.deepEqual(await names(dir), before.filter((n) => !n.startsWith(old)));
      const trash = path.join(home, '.local', 'share', 'Trash');
      assert.deepEqual(await names(path.join(trash, 'files')), [`${old}.db`, `${old}.log`, `${old}.part-B.log`]);
      for (const suffix of ['.db', '.log', '.part-B.log']) {
        const info = await readFile(path.join(trash, 'info', `${old}${suffix}.trashinfo`), 'utf8');
        assert.match(info, new RegExp(`^\\[Trash Info\\]\\nPath=${path.join(dir, old + suffix).replace(/\./g, '\\.')}\\nDeletionDate=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\n$`));
      }
      assert.equal((await lstat(path.join(trash, 'files', `${old}.db`))).size, 4096);

      // The recording went on untouched: a message sent now is in its .log.
      const c = await mqtt.connectAsync(mosquitto().url);
      await c.publishAsync('after/prune', 'still recording', { qos: 1 });
      await c.endAsync();
      const until = Date.now() + 10_000;
      while (!(await readFile(path.join(dir, live), 'utf8')).includes('after/prune') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.match(await readFile(path.join(dir, live), 'utf8'), /"topic":"after\/prune"/);
    } finally {
      rec.kill('SIGINT');
      await new Promise((r) => rec.once('exit', r));
    }
  });

  it('asks on a terminal: no keeps everything, yes moves; bad options are usage errors naming the option', async () => {
    const dir = await tempDir();
    const home = await tempDir();
    await fileAt(dir, 'a_20250101_000000.log', 300, 40);
    await fileAt(dir, 'b_20250102_000000.log', 300, 10);
    const no = await cliOnTerminal(['prune', dir, '--older-than', '30d'], home, 'n');
    assert.equal(no.code, 0, no.stdout);
    assert.match(no.stdout, /Move 1 session \(300 B\) to the trash\? \[y\/N\]/);
    assert.match(no.stdout, /Nothing moved\./);
    assert.deepEqual(await names(dir), ['a_20250101_000000.log', 'b_20250102_000000.log']);
    const yes = await cliOnTerminal(['prune', dir, '--max-total', '400'], home, 'y');
    assert.equal(yes.code, 0, yes.stdout);
    assert.match(yes.stdout, /a_20250101_000000  300 B  .*among the oldest while over 400 B/);
    assert.deepEqual(await names(dir), ['b_20250102_000000.log']);
    assert.deepEqual(await names(path.join(home, '.local/share/Trash/files')), ['a_20250101_000000.log']);

    const none = await cli(['prune', dir], home);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give --older-than AGE and\/or --max-total SIZE/);
    const bad = await cli(['prune', dir, '--older-than', '30 days'], home);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^mqtt-sessions: --older-than: an age such as "30d"/);
  });
});
