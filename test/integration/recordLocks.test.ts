import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { profileFromUrl } from '../../src/core/mqtt/brokerProfile';
import { RECORDER_VERSION, SessionRecorder } from '../../src/core/record/sessionRecorder';
import { lockPath, lockState, processStartOf, releaseLock, takeLock } from '../../src/core/record/sessionLock';
import { useMosquitto } from '../brokers';
import { CLI, runCli, tempDir } from '../helpers';

const sessionEnds = (text: string): string[] => text.split('\n').filter((l) => l.includes('"_kind":"session_end"'));

/** A recording of ours that stopped without its `session_end`. */
async function interruptedLog(dir: string, name: string): Promise<string> {
  const file = path.join(dir, `${name}.log`);
  const meta = { _kind: 'session_meta', schema: 1, sessionName: name, sessionRecorderVersion: RECORDER_VERSION };
  await writeFile(file, `${JSON.stringify(meta)}\n{"topic":"a","payload":"1","timestamp":"2026-01-01T00:00:00.000Z","qos":0,"retain":false}\n`);
  return file;
}

describe('recording locks', function () {
  this.timeout(120_000);
  const mosquitto = useMosquitto();

  it('50 simultaneous starts of one name in one folder: 50 files, each locked; recover from another process closes none', async () => {
    const dir = await tempDir();
    const recs = await Promise.all([...Array(50)].map(() => SessionRecorder.start({ profile: profileFromUrl(mosquitto().url), outDir: dir, name: 'race', index: false })));
    try {
      const logs = new Set(recs.map((r) => r.logPath));
      assert.equal(logs.size, 50, 'every recorder has a file of its own');
      for (const r of recs) assert.equal((await lockState(r.logPath)).state, 'live');
      const rec = await runCli(['recover', dir]);
      assert.equal(rec.code, 0, rec.stderr);
      assert.match(rec.stdout, /No interrupted recordings/);
      assert.equal(rec.stdout.match(/left alone/g)?.length, 50);
    } finally {
      await Promise.all(recs.map((r) => r.stop()));
    }
    for (const r of recs) {
      const ends = sessionEnds(await readFile(r.logPath, 'utf8'));
      assert.equal(ends.length, 1, `${r.logPath}: one session_end`);
      assert.match(ends[0], /"status":"stopped"/);
    }
    assert.deepEqual((await readdir(dir)).filter((f) => f.includes('.lock')), [], 'no lock left behind');
  });

  it('8 recorder processes started at once: each its own file, none closed by a recover meanwhile', async () => {
    const dir = await tempDir();
    const procs = [...Array(8)].map(
      () =>
        new Promise<number>((resolve) => {
          const p = spawn(process.execPath, [CLI, 'record', '--broker', mosquitto().url, '--out', dir, '--name', 'multi', '--duration', '4s', '--quiet', '--no-index'], { stdio: 'ignore' });
          p.on('close', (code) => resolve(code ?? -1));
        }),
    );
    // Recover while they record (each start also closes what it finds interrupted).
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      const r = await runCli(['recover', dir]);
      assert.doesNotMatch(r.stdout, /closed as interrupted/, r.stdout);
    }
    assert.deepEqual(await Promise.all(procs), Array(8).fill(0));
    const logs = (await readdir(dir)).filter((f) => f.endsWith('.log'));
    assert.equal(logs.length, 8);
    for (const f of logs) {
      const ends = sessionEnds(await readFile(path.join(dir, f), 'utf8'));
      assert.equal(ends.length, 1, `${f}: one session_end`);
      assert.match(ends[0], /"status":"auto-stopped"/);
    }
  });

  it('a lock whose pid now belongs to another program is stale: recover clears it and closes the recording', async () => {
    const dir = await tempDir();
    const log = await interruptedLog(dir, 'reused-pid');
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => other.once('spawn', r));
      const pid = other.pid as number;
      assert.ok(processStartOf(pid), 'the kernel gives a start time');
      await writeFile(lockPath(log), JSON.stringify({ pid, processStart: '1', host: hostname(), since: '2026-01-01T00:00:00Z', token: 'old' }));
      assert.deepEqual(await lockState(log), { state: 'stale', owner: { pid, processStart: '1', host: hostname(), since: '2026-01-01T00:00:00Z', token: 'old' }, why: `pid ${pid} is now another process` });
      const r = await runCli(['recover', dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /closed as interrupted, 1 messages, indexed \(stale lock cleared: pid \d+ is now another process\)/);
      assert.equal(sessionEnds(await readFile(log, 'utf8')).length, 1);
      assert.deepEqual((await readdir(dir)).filter((f) => f.includes('.lock')), []);
    } finally {
      other.kill();
    }
  });

  it('an old-style lock of a dead pid is cleared; a lock from another host is left alone', async () => {
    const dir = await tempDir();
    const dead = await interruptedLog(dir, 'dead');
    await writeFile(lockPath(dead), JSON.stringify({ pid: 2 ** 22 + 12345, since: '2026-01-01T00:00:00Z' }));
    const remote = await interruptedLog(dir, 'remote');
    await writeFile(lockPath(remote), JSON.stringify({ pid: process.pid, host: 'another-machine', since: '2026-01-01T00:00:00Z', token: 'x' }));
    const r = await runCli(['recover', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /dead\.log: closed as interrupted.*stale lock cleared: pid \d+ is not running/);
    assert.match(r.stdout, /remote\.log: being recorded \(pid \d+ on another-machine\), left alone/);
    assert.equal(sessionEnds(await readFile(remote, 'utf8')).length, 0);
  });

  it('a lock is released only by the take that made it', async () => {
    const dir = await tempDir();
    const log = path.join(dir, 'mine.log');
    await takeLock(log);
    await assert.rejects(takeLock(log), /another recorder \(pid \d+ on .+\) is writing it/);
    const theirs = JSON.stringify({ pid: process.pid, host: hostname(), since: 'now', token: 'someone-else' });
    await writeFile(lockPath(log), theirs);
    await releaseLock(log);
    assert.equal(await readFile(lockPath(log), 'utf8'), theirs, 'another take of the lock is left in place');
  });
});
