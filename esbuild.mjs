// Bundles the extension, the CLI, the index worker, benchmarks and webview entries into dist/.
import * as esbuild from 'esbuild';
import { chmod, copyFile, mkdir, rm } from 'node:fs/promises';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  external: ['vscode'],
  logLevel: 'warning',
};

const builds = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/cli/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { indexWorker: 'src/core/index/indexWorker.ts', liveIndexWorker: 'src/core/index/liveIndexWorker.ts', coreWorker: 'src/core/worker/coreWorker.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { benchIndex: 'bench/benchIndex.ts' }, outdir: 'dist/bench' },
  { ...node, entryPoints: { benchRegistry: 'bench/benchRegistry.ts' }, outdir: 'dist/bench' },
  { ...node, entryPoints: { benchRecord: 'bench/benchRecord.ts' }, outdir: 'dist/bench' },
  { ...node, entryPoints: { benchReplay: 'bench/benchReplay.ts' }, outdir: 'dist/bench' },
  { ...node, entryPoints: { benchAnalyze: 'bench/benchAnalyze.ts' }, outdir: 'dist/bench' },
  { ...node, entryPoints: { benchFaults: 'bench/benchFaults.ts' }, outdir: 'dist/bench' },
  { ...node, entryPoints: { benchLiveIndex: 'bench/benchLiveIndex.ts' }, outdir: 'dist/bench' },
  { ...node, entryPoints: { benchScale: 'bench/benchScale.ts' }, outdir: 'dist/bench' },
  { ...node, entryPoints: { suite: 'test/extensionHost/suite/index.ts', runTests: 'test/extensionHost/runTests.ts' }, outdir: 'dist/test/extensionHost', external: ['vscode', '@vscode/test-electron'] },
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    entryPoints: { sessionPanel: 'webview/sessionPanel/main.ts', ordersPanel: 'webview/ordersPanel/main.ts' },
    outdir: 'dist/webview',
    logLevel: 'warning',
  },
];

if (production) await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });
// node-sqlite3-wasm finds its wasm beside the bundle that requires it (its __dirname).
await mkdir('dist/bench', { recursive: true });
for (const dir of ['dist', 'dist/bench']) await copyFile('node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm', `${dir}/node-sqlite3-wasm.wasm`);

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  await chmod('dist/cli.js', 0o755);
}
