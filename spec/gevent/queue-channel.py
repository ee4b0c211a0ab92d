# Channel: put() returns only once a getter took the item. The unlock pairs
# the first getter with the first putter, runs the getter until it blocks,
# then the putter, then the next pair. The main greenlet (the root in
# fibernet) as getter and as putter; nowait calls with nobody on the other
# side; timeouts; iteration until StopIteration.
import gevent
from gevent.queue import Channel, Empty, Full

ch = Channel()


def getter(name, n):
    for _ in range(n):
        print(name, 'gets')
        print(name, 'got', ch.get())
    print(name, 'done')


def putter(name, items):
    for it in items:
        print(name, 'puts', it)
        ch.put(it)
        print(name, 'put', it, 'balance', ch.balance)
    print(name, 'done')


print('-- getters wait first')
gs = [gevent.spawn(getter, 'G1', 2), gevent.spawn(getter, 'G2', 1)]
gevent.sleep(0)
print('balance', ch.balance)
gs += [gevent.spawn(putter, 'P1', ['a', 'b']), gevent.spawn(putter, 'P2', ['c'])]
gevent.joinall(gs)

print('-- putters wait first')
gs = [gevent.spawn(putter, 'P1', ['d', 'e']), gevent.spawn(putter, 'P2', ['f'])]
gevent.sleep(0)
print('balance', ch.balance)
print('main got', ch.get())
print('main got', ch.get())
print('main got', ch.get())
gevent.joinall(gs)

print('-- main puts')
g = gevent.spawn(getter, 'G3', 2)
gevent.sleep(0)
ch.put('g')
print('main put g')
ch.put('h')
print('main put h')
g.join()

print('-- nobody on the other side')
try:
    ch.put_nowait('x')
except Full:
    print('put_nowait: Full')
try:
    ch.get_nowait()
except Empty:
    print('get_nowait: Empty')
try:
    ch.get(timeout=0.02)
except Empty:
    print('get timed out')
try:
    ch.put('y', timeout=0.02)
except Full:
    print('put timed out')
print('balance', ch.balance, 'qsize', ch.qsize(), 'empty', ch.empty(), 'full', ch.full())


def feed():
    for x in ['i1', 'i2']:
        ch.put(x)
        print('fed', x)
    ch.put(StopIteration)
    print('fed stop')


print('-- iteration')
f = gevent.spawn(feed)
for x in ch:
    print('iter', x)
f.join()
print('end balance', ch.balance)
