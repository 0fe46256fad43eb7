/** MQTT topic-filter matching (`+` one level, `#` the rest), as a broker does it. */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === '#') return !topic.startsWith('$');
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] === '+') {
      if (i === 0 && t[0].startsWith('$')) return false;
      continue;
    }
    if (f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** A filter is valid when `#` is last and alone in its level, and `+` alone in its level. */
export function isValidTopicFilter(filter: string): boolean {
  if (filter === '') return false;
  const levels = filter.split('/');
  return levels.every((level, i) => (level.includes('#') ? level === '#' && i === levels.length - 1 : !level.includes('+') || level === '+'));
}

/** The most a topic may take in UTF-8: its length is a 16-bit field of the packet. */
export const MAX_TOPIC_BYTES = 65_535;

/**
 * Why a topic name cannot be published, or undefined when it can. Brokers drop a client that
 * sends a malformed topic (mosquitto on every reconnect, so a QoS 1 publish never ends), and
 * at QoS 0 nothing says the message was lost: the name is checked before anything is sent.
 * Control characters and non-characters are refused as mosquitto refuses them (MQTT 3.1.1 §1.5.3).
 */
export function topicNameProblem(topic: string): string | undefined {
  if (topic === '') return 'must not be empty';
  if (topic.includes('\u0000')) return 'must not contain NUL (U+0000)';
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(topic)) return 'is not valid UTF-8 (a lone surrogate)';
  if (topic.includes('+') || topic.includes('#')) return 'must not contain the wildcards + or #';
  const control = /[\u0001-\u001f\u007f-\u009f]/.exec(topic);
  if (control) return `must not contain the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  if (/[\uFDD0-\uFDEF\uFFFE\uFFFF]|[\uD83F\uD87F\uD8BF\uD8FF\uD93F\uD97F\uD9BF\uD9FF\uDA3F\uDA7F\uDABF\uDAFF\uDB3F\uDB7F\uDBBF\uDBFF][\uDFFE\uDFFF]/.test(topic)) return 'must not contain a Unicode non-character';
  const bytes = Buffer.byteLength(topic, 'utf8');
  if (bytes > MAX_TOPIC_BYTES) return `is ${bytes} bytes in UTF-8, more than the limit of ${MAX_TOPIC_BYTES}`;
  return undefined;
}
