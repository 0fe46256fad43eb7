import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { freedesktopMover } from '../../core/retention/freedesktopTrash';
import { type SessionOutcome, applyPrune } from '../../core/retention/pruneApply';
import { type PrunePlan, planPrune } from '../../core/retention/prunePlan';
import { type RetentionPolicy, isEmptyPolicy, parseRetentionSetting } from '../../core/retention/retentionPolicy';
import type { KeepReason } from '../../core/retention/sessionGroups';
import { formatBytes } from '../../core/util/units';
import { type ParsedArgs, UsageError, stringOption } from '../argv';
import { defineCommand } from '../command';
import { print } from '../sessionOptions';
import { askYesNo } from '../terminal';

export const pruneCommand = defineCommand({
  name: 'prune',
  usage: 'DIR',
  summary: 'Moves old sessions of a folder to the trash (.log, .db and parts together): last written before --older-than, then the oldest while the folder is over --max-total.',
  notes:
    'Lists every file that would go, with its size and reason, before anything goes. On a terminal it asks; on a pipe without --yes it only lists (exit 0). Never a session being recorded (its .log.lock), an interrupted one not yet recovered, one pinned (<name>.pinned) or golden (<name>.golden), nor a symlink or special file. Age: the newest modification time of a session\'s files. The trash is the freedesktop one (~/.local/share/Trash, or the mount\'s .Trash-UID). Exit 1 when a session could not be moved.',
  options: {
    'older-than': { value: true, arg: '30d', help: 'sessions last written longer ago than this (d, w, h, m, s)' },
    'max-total': { value: true, arg: '20GB', help: 'then the oldest, until the sessions of the folder take at most this much' },
    'dry-run': { help: 'list what would go; move nothing' },
    yes: { help: 'move without asking' },
    json: { help: 'print the plan (and what was moved) as JSON' },
  },
  positionals: [1, 1],
  run: prune,
});

function when(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

function days(ms: number): string {
  const d = ms / 86_400_000;
  return d >= 1 ? `${Math.floor(d)} d` : `${Math.floor(ms / 3_600_000)} h`;
}

function keepText(r: KeepReason | { kind: 'gone' } | { kind: 'changed'; file: string }, dir: string): string {
  const name = 'file' in r ? path.basename(r.file) : '';
  switch (r.kind) {
    case 'recording': return `being recorded (pid ${r.pid} on ${r.host}; ${name})`;
    case 'stale-lock': return `an interrupted recording (${r.why}; ${name}): run "mqtt-sessions recover ${dir}" first`;
    case 'lock-unclear': return `its recorder lock ${name} cannot be judged (${r.error}): kept on doubt`;
    case 'pinned': return `pinned (${name})`;
    case 'golden': return `a golden run (${name})`;
    case 'not-regular': return `${name} is ${r.what}: never followed or removed, so the session stays whole`;
    case 'in-use': return `${name}: in use (an index open or a file being written)`;
    case 'unreadable': return `${name} cannot be read (${r.error})`;
    case 'gone': return 'gone since the plan';
    case 'changed': return `${name} changed since the plan`;
  }
}

function policyText(p: RetentionPolicy): string {
  return [p.olderThanMs !== undefined ? `older than ${days(p.olderThanMs)}` : '', p.maxTotalBytes !== undefined ? `at most ${formatBytes(p.maxTotalBytes)} in all` : ''].filter(Boolean).join(', ');
}

function planText(plan: PrunePlan): string {
  const out = [`Prune plan for ${plan.dir} (${policyText(plan.policy)}): ${plan.remove.length} session${plan.remove.length === 1 ? '' : 's'}, ${formatBytes(plan.totalBytes - plan.remainingBytes)} to the trash; ${formatBytes(plan.remainingBytes)} of ${formatBytes(plan.totalBytes)} stays.`];
  for (const s of plan.remove) {
    const why = s.reason === 'age' ? `older than ${days(plan.policy.olderThanMs ?? 0)}` : `among the oldest while over ${formatBytes(plan.policy.maxTotalBytes ?? 0)}`;
    out.push(`  ${s.name}  ${formatBytes(s.bytes)}  last written ${when(s.lastWrittenMs)}, ${days(plan.nowMs - s.lastWrittenMs)} ago: ${why}`);
    for (const f of s.files) out.push(`    ${path.basename(f.path)}  ${formatBytes(f.size)}`);
  }
  if (plan.kept.length) {
    out.push('Kept (the policy would have taken them):');
    for (const k of plan.kept) out.push(`  ${k.name}  ${formatBytes(k.bytes)}  ${keepText(k.reason, plan.dir)}`);
  }
  for (const i of plan.ignored) out.push(`Left alone: ${path.basename(i.path)} is ${i.what} (never followed or removed).`);
  if (plan.overCapBytes !== undefined) out.push(`Still ${formatBytes(plan.overCapBytes)} over the cap: what stays is kept for the reasons above.`);
  return out.join('\n');
}

function outcomeText(o: SessionOutcome, dir: string): string {
  if (o.status === 'moved') return `moved    ${o.name} (${o.files.length} file${o.files.length === 1 ? '' : 's'}) to the trash`;
  if (o.status === 'skipped') return `kept     ${o.name}: ${keepText(o.why, dir)}`;
  const left = o.inTrash.length ? `; already in the trash and not put back: ${o.inTrash.map((f) => `${path.basename(f.file)} (${f.where ?? '?'})`).join(', ')}` : '; its files are where they were';
  return `FAILED   ${o.name}: ${o.error}${left}`;
}

/** Asked on a terminal only (stdin and stderr); anything but y/yes is no. */
function planJson(plan: PrunePlan): unknown {
  return {
    ...plan,
    remove: plan.remove.map((s) => ({ name: s.name, bytes: s.bytes, lastWritten: new Date(s.lastWrittenMs).toISOString(), reason: s.reason, files: s.files.map((f) => ({ path: f.path, bytes: f.size, role: f.role })) })),
    kept: plan.kept.map((k) => ({ ...k, lastWritten: new Date(k.lastWrittenMs).toISOString(), why: keepText(k.reason, plan.dir) })),
  };
}

async function prune(args: ParsedArgs): Promise<number> {
  const dir = path.resolve(args.positionals[0]);
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw new Error(`${args.positionals[0]}: no such folder`);
  let policy: RetentionPolicy;
  try {
    policy = parseRetentionSetting({ olderThan: stringOption(args, 'older-than'), maxTotal: stringOption(args, 'max-total') }, 'prune');
  } catch (err) {
    throw new UsageError((err as Error).message.replace('prune.olderThan', '--older-than').replace('prune.maxTotal', '--max-total'));
  }
  if (isEmptyPolicy(policy)) throw new UsageError('prune: give --older-than AGE and/or --max-total SIZE (nothing is pruned by default)');
  const plan = await planPrune(dir, policy);
  const json = args.options.json === true;
  if (!json) print(planText(plan));
  const say = (text: string): void => (json ? void process.stderr.write(`${text}\n`) : print(text));
  const finish = (outcomes?: SessionOutcome[]): number => {
    if (json) print(JSON.stringify({ plan: planJson(plan), moved: outcomes !== undefined, outcomes: outcomes ?? [] }, null, 2));
    return outcomes?.some((o) => o.status === 'failed') ? 1 : 0;
  };
  if (plan.remove.length === 0) {
    say('Nothing to prune.');
    return finish();
  }
  const what = `${plan.remove.length} session${plan.remove.length === 1 ? '' : 's'} (${formatBytes(plan.totalBytes - plan.remainingBytes)})`;
  if (args.options['dry-run'] === true) {
    say('Dry run: nothing moved.');
    return finish();
  }
  if (args.options.yes !== true) {
    if (!process.stdin.isTTY || !process.stderr.isTTY) {
      say(`Not a terminal: nothing moved (give --yes to move ${what} to the trash).`);
      return finish();
    }
    if (!(await askYesNo(`Move ${what} to the trash?`))) {
      say('Nothing moved.');
      return finish();
    }
  }
  const outcomes = await applyPrune(plan, freedesktopMover(), { onOutcome: (o) => say(outcomeText(o, dir)) });
  const moved = outcomes.filter((o) => o.status === 'moved');
  const bytes = plan.remove.filter((s) => moved.some((o) => o.name === s.name)).reduce((n, s) => n + s.bytes, 0);
  say(`Moved ${moved.length} of ${plan.remove.length} sessions (${formatBytes(bytes)}) to the trash.`);
  return finish(outcomes);
}
