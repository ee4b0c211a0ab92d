# Putters and getters that time out (their own timeout, and a Timeout around
# the call) or are killed while they wait: none of their items is added,
# no item is lost, and the survivors are served in the order they came.
import gevent
from gevent.queue import Queue, Empty, Full


def tf(x):
    return 'true' if x else 'false'


q = Queue(1)


def putter(name, item, timeout=None):
    print(name, 'puts', item)
    try:
        q.put(item, timeout=timeout)
    except Full:
        print(name, 'Full')
        return
    except gevent.GreenletExit:
        print(name, 'killed while putting')
        raise
    print(name, 'put', item)


def getter(name, timeout=None, peek=False):
    print(name, 'peeks' if peek else 'gets')
    try:
        it = q.peek(timeout=timeout) if peek else q.get(timeout=timeout)
    except Empty:
        print(name, 'Empty')
        return
    except gevent.GreenletExit:
        print(name, 'killed while getting')
        raise
    print(name, 'got', it)


def under_timeout(name, secs, fn, *args):
    print(name, 'waits under a Timeout')
    try:
        with gevent.Timeout(secs):
            fn(*args)
    except gevent.Timeout:
        print(name, 'Timeout')
        return
    print(name, 'finished')


print('-- putters on a full queue')
q.put('a')
gs = [gevent.spawn(putter, 'P1', 'p1', 0.1), gevent.spawn(putter, 'P2', 'p2'),
      gevent.spawn(under_timeout, 'P3', 0.2, q.put, 'p3'), gevent.spawn(putter, 'P4', 'p4'),
      gevent.spawn(putter, 'P5', 'p5')]
gevent.sleep(0)
gs[1].kill()
gevent.sleep(0.4)
print('full', tf(q.full()), 'qsize', q.qsize())
gs[3].kill()
print('main got', q.get())
gevent.joinall(gs)
print('main got', q.get(), 'empty', tf(q.empty()))
try:
    q.put_nowait('b')
    q.put_nowait('c')
except Full:
    print('put_nowait on a full queue: Full; got', q.get())

print('-- getters on an empty queue')
gs = [gevent.spawn(getter, 'G1', 0.1), gevent.spawn(getter, 'G2'),
      gevent.spawn(under_timeout, 'G3', 0.2, q.get), gevent.spawn(getter, 'K1', 0.15, True),
      gevent.spawn(getter, 'G4'), gevent.spawn(getter, 'K2', None, True), gevent.spawn(getter, 'G5')]
gevent.sleep(0)
gs[1].kill()
gevent.sleep(0.4)
gs[4].kill()
print('main puts x')
q.put('x')
gevent.sleep(0)
print('qsize', q.qsize())
q.put('y')
gevent.joinall(gs)
print('qsize', q.qsize(), 'left', q.get())
try:
    q.get_nowait()
except Empty:
    print('get_nowait on an empty queue: Empty')
try:
    q.peek_nowait()
except Empty:
    print('peek_nowait on an empty queue: Empty')
try:
    q.get(timeout=0.01)
except Empty:
    print('main get timed out')
