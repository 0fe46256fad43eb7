import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { type Server, type Socket, connect, createServer } from 'node:net';
import * as path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { MAX_TOPIC_BYTES, topicNameProblem } from '../../src/core/mqtt/topicFilter';
import { type SendResult, expandTestTopicPaths, sendTestTopicFile, sendTestTopics } from '../../src/core/send/testTopicSender';
import { base64Problem, testTopicFromMessage, testTopicPayload } from '../../src/core/testTopics/testTopicFile';
import { MAX_JSON_DEPTH } from '../../src/core/util/jsonDepth';
import { Mosquitto, freePort, useMosquitto } from '../brokers';
import { runCli, tempDir } from '../helpers';

interface Received {
  topic: string;
  payload: Buffer;
}

/** A subscriber to `#`, collecting what arrives. */
async function listen(url: string): Promise<{ client: MqttClient; got: Received[] }> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  const got: Received[] = [];
  client.on('message', (topic, payload) => got.push({ topic, payload }));
  await client.subscribeAsync('#', { qos: 1 });
  return { client, got };
}

async function settle(ms = 300): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

const nested = (levels: number): unknown => JSON.parse(`${'['.repeat(levels)}1${']'.repeat(levels)}`);

/**
 * A TCP hop in front of the real broker that can stop passing the client's bytes on (held,
 * not dropped): the broker is alive but never sees, so never acknowledges, the publish.
 */
async function freezableProxy(target: number): Promise<{ port: number; freeze(): void; close(): Promise<void> }> {
  let frozen = false;
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.push(client, upstream);
    client.on('data', (d) => {
      if (!frozen) upstream.write(d);
    });
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    freeze: () => (frozen = true),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('send: hostile test-topic files against mosquitto', function () {
  this.timeout(60_000);
  const mosquitto = useMosquitto();

  it('topicNameProblem refuses what a broker drops the client for, and passes ordinary names', () => {
    for (const ok of ['ccu/order/request', '/j1/txt/1/i/cam', 'ü/日本/😀', '$SYS/x', 'a'.repeat(MAX_TOPIC_BYTES)]) assert.equal(topicNameProblem(ok), undefined, ok.slice(0, 40));
    const bad: [string, RegExp][] = [
      ['', /empty/],
      ['a\u0000b', /NUL/],
      ['a/\ud800', /lone surrogate/],
      ['\udc00/a', /lone surrogate/],
      ['a/+/b', /wildcards/],
      ['a/#', /wildcards/],
      ['a\tb', /control character U\+0009/],
      ['a\u0085b', /control character U\+0085/],
      ['a\ufffeb', /non-character/],
      ['a\ud83f\udffeb', /non-character/],
      ['a'.repeat(MAX_TOPIC_BYTES + 1), /65536 bytes .* limit of 65535/],
      ['ü'.repeat(32_768), /65536 bytes/],
    ];
    for (const [topic, re] of bad) assert.match(topicNameProblem(topic) ?? '', re, JSON.stringify(topic.slice(0, 20)));
  });

  it('base64 is checked strictly', () => {
    for (const ok of ['', 'AA==', 'AAA=', 'AAAA', Buffer.from([0, 255, 1, 2, 3]).toString('base64')]) assert.equal(base64Problem(ok), undefined, ok);
    for (const bad of ['A', 'AA=', 'AA', 'A===', 'AA==AA==', 'AA AA', 'AA\nA', '@@@@', 'AB==', 'AAB=', '-_-_']) assert.ok(base64Problem(bad), bad);
  });

  it('a bad topic, base64 or nesting is refused per file, before it is sent; the rest of the folder still goes', async () => {
    const dir = await tempDir('send-bad-');
    const files: Record<string, unknown> = {
      'a_good.json': { topic: 'test/good', payload: { n: 1 }, qos: 1 },
      'b_nul_qos1.json': { topic: 'test/nul\u0000x', payload: 'x', qos: 1 },
      'c_nul_qos0.json': { topic: 'test/nul\u0000y', payload: 'y', qos: 0 },
      'd_surrogate.json': { topic: 'test/\ud800', payload: 'x', qos: 1 },
      'e_tab.json': { topic: 'test/a\tb', payload: 'x', qos: 2 },
      'f_base64.json': { topic: 'test/b64', payload: 'not base64!', payloadEncoding: 'base64', qos: 1 },
      'g_base64_object.json': { topic: 'test/b64', payload: { a: 1 }, payloadEncoding: 'base64' },
      'h_deep.json': { topic: 'test/deep', payload: nested(5_000), qos: 1 },
      'i_good_base64.json': { topic: 'test/bytes', payload: Buffer.from([0, 1, 254, 255]).toString('base64'), payloadEncoding: 'base64', qos: 1 },
      'j_just_deep_enough.json': { topic: 'test/deep-ok', payload: nested(MAX_JSON_DEPTH - 1), qos: 0 },
    };
    for (const [name, doc] of Object.entries(files)) {
      // JSON.stringify would overflow on the deep one: the text is written by hand.
      const text = name === 'h_deep.json' ? `{"topic":"test/deep","qos":1,"payload":${'['.repeat(5_000)}1${']'.repeat(5_000)}}` : JSON.stringify(doc);
      await writeFile(path.join(dir, name), text);
    }
    const { client: sub, got } = await listen(mosquitto().url);
    const client = await mqtt.connectAsync(mosquitto().url, { reconnectPeriod: 100 });
    let closes = 0;
    client.on('close', () => closes++);
    const started = Date.now();
    const results = await sendTestTopics(client, await expandTestTopicPaths([dir]), { publishTimeoutMs: 5_000 });
    const elapsed = Date.now() - started;
    await settle();
    const byName = new Map<string, SendResult>(results.map((r) => [path.basename(r.file), r]));
    assert.equal(results.length, Object.keys(files).length);
    for (const name of ['a_good.json', 'i_good_base64.json', 'j_just_deep_enough.json']) assert.equal(byName.get(name)?.ok, true, `${name}: ${byName.get(name)?.error}`);
    const expected: [string, RegExp][] = [
      ['b_nul_qos1.json', /field "topic" must not contain NUL/],
      ['c_nul_qos0.json', /field "topic" must not contain NUL/],
      ['d_surrogate.json', /field "topic" is not valid UTF-8/],
      ['e_tab.json', /field "topic" must not contain the control character U\+0009/],
      ['f_base64.json', /field "payload" is not valid base64/],
      ['g_base64_object.json', /field "payload" must be a string when payloadEncoding is "base64"/],
      ['h_deep.json', /nested 5001 levels deep \(limit 512\)/],
    ];
    for (const [name, re] of expected) {
      const r = byName.get(name);
      assert.equal(r?.ok, false, name);
      assert.match(r?.error ?? '', re, name);
      assert.ok(r?.error?.startsWith(path.join(dir, name)), `names the file: ${r?.error}`);
      assert.ok(!r?.error?.includes('\n'), 'one line');
    }
    // Nothing malformed reached the broker: the connection was never dropped, and only the good ones arrived.
    assert.equal(closes, 0, 'the broker never dropped the client');
    assert.ok(elapsed < 4_000, `no waiting on a refused file (${elapsed} ms)`);
    assert.deepEqual(got.map((g) => g.topic).sort(), ['test/bytes', 'test/deep-ok', 'test/good']);
    assert.deepEqual([...got.find((g) => g.topic === 'test/bytes')!.payload], [0, 1, 254, 255]);
    await client.endAsync();
    await sub.endAsync();
  });

  it('a message nested deeper than the limit becomes a test topic with its exact text, and sends the same bytes', () => {
    const text = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const t = testTopicFromMessage({ topic: 'deep', payload: Buffer.from(text) });
    assert.equal(t.payload, text);
    assert.equal(testTopicPayload(t).toString(), text);
    assert.ok(JSON.stringify(t).length > text.length, 'writable without overflowing');
    assert.deepEqual(testTopicFromMessage({ topic: 'flat', payload: Buffer.from('{"a":1}') }).payload, { a: 1 });
  });

  it('a topic made invalid by rewriting is refused too', async () => {
    const dir = await tempDir('send-rewrite-');
    const file = path.join(dir, 't.json');
    await writeFile(file, JSON.stringify({ topic: 'a/b', payload: 'x', qos: 1 }));
    const client = await mqtt.connectAsync(mosquitto().url, { reconnectPeriod: 0 });
    const r = await sendTestTopicFile(client, file, { rewrite: (t) => `pre/#/${t}` });
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /t\.json: field "topic" must not contain the wildcards \+ or # \(after rewriting to "pre\/#\/a\/b"\)/);
    await client.endAsync();
  });

  it('a publish the broker never acknowledges fails after the timeout, names the file, and is not resent', async () => {
    const proxy = await freezableProxy(mosquitto().port);
    const dir = await tempDir('send-frozen-');
    for (const name of ['one.json', 'two.json']) await writeFile(path.join(dir, name), JSON.stringify({ topic: `frozen/${name}`, payload: 'x', qos: 1 }));
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${proxy.port}`, { reconnectPeriod: 0 });
    proxy.freeze();
    const started = Date.now();
    const results = await sendTestTopics(client, await expandTestTopicPaths([dir]), { publishTimeoutMs: 700 });
    const elapsed = Date.now() - started;
    assert.equal(results.length, 2, 'the second file is still tried after the first timed out');
    for (const r of results) {
      assert.equal(r.ok, false);
      assert.match(r.error ?? '', /\.json: publish to frozen\/\w+\.json failed: no acknowledgement from the broker within 0\.7 s/);
    }
    assert.ok(elapsed >= 1_300 && elapsed < 5_000, `two timeouts of 0.7 s (${elapsed} ms)`);
    assert.deepEqual(Object.keys(client.outgoing), [], 'the unacknowledged messages are forgotten, so end() does not wait for them');
    await client.endAsync(true);
    await proxy.close();
  });

  it('a broker that is down: each file fails after the timeout, and nothing is sent late when it is back', async () => {
    const own = await Mosquitto.start();
    const dir = await tempDir('send-down-');
    await writeFile(path.join(dir, 'a_qos0.json'), JSON.stringify({ topic: 'down/qos0', payload: 'x', qos: 0 }));
    await writeFile(path.join(dir, 'b_qos1.json'), JSON.stringify({ topic: 'down/qos1', payload: 'x', qos: 1 }));
    const client = await mqtt.connectAsync(own.url, { reconnectPeriod: 100 });
    await own.kill();
    const started = Date.now();
    const results = await sendTestTopics(client, await expandTestTopicPaths([dir]), { publishTimeoutMs: 700 });
    const elapsed = Date.now() - started;
    assert.deepEqual(results.map((r) => r.ok), [false, false]);
    for (const r of results) assert.match(r.error ?? '', /_qos\d\.json: publish to down\/qos\d failed: not connected to the broker \(waited 0\.7 s\)/);
    assert.ok(elapsed >= 1_300 && elapsed < 5_000, `${elapsed} ms`);
    await own.restart();
    const { client: sub, got } = await listen(own.url);
    await new Promise<void>((resolve) => (client.connected ? resolve() : client.once('connect', () => resolve())));
    await settle(500);
    assert.equal(got.length, 0, 'the failed publishes were not queued and sent after all');
    // And the same client publishes again once the broker is back.
    const again = await sendTestTopics(client, [path.join(dir, 'b_qos1.json')], { publishTimeoutMs: 5_000 });
    assert.equal(again[0].ok, true, again[0].error);
    await settle();
    assert.deepEqual(got.map((g) => g.topic), ['down/qos1']);
    await client.endAsync();
    await sub.endAsync();
    await own.stop();
  });

  it('the CLI: bad files named on stderr, exit 1, the good one delivered, no hang', async () => {
    const dir = await tempDir('send-cli-');
    await writeFile(path.join(dir, 'good.json'), JSON.stringify({ topic: 'cli/good', payload: 'ok', qos: 1 }));
    await writeFile(path.join(dir, 'nul.json'), JSON.stringify({ topic: 'cli/\u0000', payload: 'x', qos: 1 }));
    await writeFile(path.join(dir, 'b64.json'), JSON.stringify({ topic: 'cli/b64', payload: '%%%', payloadEncoding: 'base64', qos: 0 }));
    await writeFile(path.join(dir, 'deep.json'), `{"topic":"cli/deep","payload":${'{"a":'.repeat(6_000)}1${'}'.repeat(6_000)}}`);
    const { client: sub, got } = await listen(mosquitto().url);
    const r = await runCli(['send', dir, '--broker', mosquitto().url]);
    await settle();
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 3, r.stderr);
    assert.match(r.stderr, /nul\.json: field "topic" must not contain NUL/);
    assert.match(r.stderr, /b64\.json: field "payload" is not valid base64/);
    assert.match(r.stderr, /deep\.json: is JSON nested 6001 levels deep/);
    assert.doesNotMatch(r.stderr, /Maximum call stack/);
    assert.match(r.stdout, /1 of 4 sent, 3 failed/);
    assert.deepEqual(got.map((g) => g.topic), ['cli/good']);
    await sub.endAsync();
  });

  it('special files in a test-topic folder are refused without blocking; a symlink inside the folder is read', async () => {
    const dir = await tempDir('send-special-');
    const outside = await tempDir('send-outside-');
    await writeFile(path.join(dir, 'a_real.json'), JSON.stringify({ topic: 'special/real', payload: 'r' }));
    await writeFile(path.join(outside, 'secret.json'), JSON.stringify({ topic: 'special/secret', payload: 's' }));
    assert.equal(spawnSync('mkfifo', [path.join(dir, 'b_fifo.json')]).status, 0);
    assert.equal(spawnSync('mkfifo', [path.join(outside, 'fifo')]).status, 0);
    await symlink(path.join(outside, 'fifo'), path.join(dir, 'c_link_fifo.json'));
    await symlink('/dev/zero', path.join(dir, 'd_zero.json'));
    await symlink('/etc/passwd', path.join(dir, 'e_passwd.json'));
    await symlink(path.join(outside, 'secret.json'), path.join(dir, 'f_outside.json'));
    await symlink('a_real.json', path.join(dir, 'g_inside.json'));
    await mkdir(path.join(dir, 'h_folder.json'));
    const { client: sub, got } = await listen(mosquitto().url);
    const client = await mqtt.connectAsync(mosquitto().url, { reconnectPeriod: 0 });
    const results = await sendTestTopics(client, await expandTestTopicPaths([dir]), { publishTimeoutMs: 5_000 });
    await settle();
    const byName = new Map(results.map((r) => [path.basename(r.file), r]));
    assert.deepEqual([...byName.keys()], ['a_real.json', 'b_fifo.json', 'c_link_fifo.json', 'd_zero.json', 'e_passwd.json', 'f_outside.json', 'g_inside.json']);
    assert.equal(byName.get('a_real.json')?.ok, true);
    assert.equal(byName.get('g_inside.json')?.ok, true);
    assert.match(byName.get('b_fifo.json')?.error ?? '', /b_fifo\.json: a FIFO, not a regular file, refused/);
    assert.match(byName.get('c_link_fifo.json')?.error ?? '', /c_link_fifo\.json: symlink to .*fifo, outside .*refused/);
    assert.match(byName.get('d_zero.json')?.error ?? '', /d_zero\.json: symlink to \/dev\/zero, outside .*refused/);
    assert.match(byName.get('e_passwd.json')?.error ?? '', /e_passwd\.json: symlink to \/etc\/passwd, outside .*refused/);
    assert.match(byName.get('f_outside.json')?.error ?? '', /f_outside\.json: symlink to .*secret\.json, outside .*refused/);
    assert.deepEqual(got.map((g) => g.topic), ['special/real', 'special/real']);
    await client.endAsync();
    await sub.endAsync();
  });
});
