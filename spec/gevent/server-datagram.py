# A DatagramServer with a Pool of 1: datagrams are handled one at a time, in
# the order they arrived (the rest wait meanwhile), each reply sent with
# sendto(); a handler that raises is reported and the server goes on.
import gevent
from gevent import socket
from gevent.server import DatagramServer

hub = gevent.get_hub()
hub.handle_error = lambda context, t, value, tb: print('reported:', value)
active = []


def handle(data, address):
    text = data.decode()
    active.append(text)
    print('handler got', text, 'active', len(active))
    gevent.sleep(0.02)
    active.remove(text)
    if text == 'bad':
        raise ValueError('bad datagram')
    server.sendto(('re ' + text).encode(), address)


server = DatagramServer(('127.0.0.1', 0), handle, spawn=1)
server.start()
port = server.address[1]
print('started', server.started)

client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
client.bind(('127.0.0.1', 0))
for text in ['d0', 'd1', 'bad', 'd2']:
    client.sendto(text.encode(), ('127.0.0.1', port))
for _ in range(3):
    data, address = client.recvfrom(100)
    print('client got', data.decode(), 'from the server port', address[1] == port)
client.close()
server.stop()
print('stopped: closed', server.closed)
