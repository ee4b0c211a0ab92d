# A UDP echo conversation with a socket timeout: the server greenlet answers
# each datagram with its upper-case copy but ignores "drop", so the client's
# recvfrom() for that one times out, and the conversation goes on after it.
import json

import gevent
from gevent import socket


def show(data):
    return json.dumps(data.decode('latin-1'))


server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(('127.0.0.1', 0))
address = server.getsockname()


def serve():
    while True:
        data, peer = server.recvfrom(1024)
        print('server: got', show(data))
        if data == b'stop':
            break
        if data == b'drop':
            print('server: ignores it')
            continue
        server.sendto(data.upper(), peer)
    print('server: stops')


serving = gevent.spawn(serve)
client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
client.settimeout(0.1)
for message in [b'hello', b'drop', b'again', b'stop']:
    print('client: sendto', show(message), 'returned', client.sendto(message, address))
    try:
        data, peer = client.recvfrom(1024)
        print('client: reply', show(data), 'from the server:', peer == address)
    except socket.timeout as e:
        print('client: recvfrom', e)
serving.join()
print('end')
