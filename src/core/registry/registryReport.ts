import { escapeHtml, htmlDocument } from '../util/html';
import { codeBlock, inlineCode, mdCell, mdText } from '../util/markdown';
import type { LiveSessionRecord } from './liveSessionRecord';
import type { ListFilter, RegistryProblem, RegistrySummary } from './registryStore';

/** What a report covers, shown in the summary so that a filtered figure is not mistaken for the whole registry. */
export interface ReportScope {
  dir?: string;
  filter?: ListFilter;
  problems?: readonly RegistryProblem[];
}

export const NO_SESSIONS = 'Keine Sessions gefunden.';

// ---------------------------------------------------------------------------
// Markdown (layout of DESIGN §3.3, byte for byte for ordinary values)

/** The command as it can be pasted into a shell; plain words stay as they are (what `" ".join(argv)` gives). */
export function shellCommand(args: readonly string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

export function renderRecordMarkdown(r: LiveSessionRecord): string {
  const bold = (label: string, value: string): string => `**${label}:** ${inlineCode(value)}`;
  const parts = [
    `# Live-Session ${mdText(r.session_id)}\n\n`,
    `${bold('Run-Type', r.run_type)}  \n`,
    `${bold('Mode', r.mode)}  \n`,
    `${bold('Status', r.status)}  \n`,
    `${bold('Symbol', r.symbol)}  \n`,
    `${bold('Environment', r.env_name)}  \n`,
    `${bold('Started', r.started_at)}  \n`,
    `${bold('Finished', r.finished_at ?? '-')}\n\n`,
  ];
  if (r.error) parts.push(`${bold('Error', r.error)}\n\n`);
  parts.push(`## Config\n\n${codeBlock('json', json(r.config))}\n`);
  parts.push(`## Metrics\n\n${codeBlock('json', json(r.metrics))}`);
  if (r.cli_args.length) parts.push(`\n## CLI-Aufruf\n\n${codeBlock('bash', shellCommand(r.cli_args))}`);
  return parts.join('');
}

export function renderRecordsMarkdown(records: readonly LiveSessionRecord[]): string {
  if (records.length === 0) return `# Live-Sessions\n\n${NO_SESSIONS}\n`;
  return `# Live-Sessions\n\n${records.map(renderRecordMarkdown).join('\n---\n\n')}`;
}

/** Figures without float noise (0.1 + 0.2 shows as 0.3). */
export function formatFigure(n: number): string {
  return String(Number(n.toPrecision(12)));
}

function filterText(filter: ListFilter | undefined): string {
  const parts: string[] = [];
  if (filter?.runType !== undefined) parts.push(`run_type = ${filter.runType}`);
  if (filter?.status !== undefined) parts.push(`status = ${filter.status}`);
  if (filter?.limit !== undefined) parts.push(`the newest ${filter.limit}`);
  return parts.length ? parts.join(', ') : 'all records';
}

export function renderSummaryMarkdown(s: RegistrySummary, scope: ReportScope = {}): string {
  const lines = ['# Live-Session Summary', ''];
  if (scope.dir !== undefined) lines.push(`**Registry:** ${inlineCode(scope.dir)}  `);
  lines.push(`**Filter:** ${inlineCode(filterText(scope.filter))}`, '');
  lines.push('| key | value |', '|---|---|');
  lines.push(`| num_sessions | ${s.num_sessions} |`);
  lines.push(`| total_realized_pnl | ${formatFigure(s.total_realized_pnl)} |`);
  lines.push(`| avg_max_drawdown | ${formatFigure(s.avg_max_drawdown)} |`);
  lines.push(`| first_started_at | ${s.first_started_at !== undefined ? mdCell(s.first_started_at) : '-'} |`);
  lines.push(`| last_started_at | ${s.last_started_at !== undefined ? mdCell(s.last_started_at) : '-'} |`);
  for (const [title, key, counts] of [['by_status', 'status', s.by_status], ['by_tier', 'strategy_tier', s.by_tier]] as const) {
    lines.push('', `## ${title}`, '');
    const rows = Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    if (rows.length === 0) lines.push('-');
    else lines.push(`| ${key} | sessions |`, '|---|---|', ...rows.map(([k, n]) => `| ${mdCell(k)} | ${n} |`));
  }
  if (scope.problems?.length) {
    lines.push('', '## Unreadable files', '');
    for (const p of scope.problems) lines.push(`- ${inlineCode(p.file)}: ${inlineCode(p.reason)}`);
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------
// HTML: complete documents, no scripts, every value escaped

function recordSection(r: LiveSessionRecord, level: 1 | 2): string {
  const h = `h${level}`;
  const sub = `h${level + 1}`;
  const fields: [string, string][] = [
    ['Run-Type', r.run_type],
    ['Mode', r.mode],
    ['Status', r.status],
    ['Symbol', r.symbol],
    ['Environment', r.env_name],
    ['Started', r.started_at],
    ['Finished', r.finished_at ?? '-'],
  ];
  const out = [`<${h}>Live-Session ${escapeHtml(r.session_id)}</${h}>`, '<dl>'];
  for (const [label, value] of fields) out.push(`<dt>${label}</dt><dd><code>${escapeHtml(value)}</code></dd>`);
  if (r.error) out.push(`<dt>Error</dt><dd class="error"><code>${escapeHtml(r.error)}</code></dd>`);
  out.push('</dl>');
  out.push(`<${sub}>Config</${sub}>`, `<pre>${escapeHtml(json(r.config))}</pre>`);
  out.push(`<${sub}>Metrics</${sub}>`, `<pre>${escapeHtml(json(r.metrics))}</pre>`);
  if (r.cli_args.length) out.push(`<${sub}>CLI-Aufruf</${sub}>`, `<pre>${escapeHtml(shellCommand(r.cli_args))}</pre>`);
  return out.join('\n');
}

export function renderRecordHtml(r: LiveSessionRecord): string {
  return htmlDocument(`Live-Session ${r.session_id}`, recordSection(r, 1));
}

export function renderRecordsHtml(records: readonly LiveSessionRecord[]): string {
  if (records.length === 0) return htmlDocument('Live-Sessions', `<h1>Live-Sessions</h1>\n<p>${escapeHtml(NO_SESSIONS)}</p>`);
  const head = '<tr><th>Session</th><th>Run-Type</th><th>Mode</th><th>Status</th><th>Symbol</th><th>Started</th><th>Finished</th></tr>';
  const rows = records.map((r) => `<tr>${[r.session_id, r.run_type, r.mode, r.status, r.symbol, r.started_at, r.finished_at ?? '-'].map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`);
  const sections = records.map((r) => `<section>\n${recordSection(r, 2)}\n</section>`);
  return htmlDocument('Live-Sessions', [`<h1>Live-Sessions (${records.length})</h1>`, '<table>', head, ...rows, '</table>', ...sections].join('\n'));
}

export function renderSummaryHtml(s: RegistrySummary, scope: ReportScope = {}): string {
  const out = ['<h1>Live-Session Summary</h1>', '<dl>'];
  if (scope.dir !== undefined) out.push(`<dt>Registry</dt><dd><code>${escapeHtml(scope.dir)}</code></dd>`);
  out.push(`<dt>Filter</dt><dd>${escapeHtml(filterText(scope.filter))}</dd>`, '</dl>');
  const figures: [string, string][] = [
    ['num_sessions', String(s.num_sessions)],
    ['total_realized_pnl', formatFigure(s.total_realized_pnl)],
    ['avg_max_drawdown', formatFigure(s.avg_max_drawdown)],
    ['first_started_at', s.first_started_at ?? '-'],
    ['last_started_at', s.last_started_at ?? '-'],
  ];
  out.push('<table>', '<tr><th>key</th><th>value</th></tr>', ...figures.map(([k, v]) => `<tr><td>${k}</td><td>${escapeHtml(v)}</td></tr>`), '</table>');
  for (const [title, key, counts] of [['by_status', 'status', s.by_status], ['by_tier', 'strategy_tier', s.by_tier]] as const) {
    out.push(`<h2>${title}</h2>`);
    const rows = Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    if (rows.length === 0) out.push('<p>-</p>');
    else out.push('<table>', `<tr><th>${key}</th><th>sessions</th></tr>`, ...rows.map(([k, n]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(n)}</td></tr>`), '</table>');
  }
  if (scope.problems?.length) {
    out.push('<h2>Unreadable files</h2>', '<ul>', ...scope.problems.map((p) => `<li><code>${escapeHtml(p.file)}</code>: <span class="error">${escapeHtml(p.reason)}</span></li>`), '</ul>');
  }
  return htmlDocument('Live-Session Summary', out.join('\n'));
}
