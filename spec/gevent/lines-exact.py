# A framed protocol over TCP: a header line, then frames of a 4-byte length
# and that many bytes, read with gevent's makefile('rb').read(n) (exactly n
# bytes, fewer only at EOF). The frames arrive split at awkward places; the
# last one is cut short by EOF.
import json

import gevent
from gevent import socket


def show(data):
    return json.dumps(data.decode('latin-1'))


def frame(payload):
    return len(payload).to_bytes(4, 'big') + payload


listener = socket.socket()
listener.bind(('127.0.0.1', 0))
listener.listen()
client = socket.create_connection(listener.getsockname())
conn, _ = listener.accept()
reader = conn.makefile('rb')

stream = b'FRAMES v1\r\n' + frame(b'hello') + frame(b'') + frame(b'world\n!') + frame(b'cut short')[:8]
cuts = [4, 13, 16, 22, len(stream)]


def writer():
    start = 0
    for end in cuts:
        print('writer: sends', end - start, 'bytes')
        client.sendall(stream[start:end])
        start = end
        gevent.sleep(0.05)
    print('writer: closes')
    client.close()


gevent.spawn(writer)
print('reader: header', show(reader.readline()))
while True:
    head = reader.read(4)
    if len(head) < 4:
        print('reader: EOF in a header, partial', show(head), 'of 4')
        break
    size = int.from_bytes(head, 'big')
    payload = reader.read(size)
    if len(payload) < size:
        print('reader: EOF in a frame, partial', show(payload), 'of', size)
        break
    print('reader: frame of', size, show(payload))
print('reader: then', show(reader.read(1)))
