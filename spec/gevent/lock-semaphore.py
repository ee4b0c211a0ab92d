# Semaphore: permits go to waiters in the order they waited; a permit that
# was released but not yet handed out (the notification has not run) can be
# taken by whoever acquires first; once the notification ran, the permit
# belongs to the waiter it woke, even before that waiter runs.
import gevent
from gevent.event import Event
from gevent.lock import Semaphore


def tf(x):
    return 'true' if x else 'false'


sem = Semaphore(0)
go = Event()
thief_results = []


def worker(name):
    print(name, 'waits, counter', sem.counter)
    sem.acquire()
    print(name, 'acquired, counter', sem.counter)
    go.wait()
    print(name, 'releases')
    sem.release()


def thief_after_kill():
    try:
        Event().wait()
    except gevent.GreenletExit:
        # Runs after the notification for the released permit.
        thief_results.append(sem.acquire(blocking=False))


def spawned_thief():
    print('spawned thief tries', tf(sem.acquire(blocking=False)))


def driver():
    print('Semaphore(0) locked', tf(sem.locked()), 'ready', tf(sem.ready()))
    print('acquire(timeout) on Semaphore(0):', tf(sem.acquire(timeout=0.01)))
    print('acquire(blocking=False):', tf(sem.acquire(blocking=False)))
    gs = [gevent.spawn(worker, n) for n in 'ABCD']
    gevent.sleep(0)

    print('-- two releases: the two longest waiters get them')
    sem.release()
    sem.release()
    print('counter before the notification', sem.counter)
    gevent.sleep(0)
    print('counter after', sem.counter)

    print('-- released, then taken before the notification ran')
    sem.release()
    print('driver takes it back:', tf(sem.acquire(blocking=False)), 'counter', sem.counter)
    gevent.sleep(0)
    print('C and D still wait:', tf(not gs[2].dead and not gs[3].dead), 'counter', sem.counter)

    print('-- released, the notification runs, then someone tries')
    t = gevent.spawn(thief_after_kill)
    gevent.sleep(0)
    sem.release()
    t.kill(block=False)
    gevent.sleep(0)
    t.join()
    print('thief after the notification got it:', tf(thief_results[0]), 'counter', sem.counter)

    print('-- released, then a greenlet spawned by the releaser tries')
    sem.release()
    gevent.spawn(spawned_thief)
    gevent.sleep(0)
    gevent.sleep(0)

    print('-- everybody releases in turn')
    go.set()
    gevent.joinall(gs)
    print('counter', sem.counter, 'locked', tf(sem.locked()))


gevent.spawn(driver).join()
print('end')
