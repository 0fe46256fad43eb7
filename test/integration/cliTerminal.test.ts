import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Mosquitto } from '../brokers';
import { CLI, ROOT, copyOfSamples, removeTempDirs, runCli, tempDir } from '../helpers';

const PASSWORD_ENV = 'MQTT_SESSIONS_PASSWORD';
const SCRIPT_MISSING = spawnSync('script', ['--version']).error !== undefined;

interface PtyResult {
  code: number;
  /** Everything the terminal showed: stdout and stderr of the command, as a user sees them. */
  screen: string;
}

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * The CLI on a real pseudo-terminal (util-linux `script`): stdin, stdout and stderr are
 * TTYs. `answer` is typed once `prompt` has shown, as a user would.
 */
function runInPty(args: string[], options: { env?: NodeJS.ProcessEnv; prompt?: RegExp; answer?: string } = {}): Promise<PtyResult> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, CLI, ...args].map(quote).join(' ');
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: ROOT, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let answered = false;
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      if (!answered && options.prompt?.test(screen)) {
        answered = true;
        child.stdin.write(`${options.answer ?? ''}\r`);
      }
    });
    child.stderr.on('data', (d: Buffer) => (screen += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolve({ code: code ?? -1, screen });
    });
  });
}

/** A mosquitto that lets in only alice with her password. */
async function brokerWithPassword(user: string, password: string): Promise<Mosquitto> {
  const dir = await tempDir('mosquitto-auth-');
  const file = path.join(dir, 'passwords');
  const made = spawnSync('mosquitto_passwd', ['-b', '-c', file, user, password]);
  if (made.status !== 0) throw new Error(`mosquitto_passwd failed: ${made.stderr}`);
  await chmod(file, 0o644);
  // As root mosquitto drops to user mosquitto, which cannot enter our temp folder.
  return Mosquitto.start(['allow_anonymous false', `password_file ${file}`, ...(process.getuid?.() === 0 ? ['user root'] : [])]);
}

describe('the CLI on a terminal and on a pipe', function () {
  this.timeout(60_000);
  let savedPassword: string | undefined;

  before(function () {
    if (SCRIPT_MISSING) {
      console.log('    (skipped: util-linux `script` is not installed; it gives the tests a pseudo-terminal)');
      this.skip();
    }
    // The password under test comes from the prompt, not from the runner's environment.
    savedPassword = process.env[PASSWORD_ENV];
    delete process.env[PASSWORD_ENV];
  });
  after(async () => {
    if (savedPassword !== undefined) process.env[PASSWORD_ENV] = savedPassword;
    await removeTempDirs();
  });

  describe('the broker password', () => {
    const password = 's3cret-Pw_42';
    let broker: Mosquitto;
    before(async () => {
      broker = await brokerWithPassword('alice', password);
    });
    after(async () => {
      await broker?.stop();
    });
    const recordArgs = (out: string): string[] => ['record', '--broker', `mqtt://alice@127.0.0.1:${broker.port}`, '--duration', '1s', '--connect-timeout', '5s', '--out', out, '--topic', 'nobody/#'];

    it('is asked for on a terminal when the broker has a user name and none is set, without echo, and used', async () => {
      const out = await tempDir();
      const r = await runInPty(recordArgs(out), { prompt: /\(or set MQTT_SESSIONS_PASSWORD\): /, answer: password });
      assert.equal(r.code, 0, r.screen);
      assert.ok(r.screen.includes(`Password for alice at mqtt://127.0.0.1:${broker.port} (or set ${PASSWORD_ENV}): `), r.screen);
      assert.ok(!r.screen.includes(password), `the password was echoed:\n${r.screen}`);
      // The broker let alice in with it: the recording subscribed and ran to its end.
      assert.match(r.screen, /subscribed to nobody\/#/);
      assert.match(r.screen, /auto-stopped \(duration reached\)/);
    });

    it(`is not asked for when ${PASSWORD_ENV} is set`, async () => {
      const out = await tempDir();
      const r = await runInPty(recordArgs(out), { env: { ...process.env, [PASSWORD_ENV]: password } });
      assert.equal(r.code, 0, r.screen);
      assert.doesNotMatch(r.screen, /Password for/);
      assert.match(r.screen, /subscribed to nobody\/#/);
    });

    it('is never asked for on a pipe: the broker refuses as before, in one line', async () => {
      const out = await tempDir();
      const r = await runCli(recordArgs(out));
      assert.equal(r.code, 1, r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, /Password/);
      assert.match(r.stderr, /^mqtt-sessions: mqtt:\/\/127\.0\.0\.1:\d+: Connection refused: Not authorized$/m);
    });
  });

  describe('progress of long work', () => {
    let dir: string;
    let registry: string;
    const session = (): string => path.join(dir, 'startup-clean_20260512_102831');
    before(async () => {
      dir = await copyOfSamples();
      registry = path.join(dir, 'live_sessions');
      await mkdir(registry);
      const record = { session_id: 's1', run_id: null, run_type: 'live_session_shadow', mode: 'shadow', env_name: 'testnet', symbol: 'BTC/USDT', status: 'completed', started_at: '2026-01-01T10:00:00Z', finished_at: null, config: {}, metrics: {}, cli_args: [], error: null, created_at: '2026-01-01T10:00:00Z' };
      await writeFile(path.join(registry, '20260101100000_live_session_shadow_s1.json'), JSON.stringify(record));
    });

    /** Each long command, with the progress line it draws on a terminal; `run` names what it writes. */
    const work = (run: string): { name: string; args: string[]; progress: RegExp }[] => [
      { name: 'index', args: ['index', session(), '--force'], progress: /\r\x1b\[Kindexing startup-clean_20260512_102831… \d+% \([\d.]+ KiB of [\d.]+ KiB\)/ },
      { name: 'export', args: ['export', session(), '--format', 'csv', '--out', path.join(dir, `${run}.csv`)], progress: /\r\x1b\[Kexporting startup-clean_20260512_102831… / },
      { name: 'import', args: ['import', path.join(dir, `${run}.csv`), '--out', path.join(dir, run)], progress: /\r\x1b\[Kreading [^\r]*\.csv… [^\r]*\r\x1b\[Kindexing [^\r]*\.log… / },
      { name: 'analyze', args: ['analyze', path.join(dir, 'auftrag-rot_1.log'), '--out', path.join(dir, `${run}.md`)], progress: /\r\x1b\[Kanalyzing auftrag-rot_1… / },
      { name: 'report', args: ['report', '--dir', registry, '--output-dir', path.join(dir, `${run}-reports`)], progress: /\r\x1b\[Kreading the records in [^\r]*live_sessions… / },
    ];

    it('shows on a terminal: index, export, import, analyze, report', async () => {
      await mkdir(path.join(dir, 'pty'));
      for (const w of work('pty')) {
        const r = await runInPty(w.args);
        assert.equal(r.code, 0, `${w.name}: ${r.screen}`);
        assert.match(r.screen, w.progress, `${w.name}: ${JSON.stringify(r.screen)}`);
        // The progress line is cleared before what stays: the results start on a clean line.
        assert.doesNotMatch(r.screen.replace(/\r\x1b\[K[^\r\n]*…[^\r\n]*(?=\r)/g, ''), /…/, `${w.name}: ${JSON.stringify(r.screen)}`);
      }
    });

    it('prints nothing of it on a pipe', async () => {
      await mkdir(path.join(dir, 'pipe'));
      for (const w of work('pipe')) {
        const r = await runCli(w.args);
        assert.equal(r.code, 0, `${w.name}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /\r|\x1b|…|%/, `${w.name}: ${JSON.stringify(r.stderr)}`);
      }
    });
  });
});
