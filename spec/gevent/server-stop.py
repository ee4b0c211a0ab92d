# stop() on a StreamServer with a pool: it stops accepting at once, lets a
# handler that finishes within the timeout finish, kills the one still busy
# when the timeout passes (its except block runs, its socket is closed),
# then returns. serve_forever() returns once another greenlet stops the
# server; a stopped server refuses connections.
import gevent
from gevent import socket
from gevent.event import Event
from gevent.pool import Pool
from gevent.server import StreamServer

# Set once each client's handler has read its name (see the JavaScript twin).
handled = {'idle': Event(), 'busy': Event()}


def handle(sock, address):
    who = sock.recv(100).decode()
    print('handling', who)
    handled[who].set()
    try:
        if who == 'busy':
            gevent.sleep(10)
        else:
            sock.recv(100)  # returns when the client goes away
        print(who, 'handler finished')
    except gevent.GreenletExit:
        print(who, 'handler killed')
        raise


def connect(port, who):
    s = socket.create_connection(('127.0.0.1', port))
    s.sendall(who.encode())
    return s


def main():
    server = StreamServer(('127.0.0.1', 0), handle, spawn=10)
    server.start()
    port = server.address[1]
    idle = connect(port, 'idle')
    handled['idle'].wait()
    busy = connect(port, 'busy')
    handled['busy'].wait()

    def leave():
        gevent.sleep(0.03)
        print('idle client leaves')
        idle.close()

    gevent.spawn(leave)
    print('stopping')
    server.stop(timeout=0.15)
    print('stop returned: closed', server.closed, 'handlers left', len(server.pool))
    print('busy client reads', repr(busy.recv(100).decode()))
    try:
        socket.create_connection(('127.0.0.1', port))
        print('connected?!')
    except ConnectionRefusedError:
        print('new connection refused')

    server2 = StreamServer(('127.0.0.1', 0), handle, spawn=Pool(2))

    def stopper():
        gevent.sleep(0.02)
        print('stopping the second server')
        server2.stop()

    gevent.spawn(stopper)
    server2.serve_forever()
    print('serve_forever returned: closed', server2.closed)


gevent.spawn(main).join()
print('end')
