import type * as vscode from 'vscode';

/** Owns what it registers and disposes it with itself (after vscode-pull-request-github's lifecycle). */
export abstract class Disposable implements vscode.Disposable {
  private owned: vscode.Disposable[] = [];
  private disposed = false;

  protected register<T extends vscode.Disposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.owned.push(item);
    return item;
  }

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const item of this.owned.splice(0).reverse()) {
      try {
        item.dispose();
      } catch {
        /* one failing disposal must not keep the others alive */
      }
    }
  }
}
