# PriorityQueue: smallest first, tuples compared element by element,
# strings by code point, equal priorities in heapq's order (not insertion
# order), getters parked on an empty queue served smallest first, and items
# that cannot be compared (TypeError). LifoQueue:
# last in, first out, with getters parked.
import gevent
from gevent.queue import PriorityQueue, LifoQueue


class Job(object):
    # Ordered by priority only, like a compare function on one field.
    def __init__(self, p, name):
        self.p = p
        self.name = name

    def __lt__(self, other):
        return self.p < other.p


pq = PriorityQueue()
for item in [(3, 'c'), (1, 'b'), (2, 'x', 1), (1, 'a'), (2, 'x'), (0, 'z', 'late'), (2, 'w', 5)]:
    pq.put(item)
print('peek', pq.peek())
print(' '.join(repr(pq.get()) for _ in range(pq.qsize())))

pq = PriorityQueue()
for word in ['b', 'B', 'ab', 'a', '\u00e9', 'zz', '\U0001f600', '\uffff', '']:
    pq.put(word)
print(' '.join(ascii(pq.get()) for _ in range(pq.qsize())))

jobs = PriorityQueue()
for i, p in enumerate([2, 1, 2, 1, 2, 1, 0, 2]):
    jobs.put(Job(p, 'j%d' % i))
print(' '.join('%s:%d' % (j.name, j.p) for j in (jobs.get() for _ in range(jobs.qsize()))))

for bad in ['x', (1, 2), None]:
    pq = PriorityQueue()
    pq.put((1, 'one'))
    pq.put((2, 'two'))
    try:
        pq.put(bad)
    except TypeError:
        print('put', repr(bad), 'TypeError')


def getter(q, name):
    print(name, 'got', q.get())


for q in [PriorityQueue(), LifoQueue()]:
    print('--', type(q).__name__)
    gs = [gevent.spawn(getter, q, 'G%d' % i) for i in range(3)]
    gevent.sleep(0)
    for item in [5, 3, 9, 4]:
        q.put(item)
    print('put 5 3 9 4')
    gevent.joinall(gs)
    print('left', q.get())

lq = LifoQueue(3)
for x in 'abc':
    lq.put(x)
print('lifo full', lq.full(), 'peek', lq.peek(), 'order', lq.get(), lq.get(), lq.get())
