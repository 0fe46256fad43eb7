"""bench:record's floor: `mosquitto_sub -F %j > file` run as a child, until N messages
(-C N) or 5 s without growth of the file; prints received, lastAt, the child's cpuSec
(user + sys) and rssMiB. Usage: mosquittoSubRecorder.py HOST PORT N OUT_DIR"""
import json
import os
import resource
import subprocess
import sys
import time

host, port, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
path = os.path.join(out, f'mosquitto_sub_{os.getpid()}.jsonl')
with open(path, 'w') as f:
    child = subprocess.Popen(['mosquitto_sub', '-h', host, '-p', port, '-t', '#', '-F', '%j', '-C', str(n)], stdout=f)
    # mosquitto_sub says nothing when subscribed: give it a moment on loopback.
    time.sleep(1.0)
    print('ready', flush=True)
    size, last = 0, time.time()
    while child.poll() is None:
        s = os.path.getsize(path)
        if s != size:
            size, last = s, time.time()
        elif time.time() - last > 5:
            child.terminate()
            break
        time.sleep(0.005)
    child.wait()
last_at = int(time.time() * 1000)
with open(path, 'rb') as f:
    received = sum(1 for _ in f)
os.remove(path)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({'received': received, 'lastAt': last_at, 'cpuSec': r.ru_utime + r.ru_stime, 'rssMiB': r.ru_maxrss / 1024}), flush=True)
