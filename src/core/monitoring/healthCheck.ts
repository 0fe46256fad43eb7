import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { LOG_FILE_NAME } from './jsonLogger';

/** Something whose size is watched: the log folder or a running recording. */
export interface SizeHealth {
  component: string;
  path: string;
  exists: boolean;
  sizeBytes: number;
  /** Size at the previous check, when there was one. */
  previousBytes?: number;
  /** (size − previous) / previous; absent without a previous non-zero size. */
  growth?: number;
}

export interface ErrorRateHealth {
  component: string;
  /** The log and its rotations that were read. */
  files: string[];
  lines: number;
  errorLines: number;
  /** Lines that are not JSON objects: counted in `lines`, never as errors. */
  unreadableLines: number;
  /** errorLines / lines, 0 for an empty log. */
  errorRate: number;
}

export interface ResponseHealth {
  component: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface HealthSnapshot {
  time: string;
  sizes: SizeHealth[];
  errors: ErrorRateHealth;
  response?: ResponseHealth;
}

/** A broker round trip supplied by the caller, so this module knows nothing of MQTT. */
export interface ResponseProbe {
  component: string;
  run: () => Promise<void>;
}

export interface HealthCheckOptions {
  logDir: string;
  logFileName?: string;
  /** Files of running recordings (their `.log`). */
  recordings?: readonly string[];
  probe?: ResponseProbe;
  /** A probe that takes longer counts as no answer. */
  probeTimeoutMs?: number;
  /** File names in the log folder left out of its size (e.g. the monitor's own state). */
  ignore?: readonly string[];
  /** Sizes from an earlier run (e.g. the last `monitor --once`), keyed by path. */
  previousSizes?: Readonly<Record<string, number>>;
  now?: () => Date;
}

/** Levels counted as errors: ours is ERROR; CRITICAL and FATAL come from other loggers writing the same form. */
const ERROR_LEVELS = new Set(['ERROR', 'CRITICAL', 'FATAL']);

/**
 * Checks the log folder and recordings; each `check()` compares sizes with the previous
 * one, which is what "growth between checks" means.
 */
export class HealthMonitor {
  private previous: Record<string, number>;
  private readonly logFile: string;

  constructor(private readonly options: HealthCheckOptions) {
    this.previous = { ...(options.previousSizes ?? {}) };
    this.logFile = path.join(options.logDir, options.logFileName ?? LOG_FILE_NAME);
  }

  /** Sizes of this check, to hand to the next run as `previousSizes`. */
  get sizes(): Readonly<Record<string, number>> {
    return this.previous;
  }

  async check(): Promise<HealthSnapshot> {
    const time = (this.options.now?.() ?? new Date()).toISOString();
    const sizes: SizeHealth[] = [await this.folderSize(), ...(await Promise.all((this.options.recordings ?? []).map((f) => this.fileSize(f))))];
    const errors = await errorRate(this.logFile, `log ${this.logFile}`);
    const response = this.options.probe ? await measure(this.options.probe, this.options.probeTimeoutMs ?? 10_000) : undefined;
    for (const s of sizes) if (s.exists) this.previous[s.path] = s.sizeBytes;
    return { time, sizes, errors, response };
  }

  private async folderSize(): Promise<SizeHealth> {
    const dir = this.options.logDir;
    const ignore = new Set(this.options.ignore ?? []);
    let total = 0;
    let exists = true;
    try {
      for (const d of await readdir(dir, { withFileTypes: true })) {
        if (!d.isFile() || ignore.has(d.name)) continue;
        total += (await stat(path.join(dir, d.name)).catch(() => undefined))?.size ?? 0;
      }
    } catch {
      exists = false;
    }
    return this.withGrowth({ component: `log folder ${dir}`, path: dir, exists, sizeBytes: total });
  }

  private async fileSize(file: string): Promise<SizeHealth> {
    const st = await stat(file).catch(() => undefined);
    return this.withGrowth({ component: `recording ${path.basename(file)}`, path: file, exists: st?.isFile() === true, sizeBytes: st?.size ?? 0 });
  }

  private withGrowth(s: SizeHealth): SizeHealth {
    const prev = this.previous[s.path];
    if (s.exists && prev !== undefined) {
      s.previousBytes = prev;
      if (prev > 0) s.growth = (s.sizeBytes - prev) / prev;
    }
    return s;
  }
}

/** ERROR lines over all lines of the log and its rotations (the window the log keeps). */
export async function errorRate(logFile: string, component: string): Promise<ErrorRateHealth> {
  const dir = path.dirname(logFile);
  const base = path.basename(logFile);
  const names = await readdir(dir).catch(() => [] as string[]);
  const rotation = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.\\d+)?$`);
  const files = names.filter((n) => rotation.test(n)).sort().map((n) => path.join(dir, n));
  const r: ErrorRateHealth = { component, files, lines: 0, errorLines: 0, unreadableLines: 0, errorRate: 0 };
  for (const file of files) {
    const rl = readline.createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    try {
      for await (const line of rl) {
        if (!line.trim()) continue;
        r.lines++;
        const level = levelOf(line);
        if (level === undefined) r.unreadableLines++;
        else if (ERROR_LEVELS.has(level)) r.errorLines++;
      }
    } catch {
      // Rotated away while reading: the lines read so far still count.
    }
  }
  r.errorRate = r.lines ? r.errorLines / r.lines : 0;
  return r;
}

function levelOf(line: string): string | undefined {
  try {
    const o: unknown = JSON.parse(line);
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
    const level = (o as Record<string, unknown>).level;
    return typeof level === 'string' ? level.toUpperCase() : '';
  } catch {
    return undefined;
  }
}

async function measure(probe: ResponseProbe, timeoutMs: number): Promise<ResponseHealth> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe.run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    return { component: probe.component, ok: true, ms: performance.now() - t0 };
  } catch (err) {
    return { component: probe.component, ok: false, ms: performance.now() - t0, error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
