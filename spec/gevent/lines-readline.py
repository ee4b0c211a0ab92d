# A line reader over a TCP connection, gevent's socket.makefile('rb').readline():
# lines split across writes, CRLF kept as bytes, a size limit, the last
# unterminated line at EOF, then b''. The writer's sends and the reader's
# lines interleave in a fixed order.
import json

import gevent
from gevent import socket


def show(data):
    return json.dumps(data.decode('latin-1'))


listener = socket.socket()
listener.bind(('127.0.0.1', 0))
listener.listen()
client = socket.create_connection(listener.getsockname())
conn, _ = listener.accept()
reader = conn.makefile('rb')


def writer():
    for piece in [b'alpha\nbe', b'ta\r\n', b'gam', b'ma\nde', b'lta\nepsilon\r']:
        print('writer: sends', show(piece))
        client.sendall(piece)
        gevent.sleep(0.05)
    print('writer: shuts down its side')
    client.shutdown(socket.SHUT_WR)


w = gevent.spawn(writer)
print('reader: waits for a line')
count = 0
while True:
    limit = 3 if count == 4 else -1
    line = reader.readline(limit)
    count += 1
    print('reader: line', count, show(line), '(at most 3 bytes)' if limit == 3 else '')
    if not line:
        break
w.join()
print('reader: again at EOF', show(reader.readline()))
