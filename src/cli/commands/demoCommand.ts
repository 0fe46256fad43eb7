import * as path from 'node:path';
import { openAnalysis } from '../../core/analysis/analysisDb';
import type { OrderSummary } from '../../core/analysis/orders/orderTypes';
import { ordersOf } from '../../core/analysis/sessionAnalysis';
import { startEmbeddedBroker } from '../../core/broker/embeddedBroker';
import { closeClient, connectBroker } from '../../core/mqtt/brokerConnection';
import { profileFromUrl } from '../../core/mqtt/brokerProfile';
import { SessionRecorder } from '../../core/record/sessionRecorder';
import { replayAndCheck } from '../../core/replay/replayCheck';
import { type SessionFiles, resolveSession } from '../../core/session/sessionFiles';
import { summarizeSession } from '../../core/session/sessionSummary';
import { FactorySimulator } from '../../core/simulator/factorySimulator';
import { formatDuration } from '../../core/util/units';
import { type ParsedArgs, intOption, stringOption } from '../argv';
import { defineCommand } from '../command';
import { table } from '../terminal';
import { runRecorder } from './recordCommands';

/** The demo replays faster than real time: a 20 s recording takes 5 s. */
const DEMO_REPLAY_SPEED = 4;
/** Orders listed in the demo's summary; `orders` lists them all. */
const ORDERS_SHOWN = 5;
/** Folders the extension looks in without a setting (mqttSessions.sessionFolders' default). */
const DEFAULT_SESSION_FOLDERS = ['sessions', 'data/omf-data/sessions', 'data/osf-data/sessions'];

export const demoCommand = defineCommand({
  name: 'demo',
  usage: '',
  summary: 'embedded broker + factory simulator, from recording to orders',
  description: 'Embedded broker + factory simulator: records, indexes, summarises, replays and checks every message, then lists the orders and how to open them.',
  options: {
    seconds: { value: true, arg: 'N', help: 'how long to record (default 20)' },
    out: { value: true, arg: 'DIR', help: 'the folder of the recording (default sessions)' },
  },
  run: demo,
});

async function demo(args: ParsedArgs): Promise<number> {
  const seconds = intOption(args, 'seconds') ?? 20;
  const outDir = stringOption(args, 'out') ?? 'sessions';
  const broker = await startEmbeddedBroker({ port: 0 });
  process.stdout.write(`1. embedded broker (aedes) on ${broker.url}\n`);
  const profile = profileFromUrl(broker.url, 'embedded');
  const simClient = await connectBroker({ ...profile, clientId: 'factory-simulator' });
  // aedes mishandles QoS 2 for persistent sessions (moscajs/aedes#994): the demo records clean.
  const recorder = await SessionRecorder.start({ profile: { ...profile, clientId: 'demo-recorder' }, outDir, name: 'demo-factory', persistentSession: false });
  const sim = new FactorySimulator(simClient);
  await sim.start();
  process.stdout.write(`2. factory simulator publishing; recording ${seconds} s into ${recorder.logPath}\n`);
  // The simulator stops first and the recorder a moment later, so every published message can arrive.
  const timer = setTimeout(() => {
    sim.stop();
    setTimeout(() => void recorder.stop('completed', `demo ran ${seconds} s`), 300);
  }, seconds * 1000);
  try {
    const result = await runRecorder(recorder);
    clearTimeout(timer);
    await closeClient(simClient);
    const same = result.stats.messages === sim.counts.published;
    process.stdout.write(`3. recorded ${result.stats.messages} of the ${sim.counts.published} messages the simulator published${same ? '' : ' (MISMATCH)'}; ${sim.counts.orders} orders started, ${sim.counts.completed} completed\n`);
    if (result.error) throw new Error(result.error);
    if (!same && result.status === 'completed') throw new Error('the recording does not hold every published message');
    process.stdout.write(`4. indexed: ${result.dbPath}\n\n`);
    const files = await resolveSession(result.logPath);
    const s = await summarizeSession(files);
    process.stdout.write(
      `${[
        `Session   ${s.name}`,
        `Format    ${s.format}`,
        `Messages  ${s.messages}`,
        `Topics    ${s.topics}`,
        `Start     ${s.start}`,
        `End       ${s.end}`,
        `Duration  ${formatDuration(s.durationSec)}`,
        `Problems  ${s.problemCount}`,
      ].join('\n')}\n\n${table(['TOPIC', 'MESSAGES'], s.topicCounts.slice(0, 12).map((t) => [t.topic, String(t.count)]))}\n`,
    );
    const prefix = 'replay/';
    process.stdout.write(`\n5. replaying the session at ${DEMO_REPLAY_SPEED}× to the same broker under ${prefix}, a second client listening there\n`);
    const check = await replayAndCheck(files, profile, prefix, DEMO_REPLAY_SPEED);
    const exact = check.arrived === check.expected && check.mismatchedTopics.length === 0;
    process.stdout.write(
      `6. replayed ${check.replay.sent} messages in ${formatDuration(check.replay.elapsedMs / 1000)} (session ${formatDuration(s.durationSec)}), latest ${check.replay.maxLatenessMs.toFixed(1)} ms late; ${check.arrived} of ${check.expected} arrived${exact ? ', every topic with the same payload bytes in the same order' : `; MISMATCH on ${check.mismatchedTopics.slice(0, 5).join(', ')}`}\n`,
    );
    if (!exact) throw new Error('the replay did not deliver the recorded messages exactly');
    process.stdout.write(`\n${await orderSummary(files)}\n\n${nextSteps(files, outDir)}\n`);
    return 0;
  } finally {
    sim.stop();
    await broker.close();
  }
}

/** Step 7: the orders the analysis found in the recording, a few of them listed. */
async function orderSummary(files: SessionFiles): Promise<string> {
  const analysis = await openAnalysis(files);
  let orders: OrderSummary[];
  try {
    orders = ordersOf(analysis.db).orders;
  } finally {
    analysis.close();
  }
  const states = new Map<string, number>();
  for (const o of orders) states.set(o.state ?? 'no state', (states.get(o.state ?? 'no state') ?? 0) + 1);
  const byState = [...states].map(([state, n]) => `${n} ${state}`).join(', ');
  const head = `7. analysis: ${orders.length} order${orders.length === 1 ? '' : 's'} in the recording${orders.length ? ` (${byState})` : ''}`;
  if (orders.length === 0) return head;
  const rows = orders.slice(0, ORDERS_SHOWN).map((o) => [o.orderId.slice(0, 8), [o.type, o.workpieceType].filter(Boolean).join(' ') || '-', o.state ?? '-', formatDuration(o.durationMs / 1000), String(o.messages), o.modules.join(' → ') || '-']);
  const more = orders.length > ORDERS_SHOWN ? `\n… and ${orders.length - ORDERS_SHOWN} more` : '';
  return `${head}\n\n${table(['ORDER', 'TYPE', 'STATE', 'DURATION', 'MESSAGES', 'MODULES'], rows)}${more}`;
}

/** A path as the user would type it here: relative below the current folder, else absolute. */
function shown(p: string): string {
  const r = path.relative(process.cwd(), path.resolve(p));
  return !r || r.startsWith('..') || path.isAbsolute(r) ? path.resolve(p) : r.split(path.sep).join('/');
}

/** How this program was started, to repeat in the hints: `node dist/cli.js` from the repository, else the bin. */
function selfCommand(): string {
  const script = process.argv[1] ?? '';
  return path.basename(script) === 'cli.js' ? `node ${shown(script)}` : 'mqtt-sessions';
}

function nextSteps(files: SessionFiles, outDir: string): string {
  const self = selfCommand();
  const session = shown(path.join(files.dir, files.name));
  const seen = DEFAULT_SESSION_FOLDERS.includes(shown(outDir));
  return [
    'Next:',
    `  the report     ${self} analyze ${session} --format html --out ${session}.html`,
    `                 (a page to open in a browser; --format md or json for text)`,
    `  the orders     ${self} orders ${session}   (--order ID: one order's messages)`,
    `  in VS Code     open this folder; in the MQTT Sessions view: Sessions → ${files.name}`,
    `                 → Open Session Timeline, or Open Order Flow`,
    seen ? '' : `                 (${shown(outDir)} is not a default session folder: add it to the setting mqttSessions.sessionFolders)`,
  ]
    .filter(Boolean)
    .join('\n');
}
