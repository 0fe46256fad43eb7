import { formatDuration } from '../util/units';
import { escapeHtml, htmlDocument } from '../util/html';
import { mdCell, mdText } from '../util/markdown';
import type { SessionAnalysis } from './sessionAnalysis';

/** Rows per table beyond which a report says how many were left out. */
const MAX_ROWS = 500;

interface Table {
  title: string;
  head: string[];
  rows: string[][];
  /** Rows left out. */
  more: number;
}

function capped(title: string, head: string[], rows: string[][]): Table {
  return { title, head, rows: rows.slice(0, MAX_ROWS), more: Math.max(0, rows.length - MAX_ROWS) };
}

const fixed = (n: number, digits = 2): string => (Number.isInteger(n) ? String(n) : n.toFixed(digits));

/** The report's content once, as facts and tables; the renderers only lay it out. */
function reportParts(a: SessionAnalysis): { title: string; facts: [string, string][]; tables: Table[] } {
  const s = a.stats;
  const o = a.orders;
  const facts: [string, string][] = [
    ['Files', a.files.join(', ')],
    ['Messages', String(s.messages)],
    ['Topics', String(s.topics)],
    ['Start', s.start ?? '–'],
    ['End', s.end ?? '–'],
    ['Duration', formatDuration(s.durationSec)],
    ['Payload bytes', String(s.bytes)],
    ['Orders', String(o.orders.length)],
    ['Problems', String(a.problems.count)],
  ];
  const tables: Table[] = [
    capped(
      'Categories',
      ['Category', 'Messages', 'Topics', 'Subcategories'],
      a.categories.map((c) => [c.category, String(c.messages), String(c.topics), c.subcategories.map((x) => `${x.subcategory} ${x.messages}`).join(', ')]),
    ),
    capped(
      'Topics',
      ['Topic', 'Category', 'Messages', 'Bytes', 'Per second', 'First', 'Last', 'Hidden by default'],
      s.perTopic.map((t) => [t.topic, `${t.category} / ${t.subcategory}`, String(t.count), String(t.bytes), fixed(t.rate, 3), t.first, t.last, t.prefiltered ?? '']),
    ),
    capped(
      'Orders',
      ['Order', 'Type', 'First seen', 'Last seen', 'Duration', 'Messages', 'Modules', 'FTS', 'Workpieces'],
      o.orders.map((x) => [
        x.orderId,
        [x.type, x.workpieceType].filter(Boolean).join(' '),
        x.firstSeen,
        x.lastSeen,
        formatDuration(x.durationMs / 1000),
        String(x.messages),
        x.modules.join(' → '),
        x.fts.join(', '),
        x.workpieces.join(', '),
      ]),
    ),
    capped(
      'Production requests',
      ['Time', 'Type', 'Started orders'],
      o.requests.map((r) => [r.timestamp, [r.type, r.workpieceType].filter(Boolean).join(' '), r.orderIds.join(', ')]),
    ),
    capped('Problems', ['Line', 'Reason'], a.problems.items.map((p) => [String(p.line), p.reason])),
  ];
  return { title: `Session report: ${a.name}`, facts, tables };
}

export function renderSessionReportMarkdown(a: SessionAnalysis): string {
  const { title, facts, tables } = reportParts(a);
  const out = [`# ${mdText(title)}`, '', ...facts.map(([k, v]) => `- **${k}:** ${mdCell(v)}`), ''];
  for (const t of tables) {
    out.push(`## ${mdText(t.title)}`, '');
    if (t.rows.length === 0) {
      out.push('None.', '');
      continue;
    }
    out.push(`| ${t.head.join(' | ')} |`, `|${t.head.map(() => '---').join('|')}|`);
    for (const r of t.rows) out.push(`| ${r.map((c) => (c === '' ? '' : mdCell(c))).join(' | ')} |`);
    if (t.more) out.push('', `(${t.more} more not shown)`);
    out.push('');
  }
  return out.join('\n');
}

export function renderSessionReportHtml(a: SessionAnalysis): string {
  const { title, facts, tables } = reportParts(a);
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`,
    ...tables.map((t) => {
      const head = `<h2>${escapeHtml(t.title)}</h2>`;
      if (t.rows.length === 0) return `${head}\n<p>None.</p>`;
      const rows = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
      return `${head}\n<table>\n<tr>${t.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>\n${rows}\n</table>${t.more ? `\n<p>(${t.more} more not shown)</p>` : ''}`;
    }),
  ].join('\n');
  return htmlDocument(title, body);
}
