import { readFileSync, readdirSync } from 'node:fs';
import WebSocket from 'ws';

/**
 * The extension host's event-loop delay, read through its inspector: `monitorEventLoopDelay`
 * runs inside the host, so the figure is the longest time the host could not answer — our
 * views' work included, nothing mocked. code-server takes no --inspect-extensions, so the
 * inspector is opened the way Node allows for a running process: SIGUSR1 (on 127.0.0.1:9229).
 */
export class HostProbe {
  private nextId = 1;
  private readonly pending = new Map<number, (r: unknown) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData) => {
      const m = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (m.id !== undefined) this.pending.get(m.id)?.(m.result ?? {});
    });
  }

  /** Finds the extension host under the server `rootPid`, opens its inspector, starts the monitor (5 ms resolution). */
  static async attach(rootPid: number, timeoutMs = 60_000): Promise<HostProbe> {
    const end = Date.now() + timeoutMs;
    let host: number | undefined;
    while (!(host = extensionHostUnder(rootPid))) {
      if (Date.now() > end) throw new Error(`no extension host under process ${rootPid}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    process.kill(host, 'SIGUSR1');
    return HostProbe.connect(9229, end - Date.now());
  }

  private static async connect(port: number, timeoutMs: number): Promise<HostProbe> {
    const end = Date.now() + timeoutMs;
    let url: string | undefined;
    while (!url) {
      try {
        const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl?: string }[];
        url = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
      } catch {
        /* not listening yet */
      }
      if (!url) {
        if (Date.now() > end) throw new Error(`the extension host's inspector did not answer on ${port}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => socket.once('open', () => resolve()).once('error', reject));
    const probe = new HostProbe(socket);
    await probe.evaluate(`(() => {
      const { monitorEventLoopDelay } = process.getBuiltinModule('node:perf_hooks');
      globalThis.__mqttSessionsProbe = monitorEventLoopDelay({ resolution: 5 });
      globalThis.__mqttSessionsProbe.enable();
      return true;
    })()`);
    return probe;
  }

  /** Starts a new window of measurement. */
  async reset(): Promise<void> {
    await this.evaluate('globalThis.__mqttSessionsProbe.reset()');
  }

  /** The longest event-loop delay since `reset`, in ms (0 when no delay was seen). */
  async maxMs(): Promise<number> {
    const ns = Number(await this.evaluate('globalThis.__mqttSessionsProbe.max'));
    return ns > 1e15 ? 0 : ns / 1e6;
  }

  /** Samples the host's CPU (for finding what stalled it); `stop` gives the `.cpuprofile`. */
  async startProfile(): Promise<void> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: 500 });
    await this.send('Profiler.start');
  }

  async stopProfile(): Promise<unknown> {
    return ((await this.send('Profiler.stop')) as { profile?: unknown }).profile;
  }

  close(): void {
    this.socket.close();
  }

  private async evaluate(expression: string): Promise<unknown> {
    const r = (await this.send('Runtime.evaluate', { expression, returnByValue: true })) as { result?: { value?: unknown }; exceptionDetails?: unknown };
    if (r.exceptionDetails) throw new Error(`in the extension host: ${JSON.stringify(r.exceptionDetails).slice(0, 300)}`);
    return r.result?.value;
  }

  private send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (r) => {
        this.pending.delete(id);
        resolve(r);
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }
}

/** The process under `rootPid` started with `--type=extensionHost`. */
function extensionHostUnder(rootPid: number): number | undefined {
  const parent = new Map<number, number>();
  const args = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      args.set(Number(d), readFileSync(`/proc/${d}/cmdline`, 'utf8'));
    } catch {
      /* gone */
    }
  }
  const under = (pid: number): boolean => {
    for (let p = pid; p > 1; p = parent.get(p) ?? 0) if (p === rootPid) return true;
    return false;
  };
  return [...args].find(([pid, a]) => a.includes('--type=extensionHost') && under(pid))?.[0];
}
