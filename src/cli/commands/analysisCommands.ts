import { writeFile } from 'node:fs/promises';
import { type AnalysisDb, openAnalysis } from '../../core/analysis/analysisDb';
import { messageDetail } from '../../core/analysis/messageBrowser';
import { analyzeOpened, orderDetail, ordersOf } from '../../core/analysis/sessionAnalysis';
import { renderSessionReportHtml, renderSessionReportMarkdown } from '../../core/analysis/sessionReport';
import { ensureIndex } from '../../core/index/sessionIndex';
import { type SessionFiles, resolveSession } from '../../core/session/sessionFiles';
import { formatDuration } from '../../core/util/units';
import { type ParsedArgs, choiceOption, stringOption } from '../argv';
import { defineCommand } from '../command';
import { NAIVE, naiveOf, print } from '../sessionOptions';
import { table, withProgress } from '../terminal';

/**
 * The session's index (built first, with its progress, when missing or stale), then
 * `work` on it. The index is ensured here before openAnalysis, which would build it
 * without telling how far it is; openAnalysis then finds it current.
 */
async function withAnalysis<T>(given: SessionFiles, naive: ReturnType<typeof naiveOf>, label: string, work: (a: AnalysisDb, files: SessionFiles) => T): Promise<T> {
  let files = given;
  return withProgress(`${label} ${files.name}`, async (progress) => {
    if (files.log) {
      let building = false;
      const onProgress = (done: number, total: number): void => {
        if (!building) progress.step(`indexing ${files.name}`);
        building = true;
        progress.update(done, total);
      };
      // Any failure (a folder we cannot write to, say) is openAnalysis's to handle or report.
      const r = await ensureIndex(files, { naive, onProgress }).catch(() => undefined);
      if (r?.built) progress.note(`indexed ${files.name}`);
      if (r) files = { ...files, db: r.dbPath };
      if (building) progress.step(`${label} ${files.name}`);
    }
    const a = await openAnalysis(files, { naive, onIndexed: (name) => progress.note(`indexed ${name}`) });
    try {
      return work(a, files);
    } finally {
      a.close();
    }
  });
}

export const analyzeCommand = defineCommand({
  name: 'analyze',
  usage: 'SESSION',
  summary: 'the session report: statistics, topics, orders, problems',
  description: 'The session report: statistics, topics (category, rate, first/last, hidden-by-default reason), categories, orders, production requests, problems.',
  notes: 'A session without a current index is indexed first. HTML escapes every value.',
  options: {
    format: { value: true, arg: 'md|html|json', help: 'Markdown (default), a standalone HTML page, or JSON' },
    out: { value: true, arg: 'FILE', help: 'write the report to this file instead of stdout' },
    ...NAIVE,
  },
  positionals: [1, 1],
  run: analyzeSession,
});

async function analyzeSession(args: ParsedArgs): Promise<number> {
  const format = choiceOption(args, 'format', ['md', 'html', 'json'] as const, 'md');
  const files = await resolveSession(args.positionals[0]);
  const analysis = await withAnalysis(files, naiveOf(args), 'analyzing', (a, f) => analyzeOpened(f, a));
  const text = format === 'json' ? `${JSON.stringify(analysis, null, 2)}\n` : format === 'html' ? renderSessionReportHtml(analysis) : renderSessionReportMarkdown(analysis);
  const out = stringOption(args, 'out');
  if (out) {
    await writeFile(out, text, 'utf8');
    process.stderr.write(`wrote ${out}\n`);
  } else process.stdout.write(text);
  return 0;
}

export const ordersCommand = defineCommand({
  name: 'orders',
  usage: 'SESSION',
  summary: 'the factory orders of a session',
  description: 'The factory orders of a session (every orderId in the payloads): type, first/last seen, duration, messages, modules, FTS, workpieces.',
  options: {
    order: { value: true, arg: 'ID', help: "one order: its figures and its messages" },
    json: { help: 'print JSON instead of a table' },
    ...NAIVE,
  },
  positionals: [1, 1],
  run: listOrders,
});

async function listOrders(args: ParsedArgs): Promise<number> {
  const files = await resolveSession(args.positionals[0]);
  const wanted = stringOption(args, 'order');
  const json = args.options.json === true;
  // Printed once the progress line is gone.
  print(
    await withAnalysis(files, naiveOf(args), 'reading the orders of', (a) => {
      const result = ordersOf(a.db);
      if (wanted === undefined) {
        if (json) return JSON.stringify(result.orders.map(({ messageIds: _ids, transitions: _t, ...o }) => o), null, 2);
        if (result.orders.length === 0) return `${files.name}: no orders`;
        return `${table(
          ['ORDER', 'TYPE', 'FIRST SEEN', 'LAST SEEN', 'DURATION', 'MESSAGES', 'MODULES'],
          result.orders.map((o) => [o.orderId, [o.type, o.workpieceType].filter(Boolean).join(' '), o.firstSeen, o.lastSeen, formatDuration(o.durationMs / 1000), String(o.messages), o.modules.join(' → ')]),
        )}\n\n${result.orders.length} orders, ${result.requests.length} production requests, ${result.workpieces.length} workpieces`;
      }
      const order = orderDetail(a.db, wanted);
      if (!order) throw new Error(`${files.name}: no order ${wanted} (${result.orders.length} orders; \`orders ${args.positionals[0]}\` lists them)`);
      const messages = order.messageIds.map((id) => messageDetail(a.db, id)).filter((m) => m !== undefined);
      if (json) return JSON.stringify({ ...order, messageList: messages.map((m) => ({ id: m.id, timestamp: m.timestamp, topic: m.topic, size: m.size })) }, null, 2);
      return [
        `Order      ${order.orderId}`,
        `Type       ${[order.type, order.workpieceType].filter(Boolean).join(' ') || '-'}`,
        `First seen ${order.firstSeen}`,
        `Last seen  ${order.lastSeen}`,
        `Duration   ${formatDuration(order.durationMs / 1000)}`,
        `Modules    ${order.modules.join(' → ') || '-'}`,
        `FTS        ${order.fts.join(', ') || '-'}`,
        `Workpieces ${order.workpieces.join(', ') || '-'}`,
        `Messages   ${order.messages}`,
        '',
        table(['TIME', 'TOPIC', 'BYTES'], messages.map((m) => [m.timestamp, m.topic, String(m.size)])),
      ].join('\n');
    }),
  );
  return 0;
}
