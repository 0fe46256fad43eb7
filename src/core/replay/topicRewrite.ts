import { isValidTopicFilter } from '../mqtt/topicFilter';

/** `old=new`: `old` is a topic filter; `+` and `#` in `new` take the levels they matched, in order. */
export interface TopicRemap {
  from: string;
  to: string;
}

export function parseRemap(text: string): TopicRemap {
  const eq = text.indexOf('=');
  const from = eq < 0 ? '' : text.slice(0, eq);
  const to = eq < 0 ? '' : text.slice(eq + 1);
  if (!from || !to) throw new Error(`remap "${text}": expected OLD=NEW, e.g. module/+/ff/#=lab/+/#`);
  if (!isValidTopicFilter(from)) throw new Error(`remap "${text}": "${from}" is not a valid topic filter`);
  if (!isValidTopicFilter(to)) throw new Error(`remap "${text}": "${to}" is not a valid topic`);
  const wild = (s: string): string[] => s.split('/').filter((l) => l === '+' || l === '#');
  const w = wild(to);
  if (w.length && w.join() !== wild(from).slice(0, w.length).join()) throw new Error(`remap "${text}": the wildcards of NEW must be those of OLD, in order`);
  return { from, to };
}

/** The levels a filter's wildcards matched, or undefined when it does not match. */
function matchLevels(filter: string, topic: string): string[] | undefined {
  const f = filter.split('/');
  const t = topic.split('/');
  const out: string[] = [];
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') {
      out.push(t.slice(i).join('/'));
      return out;
    }
    if (i >= t.length) return undefined;
    if (f[i] === '+') out.push(t[i]);
    else if (f[i] !== t[i]) return undefined;
  }
  return f.length === t.length ? out : undefined;
}

/** Remaps (the first that matches wins), then the prefix. Results are cached per topic. */
export function topicRewriter(remaps: readonly TopicRemap[], prefix = ''): (topic: string) => string {
  if (!remaps.length && !prefix) return (t) => t;
  const cache = new Map<string, string>();
  return (topic) => {
    let out = cache.get(topic);
    if (out !== undefined) return out;
    out = topic;
    for (const r of remaps) {
      const levels = matchLevels(r.from, topic);
      if (!levels) continue;
      let k = 0;
      out = r.to
        .split('/')
        .map((l) => (l === '+' || l === '#' ? levels[k++] : l))
        .join('/');
      break;
    }
    if (prefix) out = prefix.endsWith('/') || out.startsWith('/') ? `${prefix}${out}` : `${prefix}/${out}`;
    cache.set(topic, out);
    return out;
  };
}
