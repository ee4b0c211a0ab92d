# A bounded queue with many putters and getters parked at once: who is woken,
# in which order, and what each sees. gevent's unlock serves, in each round,
# the first putter (if there is room) and then the first getter (if there is
# an item), and each woken greenlet runs until it blocks again before the
# round goes on.
import gevent
from gevent.queue import Queue


def tf(x):
    return 'true' if x else 'false'


q = Queue(2)


def putter(name, items):
    for it in items:
        print(name, 'puts', it)
        q.put(it)
        print(name, 'put', it, 'qsize', q.qsize())
    print(name, 'done')


def getter(name, n):
    for _ in range(n):
        print(name, 'gets')
        it = q.get()
        print(name, 'got', it, 'qsize', q.qsize())
    print(name, 'done')


def relay(name):
    # Gets one item and puts it back doubled, while the unlock is under way.
    it = q.get()
    print(name, 'got', it, 'and puts', it + it, 'full', tf(q.full()))
    q.put(it + it)
    print(name, 'put', it + it, 'qsize', q.qsize())


print('-- putters park first')
gs = [gevent.spawn(putter, 'P1', ['a', 'b', 'c']), gevent.spawn(putter, 'P2', ['d', 'e']),
      gevent.spawn(putter, 'P3', ['f'])]
gevent.sleep(0)
print('qsize', q.qsize(), 'full', tf(q.full()))
gs += [gevent.spawn(getter, 'G1', 3), gevent.spawn(getter, 'G2', 2), gevent.spawn(getter, 'G3', 1)]
gevent.joinall(gs)
print('qsize', q.qsize())

print('-- getters park first')
gs = [gevent.spawn(getter, 'G1', 2), gevent.spawn(relay, 'R'), gevent.spawn(getter, 'G2', 2)]
gevent.sleep(0)
print('empty', tf(q.empty()))
gs += [gevent.spawn(putter, 'P1', ['g', 'h', 'i']), gevent.spawn(putter, 'P2', ['j', 'k'])]
gevent.joinall(gs)
print('qsize', q.qsize(), 'left', q.get())
