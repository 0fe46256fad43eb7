import * as path from 'node:path';
import * as vscode from 'vscode';

const DEFAULT_SESSION_FOLDERS = ['data/omf-data/sessions', 'data/osf-data/sessions', 'sessions'];

/**
 * Minimal for now: one command that lists the workspace's sessions. Core modules are
 * imported inside the command so that activation loads neither sql.js nor mqtt.
 */
export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('mqttSessions.listSessions', () => listSessions()));
}

export function deactivate(): void {
  /* nothing held */
}

async function listSessions(): Promise<void> {
  const { scanCatalog } = await import('../core/session/sessionCatalog');
  const configured = vscode.workspace.getConfiguration('mqttSessions').get<string[]>('sessionFolders', DEFAULT_SESSION_FOLDERS);
  const naive = vscode.workspace.getConfiguration('mqttSessions').get<'utc' | 'local'>('naiveTimestamps', 'utc');
  const dirs: string[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    for (const rel of configured) {
      const dir = path.join(folder.uri.fsPath, rel);
      try {
        if ((await vscode.workspace.fs.stat(vscode.Uri.file(dir))).type & vscode.FileType.Directory) dirs.push(dir);
      } catch {
        /* a configured folder that does not exist is normal */
      }
    }
  }
  if (dirs.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No session folders found (setting mqttSessions.sessionFolders).'));
    return;
  }
  const entries = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Reading sessions…') }, () => scanCatalog(dirs, { naive }));
  const picked = await vscode.window.showQuickPick(
    entries.map((e) => ({
      label: e.files.name,
      description: e.summary ? vscode.l10n.t('{0} messages, {1} topics', e.summary.messages, e.summary.topics) : e.error,
      detail: e.summary?.start ? `${e.summary.start} · ${e.summary.format}` : undefined,
      file: e.files.log ?? e.files.db,
    })),
    { placeHolder: vscode.l10n.t('Sessions') },
  );
  if (picked?.file && picked.file.endsWith('.log')) await vscode.window.showTextDocument(vscode.Uri.file(picked.file));
}
