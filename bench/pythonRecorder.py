"""The reference recorder of bench:record: the way the old ORBIS recorder works.

paho-mqtt (Debian's python3-paho-mqtt) subscribes to '#', keeps every message in a list,
and at the stop writes a JSON-lines .log and an SQLite table (topic, payload, timestamp).
Stops when N messages arrived or after 5 s without one; prints one JSON line: received,
lastAt (epoch ms, files written), cpuSec (user + sys of this process), rssMiB.
Usage: pythonRecorder.py HOST PORT N OUT_DIR
"""
import json
import os
import resource
import sqlite3
import sys
import threading
import time
from datetime import datetime, timezone

import paho.mqtt.client as mqtt

host, port, n, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
messages = []
subscribed = threading.Event()
last = [time.time()]


def on_connect(client, userdata, flags, rc):
    client.subscribe('#', qos=0)


def on_subscribe(client, userdata, mid, granted):
    subscribed.set()


def on_message(client, userdata, msg):
    messages.append((msg.topic, msg.payload, datetime.now(timezone.utc).isoformat(timespec='milliseconds')))
    last[0] = time.time()


client = mqtt.Client(client_id=f'bench-python-{os.getpid()}')
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.connect(host, port)
client.loop_start()
subscribed.wait(10)
print('ready', flush=True)
while len(messages) < n and time.time() - last[0] < 5:
    time.sleep(0.005)
client.loop_stop()
client.disconnect()

stamp = datetime.now(timezone.utc).strftime('%Y%m%d_%H%M%S')
log = os.path.join(out, f'python_{stamp}.log')
with open(log, 'w', encoding='utf-8') as f:
    for topic, payload, ts in messages:
        f.write(json.dumps({'topic': topic, 'payload': payload.decode('utf-8', 'replace'), 'timestamp': ts}) + '\n')
db = sqlite3.connect(log[:-4] + '.db')
db.execute('CREATE TABLE mqtt_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT, payload TEXT, timestamp TEXT)')
db.executemany('INSERT INTO mqtt_messages (topic, payload, timestamp) VALUES (?, ?, ?)',
               ((t, p.decode('utf-8', 'replace'), ts) for t, p, ts in messages))
db.commit()
db.close()
last_at = int(time.time() * 1000)
r = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({'received': len(messages), 'lastAt': last_at, 'cpuSec': r.ru_utime + r.ru_stime, 'rssMiB': r.ru_maxrss / 1024}), flush=True)
