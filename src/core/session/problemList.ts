import type { Problem } from './sessionMessage';

/** Problems of one file: all are counted, the first `limit` are kept with their line and reason. */
export class ProblemList {
  readonly items: Problem[] = [];
  count = 0;

  constructor(private readonly limit = 1000) {}

  add(line: number, reason: string): void {
    this.count++;
    if (this.items.length < this.limit) this.items.push({ line, reason });
  }
}
