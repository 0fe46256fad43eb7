import * as assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { MqttClient } from 'mqtt';
import { connectBroker } from '../../src/core/mqtt/brokerConnection';
import { profileFromUrl } from '../../src/core/mqtt/brokerProfile';
import { TopicRecorder } from '../../src/core/record/topicRecorder';
import { readTestTopic, testTopicPayload } from '../../src/core/testTopics/testTopicFile';
import { BROKERS, type TestBroker } from '../brokers';
import { SAMPLE_SESSIONS, removeTempDirs, runCli, tempDir } from '../helpers';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the topic recorder', function () {
  this.timeout(60_000);
  after(removeTempDirs);

  for (const b of BROKERS) {
    describe(b.name, () => {
      let broker: TestBroker;
      let pub: MqttClient;
      before(async () => {
        broker = await b.start();
        pub = await connectBroker({ ...profileFromUrl(broker.url), clientId: `pub-${Math.random().toString(16).slice(2)}` });
      });
      after(async () => {
        await pub?.endAsync();
        await broker?.stop();
      });

      it('saves the first message of each topic, and every message of --every topics numbered', async () => {
        const dir = await tempDir();
        const rec = await TopicRecorder.start({ profile: { ...profileFromUrl(broker.url), clientId: `tr-${Math.random().toString(16).slice(2)}` }, outDir: dir, topics: ['tr/#'], every: ['tr/order/+'], preset: 'no_cam' });
        for (let i = 1; i <= 3; i++) {
          await pub.publishAsync('tr/module/state', JSON.stringify({ n: i }), { qos: 1 });
          await pub.publishAsync('tr/order/active', JSON.stringify([{ orderId: `o${i}` }]), { qos: 2 });
        }
        await pub.publishAsync('tr/bin', Buffer.from([0xde, 0xad, 0xbe, 0xef]), { qos: 0 });
        await sleep(300);
        const result = await rec.stop();
        const files = (await readdir(dir)).sort();
        assert.deepEqual(files, ['tr_bin.json', 'tr_module_state.json', 'tr_order_active__000001.json', 'tr_order_active__000002.json', 'tr_order_active__000003.json']);
        assert.equal(result.written, 5);
        const first = await readTestTopic(path.join(dir, 'tr_module_state.json'));
        assert.deepEqual(first.payload, { n: 1 }, 'the first message, not a later one');
        assert.equal(first.qos, 1);
        const third = await readTestTopic(path.join(dir, 'tr_order_active__000003.json'));
        assert.equal(third.sequence, 3);
        assert.equal(third.qos, 2);
        assert.deepEqual(third.payload, [{ orderId: 'o3' }]);
        assert.deepEqual([...testTopicPayload(await readTestTopic(path.join(dir, 'tr_bin.json')))], [0xde, 0xad, 0xbe, 0xef]);
      });
    });
  }

  it('CLI record-topics --session takes them from a recorded session', async () => {
    const dir = await tempDir();
    const r = await runCli(['record-topics', '--session', path.join(SAMPLE_SESSIONS, 'auftrag-rot_1.log'), '--out', dir, '--every', 'ccu/order/active']);
    assert.equal(r.code, 0, r.stderr);
    const files = await readdir(dir);
    const numbered = files.filter((f) => f.startsWith('ccu_order_active__'));
    const firsts = files.filter((f) => !f.includes('__'));
    assert.equal(firsts.length, 17, 'one file per other topic of the 18');
    assert.ok(numbered.length > 1, `${numbered.length} ccu/order/active messages`);
    assert.match(r.stdout, new RegExp(`${files.length} test-topic files written from 18 topics`));
    const again = await runCli(['record-topics', '--session', path.join(SAMPLE_SESSIONS, 'auftrag-rot_1.log'), '--out', dir]);
    assert.match(again.stdout, /1 test-topic files written from 18 topics, 17 already there \(kept\)/);
  });
});
