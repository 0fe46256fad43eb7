import * as readline from 'node:readline/promises';
import { formatBytes, formatDuration } from '../core/util/units';

export interface Progress {
  /** How far the work is, in bytes: a percentage is shown instead of the time so far. */
  update(done: number, total: number): void;
  /** The work moved on to another step. */
  step(label: string): void;
  /** A line for stderr that stays (the progress line is drawn again under it). */
  note(text: string): void;
  /** Clears the line; nothing more is drawn. */
  done(): void;
}

const NO_PROGRESS: Progress = { update() {}, step() {}, note: (text) => void process.stderr.write(`${text}\n`), done() {} };

/**
 * A progress line on a terminal (stderr), nothing when stderr is piped. It shows at once
 * and then the time so far, or how far the work is when it tells (`update`).
 */
function progressReporter(label: string, shown = true): Progress {
  if (!shown || process.stderr.isTTY !== true) return NO_PROGRESS;
  const started = Date.now();
  let current = label;
  let fraction = '';
  let last = 0;
  const draw = (): void => {
    last = Date.now();
    process.stderr.write(`\r\x1b[K${current}… ${fraction || formatDuration((last - started) / 1000)}`);
  };
  const timer = setInterval(draw, 250);
  timer.unref();
  draw();
  return {
    update(done, total) {
      const pct = total > 0 ? Math.floor((done / total) * 100) : 0;
      fraction = `${pct}% (${formatBytes(done)} of ${formatBytes(total)})`;
      if (Date.now() - last >= 100 || done >= total) draw();
    },
    step(next) {
      current = next;
      fraction = '';
      draw();
    },
    note(text) {
      process.stderr.write(`\r\x1b[K${text}\n`);
      draw();
    },
    done() {
      clearInterval(timer);
      process.stderr.write('\r\x1b[K');
    },
  };
}

/**
 * `work` with a progress line that is cleared however it ends (an error prints on a clean
 * line). `shown: false` when the work itself writes to the terminal.
 */
export async function withProgress<T>(label: string, work: (progress: Progress) => Promise<T>, shown = true): Promise<T> {
  const progress = progressReporter(label, shown);
  try {
    return await work(progress);
  } finally {
    progress.done();
  }
}

/** Left-aligned text table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** A yes/no question on the terminal (stderr), `no` unless the answer is y or yes. */
export async function askYesNo(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
