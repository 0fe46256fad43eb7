import * as path from 'node:path';
import * as vscode from 'vscode';
import { existingFolders, readSettings } from '../settings';

/** How deep below a workspace folder a `test_topics` folder is looked for: a shallow search, quick in any workspace. */
const MAX_DEPTH = 3;
const CANDIDATE = 'test_topics';

/**
 * Folders named `test_topics` (up to three levels down) with JSON files that the setting
 * does not name: what a newcomer's Test Topics view offers instead of an array setting.
 */
export async function detectTestTopicFolders(): Promise<string[]> {
  const configured = new Set(await existingFolders(readSettings().testTopicFolders));
  const patterns = Array.from({ length: MAX_DEPTH }, (_, i) => `${'*/'.repeat(i)}${CANDIDATE}/*.json`);
  const found = await vscode.workspace.findFiles(`{${patterns.join(',')}}`, '**/node_modules/**', 200);
  const dirs = new Set(found.map((u) => path.dirname(u.fsPath)));
  return [...dirs].filter((d) => !configured.has(d)).sort();
}

/** Find Test-Topic Folders…: the detected folders, ticked; the picked ones are added to the workspace setting. */
export async function findTestTopicFolders(): Promise<void> {
  const dirs = await detectTestTopicFolders();
  if (dirs.length === 0) {
    const create = vscode.l10n.t('Create Test Topic…');
    const answer = await vscode.window.showInformationMessage(vscode.l10n.t('No folder named {0} with JSON files in this workspace (looked {1} levels deep).', CANDIDATE, MAX_DEPTH), create);
    if (answer === create) await vscode.commands.executeCommand('mqttSessions.createTestTopic');
    return;
  }
  const picked = await vscode.window.showQuickPick(
    dirs.map((dir) => ({ label: vscode.workspace.asRelativePath(dir), description: dir, dir, picked: true })),
    { canPickMany: true, title: vscode.l10n.t('Use as test-topic folders'), placeHolder: vscode.l10n.t('Added to the workspace setting mqttSessions.testTopicFolders') },
  );
  if (!picked?.length) return;
  await addTestTopicFolders(picked.map((p) => p.dir));
  void vscode.window.showInformationMessage(vscode.l10n.t('Test Topics shows {0} now.', picked.map((p) => p.label).join(', ')));
}

async function addTestTopicFolders(dirs: string[]): Promise<void> {
  const config = vscode.workspace.getConfiguration('mqttSessions');
  const current = config.get<string[]>('testTopicFolders') ?? [];
  const rel = dirs.map((d) => vscode.workspace.asRelativePath(d, false));
  await config.update('testTopicFolders', [...current, ...rel.filter((r) => !current.includes(r))], vscode.ConfigurationTarget.Workspace);
}

/** Create Test Topic…: asks for the topic, writes `<topic>.json` into the first test-topic folder (made if needed) and opens it. */
export async function createTestTopic(): Promise<void> {
  const wf = vscode.workspace.workspaceFolders?.[0];
  if (!wf) return void vscode.window.showInformationMessage(vscode.l10n.t('Open a folder first: test topics are files in the workspace.'));
  const topic = await vscode.window.showInputBox({
    title: vscode.l10n.t('Create Test Topic'),
    prompt: vscode.l10n.t('MQTT topic to publish to'),
    placeHolder: 'module/v1/ff/SVR3QA0022/order',
    validateInput: (v) => (!v.trim() ? vscode.l10n.t('A topic') : /[+#\u0000]/.test(v) ? vscode.l10n.t('A topic to publish to has no wildcards (+, #)') : undefined),
  });
  if (!topic) return;
  const settings = readSettings();
  const existing = await existingFolders(settings.testTopicFolders);
  // None of the configured folders exists: `test_topics` at the root, added to the setting so that the view shows it.
  const dir = existing[0] ?? path.join(wf.uri.fsPath, CANDIDATE);
  await vscode.workspace.fs.createDirectory(vscode.Uri.file(dir));
  if (!existing.length) await addTestTopicFolders([dir]);
  const { testTopicFileName, writeTestTopic } = await import('../../core/testTopics/testTopicFile');
  let name = testTopicFileName(topic);
  for (let i = 2; !(await writeTestTopic(dir, name, { topic, payload: {}, qos: 0, retain: false })); i++) name = testTopicFileName(topic, i);
  await vscode.window.showTextDocument(vscode.Uri.file(path.join(dir, name)));
}
