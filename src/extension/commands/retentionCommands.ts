import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SessionOutcome, TrashMover } from '../../core/retention/pruneApply';
import type { PlannedSession, PrunePlan } from '../../core/retention/prunePlan';
import type { KeepReason } from '../../core/retention/sessionGroups';
import { requireTrust } from '../brokerPicker';
import type { ExtensionLog } from '../log';
import { existingFolders, readSettings } from '../settings';
import { sessionArg } from './sessionArg';

const SETTING = 'mqttSessions.retention';

function keepText(r: KeepReason | { kind: 'gone' } | { kind: 'changed'; file: string }): string {
  const file = 'file' in r ? path.basename(r.file) : '';
  switch (r.kind) {
    case 'recording': return vscode.l10n.t('being recorded (pid {0} on {1})', r.pid, r.host);
    case 'stale-lock': return vscode.l10n.t('an interrupted recording not yet recovered ({0})', file);
    case 'lock-unclear': return vscode.l10n.t('its recorder lock {0} cannot be judged: kept on doubt', file);
    case 'pinned': return vscode.l10n.t('pinned');
    case 'golden': return vscode.l10n.t('a golden run');
    case 'not-regular': return vscode.l10n.t('{0} is not a regular file (never followed or removed)', file);
    case 'in-use': return vscode.l10n.t('{0} is in use', file);
    case 'unreadable': return vscode.l10n.t('{0} cannot be read ({1})', file, r.error);
    case 'gone': return vscode.l10n.t('gone since the list was made');
    case 'changed': return vscode.l10n.t('{0} changed since the list was made', file);
  }
}

/** VS Code's trash; where the file system has none (a remote such as code-server), the freedesktop trash of that machine. Never a plain delete. */
function vscodeTrash(log: ExtensionLog): TrashMover {
  return async (file) => {
    try {
      await vscode.workspace.fs.delete(vscode.Uri.file(file), { useTrash: true, recursive: false });
      return {};
    } catch (err) {
      if (process.platform !== 'linux') throw err;
      const { freedesktopMover } = await import('../../core/retention/freedesktopTrash');
      const moved = await freedesktopMover()(file);
      log.info('prune', `${file}: VS Code's trash refused (${(err as Error).message.split('\n')[0]}); moved to ${moved.where}`);
      return moved;
    }
  };
}

/** The policy from the setting, or undefined after saying what is wrong (with a way to the setting). */
async function retentionPolicy() {
  const { isEmptyPolicy, parseRetentionSetting } = await import('../../core/retention/retentionPolicy');
  const openSettings = vscode.l10n.t('Open Settings');
  const offer = async (message: string): Promise<undefined> => {
    if ((await vscode.window.showWarningMessage(message, openSettings)) === openSettings) await vscode.commands.executeCommand('workbench.action.openSettings', SETTING);
    return undefined;
  };
  try {
    const policy = parseRetentionSetting(vscode.workspace.getConfiguration().get(SETTING), SETTING);
    return isEmptyPolicy(policy) ? offer(vscode.l10n.t('Nothing to prune by: set {0} (olderThan, maxTotal).', SETTING)) : policy;
  } catch (err) {
    return offer((err as Error).message);
  }
}

interface PruneItem extends vscode.QuickPickItem {
  plan?: PrunePlan;
  session?: PlannedSession;
  /** A session that stays: shown with its reason, never tickable. */
  kept?: boolean;
}

function itemsOf(plans: readonly PrunePlan[], formatBytes: (n: number) => string): PruneItem[] {
  const items: PruneItem[] = [];
  for (const plan of plans) {
    if (plan.remove.length === 0 && plan.kept.length === 0) continue;
    items.push({ label: vscode.workspace.asRelativePath(plan.dir), kind: vscode.QuickPickItemKind.Separator });
    for (const s of plan.remove) {
      const reason = s.reason === 'age' ? vscode.l10n.t('older than the limit') : vscode.l10n.t('oldest while the folder is over its size limit');
      items.push({
        label: s.name,
        description: vscode.l10n.t('{0} · last written {1} · {2}', formatBytes(s.bytes), new Date(s.lastWrittenMs).toISOString().replace('T', ' ').slice(0, 16) + ' UTC', reason),
        detail: s.files.map((f) => `${path.basename(f.path)} (${formatBytes(f.size)})`).join(', '),
        picked: true,
        plan,
        session: s,
      });
    }
    for (const k of plan.kept) items.push({ label: `$(lock) ${k.name}`, description: vscode.l10n.t('stays: {0}', keepText(k.reason)), kept: true });
  }
  return items;
}

/** Every session that would go ticked; those that stay listed with their reason and never tickable. Undefined when dismissed. */
function chooseSessions(items: PruneItem[], title: string): Promise<readonly PruneItem[] | undefined> {
  const qp = vscode.window.createQuickPick<PruneItem>();
  qp.title = title;
  qp.placeholder = vscode.l10n.t('Untick what should stay; OK moves the ticked sessions to the trash');
  qp.canSelectMany = true;
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  qp.ignoreFocusOut = true;
  qp.items = items;
  qp.selectedItems = items.filter((i) => i.session);
  return new Promise((resolve) => {
    let chosen: readonly PruneItem[] | undefined;
    qp.onDidChangeSelection((sel) => {
      if (sel.some((i) => i.kept)) qp.selectedItems = sel.filter((i) => !i.kept);
    });
    qp.onDidAccept(() => {
      chosen = qp.selectedItems.filter((i) => i.session);
      qp.hide();
    });
    qp.onDidHide(() => {
      qp.dispose();
      resolve(chosen);
    });
    qp.show();
  });
}

function outcomeLine(o: SessionOutcome): string {
  if (o.status === 'moved') return vscode.l10n.t('{0}: moved to the trash', o.name);
  if (o.status === 'skipped') return vscode.l10n.t('{0}: kept, {1}', o.name, keepText(o.why));
  return o.inTrash.length
    ? vscode.l10n.t('{0}: failed ({1}); in the trash already: {2}', o.name, o.error, o.inTrash.map((f) => path.basename(f.file)).join(', '))
    : vscode.l10n.t('{0}: failed ({1}); its files are where they were', o.name, o.error);
}

/**
 * Prune Sessions…: what the setting `mqttSessions.retention` would take from each session
 * folder, in a list where every session is ticked and can be unticked; only what stays
 * ticked goes, to the trash.
 */
export async function pruneSessions(log: ExtensionLog): Promise<void> {
  if (!requireTrust(vscode.l10n.t('Prune Sessions'))) return;
  const policy = await retentionPolicy();
  if (!policy) return;
  const dirs = await existingFolders(readSettings().sessionFolders);
  if (dirs.length === 0) return void vscode.window.showInformationMessage(vscode.l10n.t('No session folder exists (setting mqttSessions.sessionFolders).'));
  const { planPrune } = await import('../../core/retention/prunePlan');
  const { applyPrune } = await import('../../core/retention/pruneApply');
  const { formatBytes } = await import('../../core/util/units');
  const plans = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Looking for sessions to prune…') }, () => Promise.all(dirs.map((d) => planPrune(d, policy))));
  const count = plans.reduce((n, p) => n + p.remove.length, 0);
  if (count === 0) {
    const kept = plans.reduce((n, p) => n + p.kept.length, 0);
    return void vscode.window.showInformationMessage(kept ? vscode.l10n.t('Nothing to prune: {0} old sessions stay (pinned, recorded or in use).', kept) : vscode.l10n.t('Nothing to prune.'));
  }
  const bytes = plans.reduce((n, p) => n + p.totalBytes - p.remainingBytes, 0);
  const picked = await chooseSessions(itemsOf(plans, formatBytes), vscode.l10n.t('Prune Sessions: {0} sessions ({1}) would go to the trash', count, formatBytes(bytes)));
  if (!picked?.length) return;
  const move = vscodeTrash(log);
  const outcomes: SessionOutcome[] = [];
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Moving sessions to the trash…') }, async () => {
    for (const plan of plans) {
      const only = new Set(picked.filter((i) => i.plan === plan && i.session).map((i) => (i.session as PlannedSession).name));
      if (only.size) outcomes.push(...(await applyPrune(plan, move, { only, onOutcome: (o) => (o.status === 'moved' ? log.info : log.warn).call(log, 'prune', outcomeLine(o)) })));
    }
  });
  await vscode.commands.executeCommand('mqttSessions.refresh');
  const moved = outcomes.filter((o) => o.status === 'moved').length;
  const problems = outcomes.filter((o) => o.status !== 'moved');
  const summary = vscode.l10n.t('Moved {0} of {1} sessions to the trash.', moved, outcomes.length);
  if (problems.length === 0) return void vscode.window.showInformationMessage(summary);
  const show = vscode.l10n.t('Show Log');
  const failed = problems.some((o) => o.status === 'failed');
  const message = `${summary} ${problems.map(outcomeLine).join('; ')}`;
  const answer = await (failed ? vscode.window.showErrorMessage(message, show) : vscode.window.showWarningMessage(message, show));
  if (answer === show) log.channel.show();
}

/** Pin Session / Unpin Session: the sidecar `<name>.pinned` that prune never passes. */
export async function setSessionPinned(arg: unknown, pinned: boolean): Promise<void> {
  const files = await sessionArg(arg, pinned ? vscode.l10n.t('Pin which session?') : vscode.l10n.t('Unpin which session?'));
  if (!files) return;
  const { setPinned } = await import('../../core/retention/sessionMarks');
  const { sessionBaseName } = await import('../../core/retention/sessionGroups');
  const name = sessionBaseName(files.name);
  await setPinned(files.dir, name, pinned);
  void vscode.window.showInformationMessage(pinned ? vscode.l10n.t('{0} is pinned: Prune Sessions keeps it.', name) : vscode.l10n.t('{0} is no longer pinned.', name));
}
