import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestTopic } from '../../core/testTopics/testTopicFile';
import { Disposable } from '../lifecycle';
import { existingFolders, onSettingsChanged, readSettings } from '../settings';

export type TestTopicsNode =
  | { kind: 'folder'; dir: string }
  | { kind: 'preloads'; dir: string }
  | { kind: 'file'; file: string; preload: boolean; topic?: TestTopic; error?: string };

/** Test Topics view: folder → preloads and test topics; an invalid file shows why. */
export class TestTopicsView extends Disposable implements vscode.TreeDataProvider<TestTopicsNode> {
  private readonly changed = this.register(new vscode.EventEmitter<TestTopicsNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor() {
    super();
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/*.json'));
    for (const on of [watcher.onDidCreate, watcher.onDidChange, watcher.onDidDelete]) this.register(on(() => this.refresh()));
    this.register(onSettingsChanged(() => this.refresh()));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: TestTopicsNode): Promise<TestTopicsNode[]> {
    if (!node) return (await existingFolders(readSettings().testTopicFolders)).map((dir) => ({ kind: 'folder', dir }));
    if (node.kind === 'file') return [];
    const { testTopicFilesOf } = await import('../../core/send/testTopicSender');
    const { readTestTopic } = await import('../../core/testTopics/testTopicFile');
    const out: TestTopicsNode[] = [];
    if (node.kind === 'folder') {
      const pre = path.join(node.dir, 'preloads');
      if ((await vscode.workspace.fs.stat(vscode.Uri.file(pre)).then((s) => s.type & vscode.FileType.Directory, () => 0)) !== 0) out.push({ kind: 'preloads', dir: pre });
    }
    for (const file of await testTopicFilesOf(node.dir).catch(() => [])) {
      try {
        out.push({ kind: 'file', file, preload: node.kind === 'preloads', topic: await readTestTopic(file) });
      } catch (err) {
        out.push({ kind: 'file', file, preload: node.kind === 'preloads', error: (err as Error).message.replace(`${file}: `, '') });
      }
    }
    return out;
  }

  getTreeItem(node: TestTopicsNode): vscode.TreeItem {
    if (node.kind === 'folder' || node.kind === 'preloads') {
      const label = node.kind === 'preloads' ? vscode.l10n.t('preloads') : vscode.workspace.asRelativePath(node.dir);
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = node.kind === 'preloads' ? new vscode.ThemeIcon('layers') : vscode.ThemeIcon.Folder;
      item.resourceUri = vscode.Uri.file(node.dir);
      item.contextValue = node.kind === 'preloads' ? 'preloadsFolder' : 'testTopicFolder';
      // Markdown, so that screen readers read the label, not the tooltip.
      item.tooltip = new vscode.MarkdownString(node.kind === 'preloads' ? vscode.l10n.t('Sent in name order before a replay, or with "Send All Preloads"') : node.dir);
      return item;
    }
    const item = new vscode.TreeItem(path.basename(node.file), vscode.TreeItemCollapsibleState.None);
    item.resourceUri = vscode.Uri.file(node.file);
    item.command = { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [vscode.Uri.file(node.file)] };
    if (node.error) {
      item.description = node.error;
      item.tooltip = vscode.l10n.t('Invalid test topic: {0}', node.error);
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
      item.contextValue = 'testTopic.invalid';
      return item;
    }
    const t = node.topic as TestTopic;
    item.description = t.topic;
    item.tooltip = new vscode.MarkdownString(
      [`\`${t.topic.replace(/`/g, "'")}\``, `QoS ${t.qos}${t.retain ? ', retain' : ''}`, t.description ? t.description.replace(/[\\`*_<>[\]]/g, '\\$&') : ''].filter(Boolean).join('\n\n'),
    );
    item.iconPath = new vscode.ThemeIcon(node.preload ? 'layers' : 'mail');
    item.contextValue = node.preload ? 'testTopic.preload' : 'testTopic';
    return item;
  }
}
