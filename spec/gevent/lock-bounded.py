# BoundedSemaphore: a release above the initial value raises
# "Semaphore released too many times" and changes nothing; a permit released
# for a waiter counts as taken once the notification handed it out. The
# semaphore has no owner: any greenlet may release it.
import gevent
from gevent.lock import BoundedSemaphore


def tf(x):
    return 'true' if x else 'false'


b = BoundedSemaphore(2)


def over_release(label):
    try:
        b.release()
        print(label, 'released, counter', b.counter)
    except ValueError as e:
        print(label, 'raised:', e, '- counter', b.counter)


def waiter(name):
    print(name, 'waits')
    b.acquire()
    print(name, 'acquired, counter', b.counter)


def driver():
    print('counter', b.counter, 'locked', tf(b.locked()))
    over_release('release at the bound')
    b.acquire()
    b.acquire()
    print('both taken: counter', b.counter, 'locked', tf(b.locked()))
    g = gevent.spawn(waiter, 'W')
    gevent.sleep(0)
    b.release()
    print('released one for W, before the notification: counter', b.counter)
    b.release()
    print('released the other: counter', b.counter)
    over_release('third release before the notification')
    gevent.sleep(0)
    g.join()
    print('after W ran: counter', b.counter)
    # Released by a greenlet that never acquired it: allowed, there is no owner.
    gevent.spawn(over_release, 'release by another greenlet').join()
    over_release('one more')
    print('counter', b.counter, 'locked', tf(b.locked()))


gevent.spawn(driver).join()
print('end')
