import * as path from 'node:path';

/**
 * Where the built files that core code loads at run time live (the worker bundles,
 * `indexWorker.js`). In the bundles that is their own folder; tests running the
 * TypeScript sources point it at `dist/`.
 */
let runtimeDir = __dirname;

export function setRuntimeDir(dir: string): void {
  runtimeDir = dir;
}

export function runtimeFile(name: string): string {
  return path.join(runtimeDir, name);
}
