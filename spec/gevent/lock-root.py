# The main greenlet (a plain script's top level) blocking on each primitive:
# it waits its turn among greenlets, and an RLock is re-entrant for it.
import gevent
from gevent.event import Event, AsyncResult
from gevent.lock import Semaphore, RLock


def tf(x):
    return 'true' if x else 'false'


sem = Semaphore(1)
ev = Event()
result = AsyncResult()
rlock = RLock()


def holder():
    sem.acquire()
    print('holder has the semaphore')
    gevent.sleep(0.02)
    print('holder releases')
    sem.release()


def setter():
    gevent.sleep(0.01)
    print('setter sets the event')
    ev.set()
    gevent.sleep(0.01)
    print('setter sets the result')
    result.set('done')


gevent.spawn(holder)
gevent.sleep(0)
print('main: acquire(blocking=False)', tf(sem.acquire(blocking=False)))
print('main: blocks in acquire()')
print('main: acquired', tf(sem.acquire()))
sem.release()

gevent.spawn(setter)
print('main: waits for the event')
print('main: event', tf(ev.wait()))
print('main: waits for the result')
print('main: result', result.get())

print('main: rlock', tf(rlock.acquire()), tf(rlock.acquire()))


def taker():
    print('taker: acquire(timeout)', tf(rlock.acquire(timeout=0.01)))
    try:
        rlock.release()
    except RuntimeError:
        print('taker: release refused')
    print('taker: blocks')
    rlock.acquire()
    print('taker: has the rlock')
    rlock.release()


g = gevent.spawn(taker)
gevent.sleep(0.05)
rlock.release()
print('main: released once')
gevent.sleep(0.01)
rlock.release()
print('main: released twice')
g.join()
print('end')
