# peek() and get() waiting in the same line, with the main greenlet (the
# root in fibernet) putting into a full queue: a peeker ahead of a getter
# sees the item and the getter then takes it; a peeker behind a getter waits
# for the next item; the main greenlet is woken as a putter in its turn of
# the unlock, and the unlock goes on only once it blocks again.
import gevent
from gevent.queue import Queue


def tf(x):
    return 'true' if x else 'false'


q = Queue(1)


def getter(name, n):
    for _ in range(n):
        it = q.get()
        print(name, 'got', it, 'qsize', q.qsize())
    print(name, 'done')


def peeker(name):
    it = q.peek()
    print(name, 'peeked', it, 'qsize', q.qsize())
    it = q.peek()
    print(name, 'peeked again', it)


gs = [gevent.spawn(peeker, 'K1'), gevent.spawn(getter, 'G1', 2), gevent.spawn(peeker, 'K2'),
      gevent.spawn(getter, 'G2', 2)]
gevent.sleep(0)
print('main puts x')
q.put('x')
print('main put x, full', tf(q.full()), 'peek', q.peek_nowait())
q.put('v')
print('main put v, qsize', q.qsize())
q.put('w')
print('main put w, qsize', q.qsize())
q.put('u')
print('main put u, qsize', q.qsize())
gevent.joinall(gs)
print('qsize', q.qsize())

print('-- a peeker behind a getter')
gs = [gevent.spawn(getter, 'G3', 1), gevent.spawn(peeker, 'K3'), gevent.spawn(getter, 'G4', 1)]
gevent.sleep(0)
q.put('y')
print('main put y')
gevent.sleep(0)
print('main slept, qsize', q.qsize())
q.put('z')
print('main put z')
gevent.joinall(gs)
print('empty', tf(q.empty()))
