import * as vscode from 'vscode';
import type { SessionFiles } from '../../core/session/sessionFiles';
import { existingFolders, readSettings } from '../settings';

/** A session from the view's item, an explorer file, or a quick pick of the catalog. */
export async function sessionArg(arg: unknown, placeHolder: string): Promise<SessionFiles | undefined> {
  const { resolveSession, scanSessionFolder } = await import('../../core/session/sessionFiles');
  const node = arg as { kind?: string; files?: SessionFiles } | undefined;
  if (node?.kind === 'session' && node.files) return node.files;
  if (arg instanceof vscode.Uri) return resolveSession(arg.fsPath);
  const all: SessionFiles[] = [];
  for (const dir of await existingFolders(readSettings().sessionFolders)) all.push(...(await scanSessionFolder(dir)));
  if (all.length === 0) return void vscode.window.showInformationMessage(vscode.l10n.t('No sessions in the session folders.'));
  const picked = await vscode.window.showQuickPick(
    all.map((files) => ({ label: files.name, description: vscode.workspace.asRelativePath(files.dir), files })),
    { placeHolder },
  );
  return picked?.files;
}
