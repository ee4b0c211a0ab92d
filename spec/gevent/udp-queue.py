# A UDP socket's receive queue: datagrams sent before anyone reads wait in
# arrival order; recvfrom(n) truncates (the rest of that datagram is lost,
# the next one is whole); a non-blocking recvfrom() on an empty queue raises
# EAGAIN; a second greenlet in recvfrom() raises ConcurrentObjectUseError at
# once; close() wakes a waiting greenlet with EBADF, and later calls raise it.
import errno
import json

import gevent
from gevent import socket
from gevent.exceptions import ConcurrentObjectUseError


def settle():
    # Lets the readers spawned just before start and park, as the JavaScript
    # twin does (a timer there could run first when the machine stalls).
    for _ in range(10):
        gevent.sleep(0)


def show(data):
    return json.dumps(data.decode('latin-1'))


server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(('127.0.0.1', 0))
address = server.getsockname()
client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

for i in range(4):
    client.sendto(b'datagram %d' % i, address)
gevent.sleep(0.05)
print('main: recvfrom(4)', show(server.recvfrom(4)[0]))
print('main: recvfrom(100)', show(server.recvfrom(100)[0]))
print('main: recvfrom(0)', show(server.recvfrom(0)[0]))
data, peer = server.recvfrom(100)
print('main: recvfrom(100)', show(data), 'from the client:', peer[1] == client.getsockname()[1])

server.setblocking(False)
try:
    server.recvfrom(100)
except BlockingIOError as e:
    print('main: non-blocking recvfrom:', errno.errorcode[e.errno])
server.setblocking(True)


def reader(name):
    try:
        print(name, 'got', show(server.recvfrom(100)[0]))
    except ConcurrentObjectUseError:
        print(name, 'ConcurrentObjectUseError')
    except OSError as e:
        print(name, errno.errorcode[e.errno])


first = gevent.spawn(reader, 'first')
second = gevent.spawn(reader, 'second')
settle()
print('main: sends one datagram')
client.sendto(b'for the first', address)
gevent.joinall([first, second])

third = gevent.spawn(reader, 'third')
settle()
print('main: closes the socket')
server.close()
third.join()
try:
    server.recvfrom(1)
except OSError as e:
    print('main: recvfrom after close:', errno.errorcode[e.errno])
