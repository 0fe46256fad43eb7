import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Database } from 'node-sqlite3-wasm';
import { clearStaleDbLock, isDbLockedError, STALE_DB_LOCK_MS, withStaleDbLockRetry } from '../../src/core/db/dbLock';
import { BUSY_TIMEOUT_MS, openDatabaseFile } from '../../src/core/db/sqlite';
import { tempDir } from '../helpers';

const ENGINE = require.resolve('node-sqlite3-wasm');
const PATCH_MARK = '/*mqtt-sessions:lock-readonly*/';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * A node child running `code` with the engine's path as `ENGINE` and `args` as `ARGS`.
 * Children print errors as one line: the engine's minified source would fill a screen.
 */
function startNode(code: string, args: string[], options: { uid?: number; gid?: number; engine?: string } = {}): { child: ChildProcess; done: Promise<Run> } {
  const prelude = `const ENGINE=${JSON.stringify(options.engine ?? ENGINE)};const ARGS=${JSON.stringify(args)};` + `process.on('uncaughtException',(e)=>{console.error('ERROR '+e.message);process.exit(2)});`;
  const child = spawn(process.execPath, ['-e', prelude + code], { stdio: ['ignore', 'pipe', 'pipe'], uid: options.uid, gid: options.gid, cwd: '/' });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

const runNode = (code: string, args: string[], options?: Parameters<typeof startNode>[2]): Promise<Run> => startNode(code, args, options).done;

/** An index-like table: `rows` messages of ~200 bytes. */
function makeDb(file: string, rows: number): void {
  const db = new Database(file);
  try {
    db.exec('CREATE TABLE messages (id INTEGER PRIMARY KEY, topic TEXT, payload TEXT)');
    db.exec('BEGIN');
    const ins = db.prepare('INSERT INTO messages (topic, payload) VALUES (?, ?)');
    for (let i = 0; i < rows; i++) ins.run([`factory/line${i % 50}/state`, JSON.stringify({ seq: i, pad: 'x'.repeat(160) })]);
    ins.finalize();
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}

/**
 * Counts the rows of ARGS[0] for ARGS[2] ms, pausing 20 ms between queries as a client
 * does (back to back, one process would starve the other: the busy handler polls, it does
 * not queue); prints the count, the number of queries and the longest wait. busy_timeout ARGS[1].
 */
const COUNT_READER = `
const { Database } = require(ENGINE);
const db = new Database(ARGS[0], { readOnly: true, fileMustExist: true });
db.exec('PRAGMA busy_timeout = ' + Number(ARGS[1]));
const until = Date.now() + Number(ARGS[2]);
const pause = new Int32Array(new SharedArrayBuffer(4));
let n = 0, maxWait = 0, queries = 0;
do {
  const t = Date.now();
  n = db.get("SELECT count(*) AS n, sum(length(payload)) AS b FROM messages").n;
  maxWait = Math.max(maxWait, Date.now() - t);
  queries++;
  Atomics.wait(pause, 0, 0, 20);
} while (Date.now() < until);
db.close();
console.log(JSON.stringify({ n, maxWait, queries }));
`;

describe('SQLite locks (node-sqlite3-wasm)', function () {
  this.timeout(60_000);

  it('a .db in a folder without write permission is read by a non-root user (patched engine; unpatched: I/O error)', async function () {
    if (process.getuid?.() !== 0) {
      console.log('      skipped: needs root to run a child as nobody (uid 65534)');
      this.skip();
    }
    assert.ok(readFileSync(ENGINE, 'utf8').includes(PATCH_MARK), `${ENGINE} is not patched: run node scripts/patchSqliteWasm.mjs`);
    const base = await tempDir();
    const folder = path.join(base, 'readonly');
    await mkdir(folder);
    const file = path.join(folder, 'session.db');
    makeDb(file, 500);
    // The engine unpatched, beside the same wasm, to show that the patch is what makes this work.
    const unpatchedDir = path.join(base, 'unpatched');
    await mkdir(unpatchedDir);
    const unpatched = path.join(unpatchedDir, 'node-sqlite3-wasm.js');
    const source = readFileSync(ENGINE, 'utf8');
    const start = source.indexOf(PATCH_MARK);
    const end = source.indexOf('return SQLITE_OK;', start) + 'return SQLITE_OK;'.length;
    await writeFile(unpatched, source.slice(0, start) + source.slice(end));
    await symlink(path.join(path.dirname(ENGINE), 'node-sqlite3-wasm.wasm'), path.join(unpatchedDir, 'node-sqlite3-wasm.wasm'));
    for (const d of [base, folder, unpatchedDir]) await chmod(d, 0o555);
    await chmod(file, 0o444);

    const read = `
const { Database } = require(ENGINE);
const db = new Database(ARGS[0], { readOnly: true, fileMustExist: true });
console.log(db.get('SELECT count(*) AS n FROM messages').n);
db.close();
`;
    const nobody = { uid: 65534, gid: 65534 };
    const ok = await runNode(read, [file], nobody);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), '500');
    const before = await runNode(read, [file], { ...nobody, engine: unpatched });
    assert.notEqual(before.code, 0, 'the unpatched engine should fail here');
    assert.match(before.stderr, /disk I\/O error/);
    assert.deepEqual(await readdir(folder), ['session.db'], 'no lock, no journal left');
  });

  it('a reader SIGKILLed mid-query leaves <file>.lock; a new open waits, and once the lock is stale it is cleared and the read succeeds', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'session.db');
    makeDb(file, 20_000);
    const slowReader = `
const { Database } = require(ENGINE);
const db = new Database(ARGS[0], { readOnly: true, fileMustExist: true });
const pause = new Int32Array(new SharedArrayBuffer(4));
let i = 0;
for (const row of db.prepare('SELECT * FROM messages').iterate()) {
  if (i++ === 0) console.log('reading');
  Atomics.wait(pause, 0, 0, 5);
}
console.log('finished');
`;
    const { child, done } = startNode(slowReader, [file]);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('reading') && resolve());
      child.on('close', () => reject(new Error('the reader ended before it was killed')));
    });
    assert.ok(existsSync(`${file}.lock`), 'the reader holds the lock mid-query');
    child.kill('SIGKILL');
    const killed = await done;
    assert.equal(killed.signal, 'SIGKILL');
    assert.doesNotMatch(killed.stdout, /finished/);
    assert.ok(existsSync(`${file}.lock`), 'a killed reader leaves its lock behind');

    // A fresh lock is not stale: the open waits out its busy timeout and fails.
    const db = openDatabaseFile(file);
    try {
      const count = (): number => Number(db.get('SELECT count(*) AS n FROM messages')!.n);
      const t = Date.now();
      assert.throws(count, (err: unknown) => isDbLockedError(err));
      assert.ok(Date.now() - t >= BUSY_TIMEOUT_MS * 0.9, `waited ${Date.now() - t} ms before giving up`);
      assert.equal(clearStaleDbLock(file), false, 'younger than STALE_DB_LOCK_MS: left alone');
      assert.ok(existsSync(`${file}.lock`));
      const lockTime = (await stat(`${file}.lock`)).mtimeMs;
      // The connection opened before it turned stale recovers (clock injected: seen
      // STALE_DB_LOCK_MS after the kill): waits, finds the lock stale, clears it, reads.
      const n = await withStaleDbLockRetry(file, count, { now: () => lockTime + STALE_DB_LOCK_MS });
      assert.equal(n, 20_000);
    } finally {
      db.close();
    }
    assert.ok(!existsSync(`${file}.lock`), 'no lock left');
    assert.deepEqual((await readdir(dir)).sort(), ['session.db'], 'nothing left aside');
    // And a later open clears such a lock itself before it reads.
    await mkdir(`${file}.lock`);
    const old = new Date(Date.now() - STALE_DB_LOCK_MS - 1000);
    await utimes(`${file}.lock`, old, old);
    const again = openDatabaseFile(file);
    try {
      assert.equal(Number(again.get('SELECT count(*) AS n FROM messages')!.n), 20_000);
    } finally {
      again.close();
    }
  });

  it('two processes reading one index at once both succeed (busy_timeout makes the second wait; without it one fails)', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'session.db');
    makeDb(file, 50_000);
    const both = await Promise.all([runNode(COUNT_READER, [file, String(BUSY_TIMEOUT_MS), '2500']), runNode(COUNT_READER, [file, String(BUSY_TIMEOUT_MS), '2500'])]);
    for (const r of both) {
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { n: number; queries: number; maxWait: number };
      assert.equal(out.n, 50_000);
      assert.ok(out.queries >= 10, `${out.queries} queries in 2.5 s (longest wait ${out.maxWait} ms)`);
    }
    // The control: the same two readers without a busy timeout collide, so they did overlap.
    const bare = await Promise.all([runNode(COUNT_READER, [file, '0', '2500']), runNode(COUNT_READER, [file, '0', '2500'])]);
    assert.ok(
      bare.some((r) => r.code !== 0 && /database is locked/.test(r.stderr)),
      `without busy_timeout a reader should fail: ${bare.map((r) => r.stderr.trim()).join(' | ')}`,
    );
    assert.ok(!existsSync(`${file}.lock`));
  });

  it('a writer committing in ~1 s transactions and a reader in another process: neither fails, the reader sees only committed counts', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'session.db');
    makeDb(file, 10_000);
    const writer = `
const { Database } = require(ENGINE);
const db = new Database(ARGS[0], { fileMustExist: true });
db.exec('PRAGMA busy_timeout = ' + Number(ARGS[1]));
const ins = db.prepare('INSERT INTO messages (topic, payload) VALUES (?, ?)');
let total = db.get('SELECT count(*) AS n FROM messages').n;
console.log(total);
for (let tx = 0; tx < 4; tx++) {
  db.exec('BEGIN IMMEDIATE');
  const until = Date.now() + 1000;
  while (Date.now() < until) { ins.run(['factory/live', JSON.stringify({ seq: total, pad: 'y'.repeat(160) })]); total++; }
  db.exec('COMMIT');
  console.log(total);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  // A pause longer than the busy handler's longest sleep (100 ms) lets waiting readers in:
  // with 20 ms a reader waited 2-4 s for 4 transactions (measured), near its 5 s timeout.
  Atomics.wait(pause, 0, 0, 150);
}
ins.finalize();
db.close();
`;
    const reader = `
const { Database } = require(ENGINE);
const db = new Database(ARGS[0], { readOnly: true, fileMustExist: true });
db.exec('PRAGMA busy_timeout = ' + Number(ARGS[1]));
const until = Date.now() + 4500;
const seen = []; let maxWait = 0;
while (Date.now() < until) {
  const t = Date.now();
  seen.push(db.get('SELECT count(*) AS n FROM messages').n);
  maxWait = Math.max(maxWait, Date.now() - t);
}
db.close();
console.log(JSON.stringify({ seen: [...new Set(seen)], maxWait }));
`;
    const [w, r] = await Promise.all([runNode(writer, [file, String(BUSY_TIMEOUT_MS)]), runNode(reader, [file, String(BUSY_TIMEOUT_MS)])]);
    assert.equal(w.code, 0, w.stderr);
    assert.equal(r.code, 0, r.stderr);
    const committed = w.stdout.trim().split('\n').map(Number);
    assert.equal(committed.length, 5);
    const { seen, maxWait } = JSON.parse(r.stdout) as { seen: number[]; maxWait: number };
    for (const n of seen) assert.ok(committed.includes(n), `reader saw ${n}, not a committed count (${committed.join(', ')})`);
    assert.ok(maxWait >= 300, `the reader waited for a writer transaction (longest wait ${maxWait} ms)`);
    assert.ok(maxWait < BUSY_TIMEOUT_MS, `longest wait ${maxWait} ms`);
    const db = openDatabaseFile(file);
    try {
      assert.equal(Number(db.get('SELECT count(*) AS n FROM messages')!.n), committed.at(-1));
    } finally {
      db.close();
    }
    assert.ok(!existsSync(`${file}.lock`));
  });
});
