import type * as vscode from 'vscode';

/**
 * Last choices (broker, speed, export format...) kept in `workspaceState`, written at
 * most once a second: quick picks remember without a storage write per keystroke.
 */
export class Choices implements vscode.Disposable {
  private pending = new Map<string, unknown>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly state: vscode.Memento) {}

  get<T>(key: string, fallback: T): T {
    return this.pending.has(key) ? (this.pending.get(key) as T) : this.state.get<T>(key, fallback);
  }

  set(key: string, value: unknown): void {
    this.pending.set(key, value);
    this.timer ??= setTimeout(() => this.flush(), 1000);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const [k, v] of this.pending) void this.state.update(k, v);
    this.pending.clear();
  }

  dispose(): void {
    this.flush();
  }
}
