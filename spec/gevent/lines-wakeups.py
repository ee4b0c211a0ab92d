# Who wakes first when several greenlets wait for lines: each reader wakes
# when its own line is complete, in the order the lines arrive (not the order
# they started waiting); a socket timeout, a gevent.Timeout and kill() end a
# wait for a line that never came, and the next reader of that connection
# gets the next line.
import json

import gevent
from gevent import socket


def show(data):
    return json.dumps(data.decode('latin-1'))


listener = socket.socket()
listener.bind(('127.0.0.1', 0))
listener.listen()
ends = {}
for name in 'ABC':
    client = socket.create_connection(listener.getsockname())
    conn, _ = listener.accept()
    ends[name] = (client, conn, conn.makefile('rb'))


def reader(who, name):
    try:
        print(who, 'got', show(ends[name][2].readline()))
    except socket.timeout as e:
        print(who, 'timed out:', e)
    except gevent.GreenletExit:
        print(who, 'killed')


def send(name, data):
    print('main: sends', show(data), 'to', name)
    ends[name][0].sendall(data)


ends['C'][1].settimeout(0.1)
readers = [gevent.spawn(reader, 'reader ' + n, n) for n in 'ABC']
gevent.sleep(0)
print('main: all three wait')
send('B', b'to B\n')
gevent.sleep(0.02)
send('A', b'to ')
gevent.sleep(0.02)
send('A', b'A\n')
gevent.joinall(readers)

killed = gevent.spawn(reader, 'reader D', 'A')
gevent.sleep(0.02)
print('main: kills reader D')
killed.kill()
gevent.spawn(reader, 'reader E', 'A')
gevent.sleep(0.02)
send('A', b'for E\n')
gevent.sleep(0.02)

try:
    with gevent.Timeout(0.05):
        ends['B'][2].readline()
except gevent.Timeout:
    print('main: Timeout while waiting on B')
send('B', b'late\n')
print('main: then got', show(ends['B'][2].readline()))
