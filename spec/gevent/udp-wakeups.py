# Who wakes first when greenlets wait in recvfrom() on two UDP sockets: the
# one whose datagram arrives first. kill() and a gevent.Timeout end a wait in
# recvfrom(), and the datagram that comes afterwards is not lost: the next
# reader gets it. A non-blocking sendto() returns the byte count at once.
import json

import gevent
from gevent import socket


def show(data):
    return json.dumps(data.decode('latin-1'))


def bound():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    return s


servers = {'one': bound(), 'two': bound()}
client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def send(data, name):
    print('main: sends', show(data), 'to', name)
    client.sendto(data, servers[name].getsockname())


def reader(who, name):
    try:
        print(who, 'got', show(servers[name].recvfrom(100)[0]))
    except gevent.GreenletExit:
        print(who, 'killed')


readers = [gevent.spawn(reader, 'reader of ' + name, name) for name in ['one', 'two']]
gevent.sleep(0)
send(b'first', 'two')
gevent.sleep(0.02)
send(b'second', 'one')
gevent.joinall(readers)

victim = gevent.spawn(reader, 'victim', 'one')
gevent.sleep(0.02)
print('main: kills the victim')
victim.kill()
send(b'after the kill', 'one')
print('main: recvfrom got', show(servers['one'].recvfrom(100)[0]))

try:
    with gevent.Timeout(0.05):
        servers['two'].recvfrom(100)
except gevent.Timeout:
    print('main: Timeout in recvfrom')
client.setblocking(False)
print('main: non-blocking sendto returned', client.sendto(b'after the Timeout', servers['two'].getsockname()))
client.setblocking(True)
print('main: recvfrom got', show(servers['two'].recvfrom(100)[0]))
