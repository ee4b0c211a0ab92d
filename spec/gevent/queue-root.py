# The main greenlet (the root in fibernet, a plain script's top level) as a
# getter of a bounded queue with putters parked: each get frees a slot, the
# unlock wakes the next putter, which runs until it blocks, and the main
# greenlet goes on once it blocks again. Then iteration until StopIteration,
# with the producer parked on a full queue.
import gevent
from gevent.queue import Queue

q = Queue(2)


def producer(name, items):
    for it in items:
        q.put(it)
        print(name, 'put', it, 'qsize', q.qsize())
    print(name, 'done')


gs = [gevent.spawn(producer, 'P1', [1, 2, 3]), gevent.spawn(producer, 'P2', [4, 5])]
gevent.sleep(0)
for _ in range(4):
    print('main got', q.get(), 'qsize', q.qsize())
print('main sleeps')
gevent.sleep(0)
print('main got', q.get(), 'qsize', q.qsize())
gevent.joinall(gs)


def feeder():
    for x in ['a', 'b', 'c', 'd']:
        q.put(x)
        print('fed', x)
    q.put(StopIteration)
    print('fed StopIteration')


print('-- iteration')
f = gevent.spawn(feeder)
for x in q:
    print('iter', x, 'qsize', q.qsize())
f.join()
print('empty', q.empty())
