import { spawn } from 'node:child_process';
import { chmod, cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const SAMPLES = path.resolve(ROOT, '..', 'shared', 'samples', 'orbis');
export const SAMPLE_SESSIONS = path.join(SAMPLES, 'sessions');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

const made: string[] = [];

export async function tempDir(prefix = 'mqtt-sessions-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** The samples are read-only and shared: anything that writes works on a copy. */
export async function copyOfSamples(): Promise<string> {
  const dir = await tempDir();
  await cp(SAMPLE_SESSIONS, dir, { recursive: true });
  await chmod(dir, 0o755);
  for (const f of await readdir(dir)) await chmod(path.join(dir, f), 0o644);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node dist/cli.js …`; `env` is added to the environment, `input` fed to stdin (a pipe, closed after it). */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * A real SQLite file through the project's engine, opened for writing (fixtures: old
 * recorders' tables, a layout to make stale); `sql` is run first when given.
 */
export function sqliteAt(file: string, sql?: string): import('node-sqlite3-wasm').Database {
  const { Database } = require('node-sqlite3-wasm') as typeof import('node-sqlite3-wasm');
  const db = new Database(file);
  if (sql) db.exec(sql);
  return db;
}

/** A query's rows as arrays of values, in column order. */
export function valuesOf(db: import('node-sqlite3-wasm').Database, sql: string): unknown[][] {
  return db.all(sql).map((r) => Object.values(r));
}

/** Waits until `test` holds, or fails naming `what` after `ms`. */
export async function waitFor(what: string, test: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
