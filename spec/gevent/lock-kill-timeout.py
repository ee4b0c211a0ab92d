# A lock (a BoundedSemaphore(1), as gevent's lock is) with waiters that are
# killed, time out (acquire's own timeout, and a Timeout around acquire)
# while waiting: none of them takes or leaks the lock, and each release goes
# to the next live waiter, in the order they waited.
import gevent
from gevent.lock import BoundedSemaphore


def tf(x):
    return 'true' if x else 'false'


lock = BoundedSemaphore(1)


def use(name):
    print(name, 'has the lock, counter', lock.counter)
    gevent.sleep(0.01)
    lock.release()
    print(name, 'released')


def waiter(name, timeout=None):
    print(name, 'waits')
    try:
        got = lock.acquire(timeout=timeout)
    except gevent.GreenletExit:
        print(name, 'killed while waiting')
        return
    if not got:
        print(name, 'timed out')
        return
    use(name)


def under_timeout(name, secs):
    print(name, 'waits under a Timeout')
    try:
        with gevent.Timeout(secs):
            lock.acquire()
    except gevent.Timeout:
        print(name, 'Timeout while waiting')
        return
    use(name)


def driver():
    lock.acquire()
    gs = [gevent.spawn(waiter, 'A'), gevent.spawn(waiter, 'B', 0.1),
          gevent.spawn(waiter, 'C'), gevent.spawn(under_timeout, 'D', 0.2),
          gevent.spawn(waiter, 'E'), gevent.spawn(waiter, 'F')]
    gevent.sleep(0)
    gs[0].kill()
    gevent.sleep(0.4)
    print('after kill and timeouts: locked', tf(lock.locked()))
    gs[4].kill()
    print('E killed too')
    lock.release()
    print('driver released')
    gevent.joinall(gs)
    print('locked', tf(lock.locked()), 'counter', lock.counter)
    print('driver acquires again', tf(lock.acquire(blocking=False)))
    lock.release()


gevent.spawn(driver).join()
print('end')
