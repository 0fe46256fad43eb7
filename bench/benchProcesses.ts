import * as os from 'node:os';
import { type ChildProcess, spawn } from 'node:child_process';
import type { MqttClient } from 'mqtt';

export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Value at quantile q (0..1) of already sorted numbers. */
export const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** The machine a benchmark ran on, one line. */
export function machineLine(): string {
  const cpus = os.cpus();
  return `machine: ${cpus[0]?.model} ×${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, load ${os.loadavg()[0].toFixed(2)}, node ${process.version}, ${os.platform()} ${os.release()}`;
}

export const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

/** A child's result, its last stdout line; resolves once written (a pipe is asynchronous, and the child exits next). */
export function printResult(result: unknown): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(result)}\n`, () => resolve()));
}

export interface BenchChild {
  proc: ChildProcess;
  /** Resolves when the child printed `ready`. */
  ready: Promise<void>;
  /** The JSON of the child's last stdout line, once it exited 0. */
  done: Promise<unknown>;
}

/** Runs this benchmark script again as a child process (one role per process). */
export function benchChild(script: string, args: string[]): BenchChild {
  return benchCommand(process.execPath, [script, ...args]);
}

/** Any program as a benchmark child: it prints `ready`, then its result as its last stdout line (JSON). */
export function benchCommand(command: string, args: string[]): BenchChild {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (onReady = r));
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line === 'ready') onReady();
      else lines.push(line);
    }
  });
  const done = new Promise((resolve, reject) =>
    proc.once('exit', (code) => (code === 0 ? resolve(JSON.parse(lines[lines.length - 1])) : reject(new Error(`${args.join(' ')} exited ${code}`)))),
  );
  return { proc, ready, done };
}

/** The bare reference publisher: QoS 0 publishes as fast as mqtt.js takes them, 1000 awaited at a time. */
export async function blastPublish(client: MqttClient, messages: { topic: string; payload: Buffer }[], n = messages.length): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      const m = messages[j % messages.length];
      batch.push(client.publishAsync(m.topic, m.payload, { qos: 0 }));
    }
    await Promise.all(batch);
  }
}
