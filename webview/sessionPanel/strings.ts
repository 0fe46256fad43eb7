/**
 * Every user-visible string of the session panel, in one place so that they can be handed
 * over from the host (vscode.l10n) later without hunting through the drawing code.
 */
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export const STRINGS = {
  resetZoom: 'Reset zoom',
  exportSelection: 'Export Selection',
  replaySelection: 'Replay Selection…',
  replayUntrusted: 'Replay needs a trusted workspace (Manage Workspace Trust).',
  showAllTopics: 'Show all topics',
  onlyTopic: (topic: string): string => `Only ${topic}`,
  saveTestTopic: 'Save as Test Topic',
  previous: 'Previous',
  next: 'Next',
  noSuchMessage: 'No such message.',
  noDiff: 'No diff for binary or cut payloads.',
  columns: { time: 'Time', topic: 'Topic', bytes: 'Bytes', payload: 'Payload' },
  messagesTable: 'Messages of the selected bin',
  detailRegion: 'Message detail',
  payloadRegion: 'Payload',
  legend: 'Categories',
  laneList: 'Lanes of the timeline',
  hint: 'Click a point to list its messages · drag across the chart or use the wheel to zoom · keyboard: Tab to the lanes, ↑↓ lanes, ←→ bins, Enter lists, + / − zoom, 0 resets',
  header: (messages: number, topics: number, start: string, end: string, durationSec: number, bytes: number): string =>
    `${messages} messages · ${topics} topics · ${start} – ${end} · ${durationSec.toFixed(1)} s · ${bytes} payload bytes`,
  range: (from: string, to: string, lanes: number, omitted: number): string => `${from} – ${to} · ${plural(lanes, 'lane', 'lanes')}${omitted ? ` (+${omitted} not drawn)` : ''}`,
  category: (category: string, shown: number): string => `${category} (${shown})`,
  categoryAllHidden: (category: string): string => `${category} (hidden by default)`,
  categoryAllHiddenTitle: (category: string, messages: number, showLabel: string): string =>
    `All ${plural(messages, 'message', 'messages')} of ${category} are in topics hidden by default: tick “${showLabel}” to show them.`,
  categoryPartlyHiddenTitle: (messages: number): string => `${plural(messages, 'more message is', 'more messages are')} in topics hidden by default.`,
  showPrefiltered: (topics: number, reasons: string[]): string => `Show ${plural(topics, 'topic', 'topics')} hidden by default${reasons.length ? ` (${reasons.join(', ')})` : ''}`,
  tooltip: (topic: string, count: number, at: string): string => `${topic}: ${plural(count, 'message', 'messages')} at ${at}`,
  summary: (messages: number, lanes: number, from: string, to: string, busiest: string[]): string =>
    `Timeline of ${plural(messages, 'message', 'messages')} in ${plural(lanes, 'lane', 'lanes')} from ${from} to ${to}${busiest.length ? `; busiest: ${busiest.join(', ')}` : ''}.`,
  busiest: (topic: string, messages: number): string => `${topic} (${messages})`,
  lane: (topic: string, category: string, messages: number): string => `${topic}, ${category}, ${plural(messages, 'message', 'messages')} in range`,
  laneEmpty: (topic: string, category: string): string => `${topic}, ${category}, no messages in range`,
  bin: (from: string, to: string, count: number, index: number, of: number): string => `${from} – ${to}: ${plural(count, 'message', 'messages')} (point ${index} of ${of})`,
  selected: (topic: string, bin: string): string => `Selected: ${topic} · ${bin}`,
  pager: (first: number, last: number, total: number): string => `${first}–${last} of ${total}`,
  meta: (topic: string, timestamp: string, qos: number, retained: boolean, size: number, kind: string, cut: boolean): string =>
    `${topic} · ${timestamp} · QoS ${qos}${retained ? ' · retained' : ''} · ${size} bytes · ${kind}${cut ? ' (cut)' : ''}`,
  diffTo: (timestamp: string): string => `Diff to the previous message of the topic (${timestamp})`,
  row: (timestamp: string, topic: string, size: number): string => `${timestamp}, ${topic}, ${size} bytes`,
};
