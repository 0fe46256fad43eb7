import { writeFile } from 'node:fs/promises';
import { type AnalysisDb, openAnalysis } from '../../core/analysis/analysisDb';
import { messageDetail } from '../../core/analysis/messageBrowser';
import { analyzeOpened, orderDetail, ordersOf } from '../../core/analysis/sessionAnalysis';
import { renderSessionReportHtml, renderSessionReportMarkdown } from '../../core/analysis/sessionReport';
import { type SessionFiles, resolveSession } from '../../core/session/sessionFiles';
import { formatDuration } from '../../core/util/units';
import { choiceOption, expectPositionals, parseArgs, stringOption } from '../argv';
import { NAIVE, naiveOf, print } from '../sessionOptions';
import { table } from '../terminal';

async function withAnalysis<T>(files: SessionFiles, naive: ReturnType<typeof naiveOf>, work: (a: AnalysisDb) => T): Promise<T> {
  const a = await openAnalysis(files, { naive, onIndexed: (name) => process.stderr.write(`indexed ${name}\n`) });
  try {
    return work(a);
  } finally {
    a.close();
  }
}

export async function analyzeCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { format: { value: true }, out: { value: true }, ...NAIVE });
  expectPositionals(args, 1, 1, 'analyze SESSION [--format md|html|json] [--out FILE]');
  const format = choiceOption(args, 'format', ['md', 'html', 'json'] as const, 'md');
  const files = await resolveSession(args.positionals[0]);
  const analysis = await withAnalysis(files, naiveOf(args), (a) => analyzeOpened(files, a));
  const text = format === 'json' ? `${JSON.stringify(analysis, null, 2)}\n` : format === 'html' ? renderSessionReportHtml(analysis) : renderSessionReportMarkdown(analysis);
  const out = stringOption(args, 'out');
  if (out) {
    await writeFile(out, text, 'utf8');
    process.stderr.write(`wrote ${out}\n`);
  } else process.stdout.write(text);
  return 0;
}

export async function ordersCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { order: { value: true }, json: {}, ...NAIVE });
  expectPositionals(args, 1, 1, 'orders SESSION [--order ID] [--json]');
  const files = await resolveSession(args.positionals[0]);
  const wanted = stringOption(args, 'order');
  const json = args.options.json === true;
  return withAnalysis(files, naiveOf(args), (a) => {
    const result = ordersOf(a.db);
    if (wanted === undefined) {
      if (json) print(JSON.stringify(result.orders.map(({ messageIds: _ids, transitions: _t, ...o }) => o), null, 2));
      else if (result.orders.length === 0) print(`${files.name}: no orders`);
      else {
        print(
          table(
            ['ORDER', 'TYPE', 'FIRST SEEN', 'LAST SEEN', 'DURATION', 'MESSAGES', 'MODULES'],
            result.orders.map((o) => [o.orderId, [o.type, o.workpieceType].filter(Boolean).join(' '), o.firstSeen, o.lastSeen, formatDuration(o.durationMs / 1000), String(o.messages), o.modules.join(' → ')]),
          ),
        );
        print(`\n${result.orders.length} orders, ${result.requests.length} production requests, ${result.workpieces.length} workpieces`);
      }
      return 0;
    }
    const order = orderDetail(a.db, wanted);
    if (!order) throw new Error(`${files.name}: no order ${wanted} (${result.orders.length} orders; \`orders ${args.positionals[0]}\` lists them)`);
    const messages = order.messageIds.map((id) => messageDetail(a.db, id)).filter((m) => m !== undefined);
    if (json) {
      print(JSON.stringify({ ...order, messageList: messages.map((m) => ({ id: m.id, timestamp: m.timestamp, topic: m.topic, size: m.size })) }, null, 2));
      return 0;
    }
    print(
      [
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
      ].join('\n'),
    );
    return 0;
  });
}
