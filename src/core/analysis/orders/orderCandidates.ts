import { ORDER_WORDS } from './orderTypes';
import { mentionsOrderWords } from './orderValues';

/** Topics the tracker reads whatever their payload says. */
export const ORDER_TOPICS = ['ccu/state/layout', 'ccu/order/request'];

/**
 * The UTF-8 messages the tracker is fed, as SQL over `mqtt_messages` and as a test on one
 * message: the two must agree, so that orders read from the index and orders gathered
 * while it was written are the same. (SQL's LIKE folds ASCII case; so does the test.)
 */
export const ORDER_CANDIDATES_SQL = `${ORDER_WORDS.map((w) => `instr(payload, '${w}') > 0`).join(' OR ')}
  OR topic IN (${ORDER_TOPICS.map((t) => `'${t}'`).join(', ')}) OR topic LIKE '%/factsheet'`;

export function isOrderCandidate(topic: string, payload: string): boolean {
  if (mentionsOrderWords(payload)) return true;
  if (ORDER_TOPICS.includes(topic)) return true;
  return topic.length >= 10 && topic.slice(-10).replace(/[A-Z]+/g, (s) => s.toLowerCase()) === '/factsheet';
}
