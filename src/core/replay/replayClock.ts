import { setImmediate as immediate } from 'node:timers/promises';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Deadlines from the replay's start (DESIGN §6): a message at session offset `o` is due
 * at `start + paused + o / speed`. Each deadline is absolute, so a late message never
 * delays the ones after it: error does not accumulate.
 */
export class ReplayClock {
  private start = performance.now();
  private pausedTotal = 0;
  private pausedAt: number | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly speed: number) {}

  restart(): void {
    this.start = performance.now();
    this.pausedTotal = 0;
  }

  deadline(offsetMs: number): number {
    return this.start + this.pausedTotal + offsetMs / this.speed;
  }

  get paused(): boolean {
    return this.pausedAt !== undefined;
  }

  pause(): void {
    this.pausedAt ??= performance.now();
  }

  resume(): void {
    if (this.pausedAt === undefined) return;
    this.pausedTotal += performance.now() - this.pausedAt;
    this.pausedAt = undefined;
    this.wake?.();
  }

  /** Interrupts a wait (stop). */
  interrupt(): void {
    this.wake?.();
  }

  /**
   * Waits until the deadline: timers for the bulk, then the event loop's next turns
   * for the last 2 ms (timers are only good to about a millisecond). While paused, waits
   * for resume first. Returns early when interrupted.
   */
  async waitFor(offsetMs: number, stopped: () => boolean): Promise<void> {
    for (;;) {
      if (stopped()) return;
      if (this.pausedAt !== undefined) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      const left = this.deadline(offsetMs) - performance.now();
      if (left <= 0) return;
      if (left > 2) {
        await Promise.race([sleep(left - 1.5), new Promise<void>((r) => (this.wake = r))]);
        this.wake = undefined;
      } else await immediate();
    }
  }
}
