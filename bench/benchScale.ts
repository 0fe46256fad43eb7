/**
 * npm run bench:scale [-- --sizes 1000000,3000000,10000000 --runs R]
 *
 * The scale run of issue 16: for each size, bench:index (build, ours against the bare
 * loop on the same engine and native SQLite, in the same run; .db size, reopen, FTS, peak
 * RSS of each step in its own process) and then bench:analyze on the index that run built
 * (the query set, with the process's peak RSS after each query). The synthetic sessions
 * are generated once under `.bench/` and reused (10M: ~3.6 GB of `.log`).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { argValue, machineLine } from './benchProcesses';

function run(script: string, args: string[]): void {
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, script), ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${script} ${args.join(' ')}: exit ${r.status}`);
}

const sizes = (argValue('sizes') ?? '1000000,3000000,10000000').split(',').map(Number);
const runs = argValue('runs') ?? '1';
console.log(`# bench:scale — ${sizes.map((n) => n.toLocaleString('en')).join(', ')} messages\n${machineLine()}\n`);
for (const n of sizes) {
  console.log(`\n## ${n.toLocaleString('en')} messages\n`);
  run('benchIndex.js', ['--messages', String(n), '--runs', runs]);
  console.log('');
  run('benchAnalyze.js', ['--messages', String(n), '--runs', '3']);
}
