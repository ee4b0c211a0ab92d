# Several queues waking greenlets at once: a JoinableQueue's join
# notification and another queue's unlock, queued one after the other. Each
# runs in turn, and the greenlets the first one wakes run (until they block)
# before the second one starts: a joiner woken first still sees the item
# the second queue's getter has not been given yet.
import gevent
from gevent.queue import JoinableQueue, Queue

jobs = JoinableQueue()
results = Queue()
other = Queue(1)


def joiner(name):
    print(name, 'joins')
    jobs.join()
    print(name, 'joined; results qsize', results.qsize(), 'other full', other.full())
    results.put(name + '-note')
    print(name, 'put a note; results qsize', results.qsize())


def reader(name, n):
    for _ in range(n):
        print(name, 'reads', results.get())


def worker():
    job = jobs.get()
    print('W works on', job)
    jobs.task_done()
    results.put(job + '-result')
    other.put('o1')
    print('W queued a result; results qsize', results.qsize())
    other.put('o2')
    print('W put o2')


def other_getter():
    print('O got', other.get())


jobs.put('job')
gs = [gevent.spawn(joiner, 'J1'), gevent.spawn(joiner, 'J2'), gevent.spawn(reader, 'R1', 2),
      gevent.spawn(reader, 'R2', 1), gevent.spawn(other_getter)]
gevent.sleep(0)
gs.append(gevent.spawn(worker))
gevent.joinall(gs)
print('results qsize', results.qsize(), 'other qsize', other.qsize())
