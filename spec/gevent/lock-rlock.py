# RLock: re-entrant for the greenlet that holds it; another greenlet cannot
# take it (with or without a timeout) nor release it; the waiter gets it
# only after the last release; releasing an unheld RLock raises.
import gevent
from gevent.event import Event
from gevent.lock import RLock


def tf(x):
    return 'true' if x else 'false'


lock = RLock()
handed = Event()


def locked():
    # gevent 22.10's RLock has no locked(); fibernet's is its semaphore's.
    return lock._block.locked()


def try_release(label):
    try:
        lock.release()
        print(label, 'released')
    except RuntimeError:
        print(label, 'refused: cannot release un-acquired lock')


def other():
    print('other: acquire(timeout)', tf(lock.acquire(timeout=0.01)))
    print('other: acquire(blocking=False)', tf(lock.acquire(blocking=False)))
    try_release('other: release')
    print('other: blocks in acquire()')
    lock.acquire()
    print('other: acquired')
    print('other: again', tf(lock.acquire()))
    handed.set()
    gevent.sleep(0.02)
    lock.release()
    print('other: released once, locked', tf(locked()))
    lock.release()
    print('other: released twice, locked', tf(locked()))


def driver():
    try_release('driver: release before anyone held it')
    for i in range(3):
        print('driver: acquire', i + 1, tf(lock.acquire()))
    print('locked', tf(locked()))
    g = gevent.spawn(other)
    gevent.sleep(0.05)
    lock.release()
    lock.release()
    print('driver: released twice, still locked', tf(locked()))
    gevent.sleep(0)
    print('driver: last release')
    lock.release()
    handed.wait()
    print('driver: acquire(blocking=False) while other holds it', tf(lock.acquire(blocking=False)))
    try_release('driver: release')
    g.join()
    print('locked', tf(locked()))
    try_release('driver: release after all')


gevent.spawn(driver).join()
print('end')
