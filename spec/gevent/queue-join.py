# JoinableQueue.join(): joiners are woken one at a time, in the order they
# joined, when task_done() brings the count to zero; each runs until it
# blocks again, and one that joins again while the count is still zero waits
# behind the others (gevent issue 1520); a put clears the count's "event"
# but every joiner of the notification still returns True. Then join with a
# timeout, a killed joiner, and task_done() called too many times.
import gevent
from gevent.queue import JoinableQueue


def tf(x):
    return 'true' if x else 'false'


q = JoinableQueue()


def worker():
    while True:
        item = q.get()
        print('W works on', item)
        gevent.sleep(0)
        q.task_done()
        print('W done with', item, 'unfinished', q.unfinished_tasks)


def j1():
    print('J1 joins')
    print('J1 joined', tf(q.join()), 'unfinished', q.unfinished_tasks)
    print('J1 joined again', tf(q.join()))
    q.put('d')
    print('J1 put d, unfinished', q.unfinished_tasks)
    print('J1 joined a third time', tf(q.join()), 'unfinished', q.unfinished_tasks)


def j2():
    print('J2 joins')
    print('J2 joined', tf(q.join()), 'unfinished', q.unfinished_tasks)
    print('J2 joins again')
    print('J2 joined again', tf(q.join()), 'unfinished', q.unfinished_tasks)


def j3():
    print('J3 joins')
    try:
        q.join()
    except gevent.GreenletExit:
        print('J3 killed while joining')
        raise


for x in ['a', 'b', 'c']:
    q.put(x)
print('unfinished', q.unfinished_tasks, 'qsize', q.qsize())
w = gevent.spawn(worker)
gs = [gevent.spawn(j1), gevent.spawn(j2)]
gevent.joinall(gs)
print('all joined, unfinished', q.unfinished_tasks)
print('join(0) when done', tf(q.join(timeout=0)))

w.kill()
print('worker killed')
q.put('e')
g3 = gevent.spawn(j3)
gevent.sleep(0)
print('join with a timeout', tf(q.join(timeout=0.02)))
g3.kill()
print('J3 dead', tf(g3.dead))
print('got', q.get())
q.task_done()
print('join after task_done', tf(q.join()), 'unfinished', q.unfinished_tasks)
try:
    q.task_done()
except ValueError:
    print('too many task_done: ValueError')
