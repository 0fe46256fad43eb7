import * as assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { TestTopicError, parseTestTopic, readTestTopic, testTopicFileName, testTopicFromMessage, testTopicPayload, writeTestTopic } from '../../src/core/testTopics/testTopicFile';
import { SAMPLES, removeTempDirs, tempDir } from '../helpers';

const TEST_TOPICS = path.join(SAMPLES, 'test_topics');

describe('test-topic files', () => {
  after(removeTempDirs);

  it('reads every sample test topic and preload', async () => {
    const files = [
      ...(await readdir(TEST_TOPICS)).filter((f) => f.endsWith('.json')).map((f) => path.join(TEST_TOPICS, f)),
      ...(await readdir(path.join(TEST_TOPICS, 'preloads'))).map((f) => path.join(TEST_TOPICS, 'preloads', f)),
    ];
    assert.equal(files.length, 4);
    const topics = await Promise.all(files.map(readTestTopic));
    const byName = Object.fromEntries(files.map((f, i) => [path.basename(f), topics[i]]));
    const white = byName['order_white_direct_ccu.json'];
    assert.equal(white.topic, 'ccu/order/request');
    assert.equal(white.qos, 2);
    assert.equal(white.retain, false);
    assert.equal(testTopicPayload(white).toString(), '{"type":"WHITE","timestamp":"2025-10-09T10:40:00.000Z","orderType":"PRODUCTION"}');
    const active = byName['ccu_order_active__000056.json'];
    assert.equal(typeof active.payload, 'string', 'a string payload is sent as it is');
    assert.ok(testTopicPayload(active).toString().startsWith('[{"orderType":"STORAGE"'));
    assert.equal(byName['ccu_state_layout.json'].topic, 'ccu/state/layout');
  });

  it('names the file and the field of what does not fit, in one line', () => {
    const bad: [string, RegExp][] = [
      ['{"payload":"x"}', /f\.json: field "topic" is missing/],
      ['{"topic":"","payload":"x"}', /field "topic" must not be empty/],
      ['{"topic":"a/#","payload":"x"}', /field "topic" must not contain the wildcards/],
      ['{"topic":"a","payload":5}', /field "payload" must be a string, an object or an array/],
      ['{"topic":"a","payload":"x","qos":3}', /field "qos" must be 0, 1 or 2/],
      ['{"topic":"a","payload":"x","retain":"yes"}', /field "retain" must be true or false/],
      ['{"topic":"a","payload":', /f\.json: is not JSON/],
      ['[1,2]', /f\.json: is not a JSON object/],
    ];
    for (const [text, re] of bad) {
      assert.throws(() => parseTestTopic(text, 'f.json'), (err: Error) => err instanceof TestTopicError && re.test(err.message) && !err.message.includes('\n'), text);
    }
  });

  it('keeps unknown keys and reads a BOM', () => {
    const t = parseTestTopic('\uFEFF{"topic":"a","payload":{"x":1},"origin":"lab"}', 'f.json');
    assert.equal((t as Record<string, unknown>).origin, 'lab');
    assert.equal(testTopicPayload(t).toString(), '{"x":1}');
  });

  it('file names come from the topic and never leave the folder', () => {
    assert.equal(testTopicFileName('ccu/order/active', 56), 'ccu_order_active__000056.json');
    assert.equal(testTopicFileName('/j1/txt/1/i/cam'), '_j1_txt_1_i_cam.json');
    assert.equal(testTopicFileName('../../etc/passwd'), '______etc_passwd.json');
    assert.equal(testTopicFileName('a b:c/ü'), 'a_b_c__.json');
  });

  it('a message becomes a test topic that sends the same bytes back', async () => {
    const dir = await tempDir();
    const cases = [Buffer.from('{"a":1,"b":[1,2]}'), Buffer.from('{ "spaced": true }'), Buffer.from('plain text ü'), Buffer.from([0xff, 0, 0xfe]), Buffer.alloc(0)];
    for (const [i, payload] of cases.entries()) {
      const t = testTopicFromMessage({ topic: `t/${i}`, payload, qos: 1, retain: true });
      assert.ok(await writeTestTopic(dir, `t${i}.json`, t));
      const back = await readTestTopic(path.join(dir, `t${i}.json`));
      assert.deepEqual(testTopicPayload(back), payload);
      assert.equal(back.qos, 1);
      assert.equal(back.retain, true);
    }
    assert.equal(typeof testTopicFromMessage({ topic: 'x', payload: cases[0] }).payload, 'object', 'compact JSON is stored as an object');
    assert.equal(typeof testTopicFromMessage({ topic: 'x', payload: cases[1] }).payload, 'string', 'other JSON keeps its exact text');
    await writeFile(path.join(dir, 'exists.json'), 'mine');
    assert.equal(await writeTestTopic(dir, 'exists.json', testTopicFromMessage({ topic: 'x', payload: cases[0] })), false, 'an existing file is kept');
  });
});
