import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/**
 * The HTML shell of a panel: a strict CSP (scripts only with this page's nonce, styles
 * and images only from the extension), one script and one stylesheet from `dist/webview`
 * and `media`, the initial state as JSON in a data attribute (never as script).
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, entry: string, title: string, state: unknown): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${entry}.js`));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css'));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const attr = (v: string): string => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<!DOCTYPE html>
<html lang="${attr(vscode.env.language)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${attr(style.toString())}">
<title>${attr(title)}</title>
</head>
<body data-state="${attr(JSON.stringify(state))}">
<main id="app"></main>
<script nonce="${nonce}" src="${attr(script.toString())}"></script>
</body>
</html>`;
}
