# A StreamServer whose handlers run in a Pool of 1: connections are handled
# one at a time, in the order they arrived; the others wait (their bytes
# unread) until the handler before them returns and its socket is closed.
# Every client gets its reply; the pool is free again afterwards.
import gevent
from gevent import socket
from gevent.server import StreamServer

active = []


def handle(sock, address):
    data = sock.recv(100).decode()
    active.append(data)
    print('handler got', data, 'active', len(active))
    gevent.sleep(0.03)
    sock.sendall(('reply to ' + data).encode())
    active.remove(data)


server = StreamServer(('127.0.0.1', 0), handle, spawn=1)
server.start()
print('started', server.started, 'pool size', server.pool.size)
port = server.address[1]
replies = {}


def client(i):
    s = socket.create_connection(('127.0.0.1', port))
    s.sendall(('c%d' % i).encode())
    replies[i] = s.recv(100).decode()
    eof = s.recv(100)
    replies[i] += ', then EOF' if eof == b'' else ', then more'
    s.close()


clients = []
for i in range(4):
    clients.append(gevent.spawn(client, i))
    gevent.sleep(0.005)
gevent.joinall(clients)
for i in range(4):
    print('client', i, 'got:', replies[i])
gevent.sleep(0.01)
print('pool free', server.pool.free_count())
server.stop()
print('stopped: started', server.started, 'closed', server.closed)
