import { existsSync } from 'node:fs';
import { type LiveIndex, buildIndexInWorker, startLiveIndex } from '../index/indexClient';

/**
 * A recording's `<name>.db` (issue 16): a worker appends the `.log`'s new lines to it
 * about once a second, so the recording can be summarised, searched and drawn while it
 * runs, and its index is ready soon after the stop. A resumed recording takes up the live
 * index of the run it continues, when there is one; an index that cannot be kept live is
 * built whole from the `.log` at the stop.
 */
export class RecordingIndex {
  private constructor(
    private readonly logPath: string,
    private readonly live?: LiveIndex,
  ) {}

  get dbPath(): string {
    return this.logPath.replace(/\.log$/, '.db');
  }

  /** No live index: built whole at the end (`index` off during the recording, or a .db not ours). */
  static atTheEnd(logPath: string): RecordingIndex {
    return new RecordingIndex(logPath);
  }

  static start(logPath: string, resumed: boolean): RecordingIndex {
    const dbPath = logPath.replace(/\.log$/, '.db');
    const exists = existsSync(dbPath);
    // A .db we did not start is not ours to write into: built at the end instead.
    if (!resumed && exists) return new RecordingIndex(logPath);
    return new RecordingIndex(logPath, startLiveIndex(logPath, dbPath, { resume: exists }));
  }

  /** Messages in the index so far. */
  get indexed(): number {
    return this.live?.indexed ?? 0;
  }

  /** The live index finished; when there is none, or it failed, a whole build from the `.log`. */
  async finish(note: (detail: string) => void): Promise<void> {
    if (this.live) {
      try {
        await this.live.finish();
        return;
      } catch (err) {
        note(`live index given up (${(err as Error).message}): building it from the .log`);
      }
    }
    await buildIndexInWorker(this.logPath, this.dbPath);
  }

  async abort(): Promise<void> {
    await this.live?.abort();
  }
}
