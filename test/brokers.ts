import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { type AddressInfo, connect, createServer } from 'node:net';
import * as path from 'node:path';
import { type EmbeddedBroker, startEmbeddedBroker } from '../src/core/broker/embeddedBroker';
import { removeTempDirs, tempDir } from './helpers';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function mosquittoInstalled(): boolean {
  return !spawnSync('mosquitto', ['-h']).error;
}

export interface MosquittoOptions {
  /** Keep sessions and queued messages across a graceful restart (saved on SIGTERM). */
  persistence?: boolean;
  /** A port chosen by the caller (a broker that starts later on a known address). */
  port?: number;
  /** Start it now (default) or leave it down until `run()`. */
  run?: boolean;
}

/** Debian's mosquitto on a free loopback port, started and stopped by the test. */
export class Mosquitto {
  private proc: ChildProcess | undefined;
  /** When it last started accepting connections (epoch ms). */
  upAt = 0;
  private constructor(readonly port: number, private readonly config: string) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  static async start(extraConfig: string[] = [], options: MosquittoOptions = {}): Promise<Mosquitto> {
    if (!mosquittoInstalled()) throw new Error('mosquitto is not installed (apt-get install -y mosquitto; .ci/run does it)');
    const dir = await tempDir('mosquitto-');
    const port = options.port ?? (await freePort());
    const config = path.join(dir, 'mosquitto.conf');
    // Started as root, mosquitto drops to user `mosquitto`, which cannot write its
    // persistence file into our temp folder: it then restores no session, silently.
    const persistence = options.persistence ? ['persistence true', `persistence_location ${dir}/`, 'max_queued_messages 0', ...(process.getuid?.() === 0 ? ['user root'] : [])] : ['persistence false'];
    await writeFile(config, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', ...persistence, 'set_tcp_nodelay true',
      // Debian 12's mosquitto 2.0.11 stalls a subscriber's queue when QoS 1 and QoS 2
      // deliveries share the in-flight window (fixed upstream in 2.0.13); no window, no stall.
      'max_inflight_messages 0',
      ...extraConfig, ''].join('\n'));
    const m = new Mosquitto(port, config);
    if (options.run !== false) await m.run();
    return m;
  }

  async run(): Promise<void> {
    this.proc = spawn('mosquitto', ['-c', this.config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitForPort(this.port);
      this.upAt = Date.now();
    } catch (err) {
      throw new Error(`mosquitto did not start: ${(err as Error).message}; ${stderr.trim()}`);
    }
  }

  /** Kills the broker (SIGKILL: a crash, not a shutdown). */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Shuts the broker down (SIGTERM: it saves its persistence file first). */
  async terminate(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill(sig);
    });
  }

  async restart(graceful = false): Promise<void> {
    await (graceful ? this.terminate() : this.kill());
    await this.run();
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}

/**
 * One mosquitto for a whole `describe`: started before its tests, stopped (and the temp
 * folders removed) after them. The getter is read inside the tests.
 */
export function useMosquitto(): () => Mosquitto {
  let broker: Mosquitto | undefined;
  before(async () => {
    broker = await Mosquitto.start();
  });
  after(async () => {
    await broker?.stop();
    await removeTempDirs();
  });
  return () => broker as Mosquitto;
}

export interface TestBroker {
  name: string;
  url: string;
  stop(): Promise<void>;
}

/** Both real brokers the tests run against. */
export const BROKERS: { name: string; start(): Promise<TestBroker> }[] = [
  {
    name: 'mosquitto',
    async start() {
      const m = await Mosquitto.start();
      return { name: 'mosquitto', url: m.url, stop: () => m.stop() };
    },
  },
  {
    name: 'aedes',
    async start() {
      const b: EmbeddedBroker = await startEmbeddedBroker({ port: 0 });
      return { name: 'aedes', url: b.url, stop: () => b.close() };
    },
  },
];
