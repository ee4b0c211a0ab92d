# A peer that sends 100,000 bytes and then resets the connection: recv()
# returns every byte, then raises ECONNRESET (not EOF).
import struct
import gevent
from gevent import socket

srv = socket.socket()
srv.bind(('127.0.0.1', 0))
srv.listen(1)
client = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
client.sendall(b'x' * 100000)
gevent.sleep(0.05)
client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
client.close()
gevent.sleep(0.05)
got = 0
try:
    while True:
        b = conn.recv(7000)
        if not b:
            print('EOF after', got)
            break
        got += len(b)
except OSError as e:
    print('error', 'ECONNRESET' if e.errno == 104 else e.errno, 'after', got)
conn.close()
srv.close()
