# AsyncResult: get() with a timeout, set() waking getters and waiters in the
# order they waited, set_exception() raised by every get(), get_nowait().
import gevent
from gevent.event import AsyncResult


def tf(x):
    return 'true' if x else 'false'


def getter(r, name):
    print(name, 'gets')
    try:
        print(name, 'got', r.get())
    except ValueError as e:
        print(name, 'raised', e)


def waiter(r, name):
    print(name, 'waits')
    r.wait()
    print(name, 'woke, ready', tf(r.ready()))


def driver():
    r = AsyncResult()
    print('ready', tf(r.ready()), 'successful', tf(r.successful()))
    try:
        r.get_nowait()
    except gevent.Timeout:
        print('get_nowait: not ready')
    try:
        r.get(timeout=0.01)
    except gevent.Timeout:
        print('get(timeout): timed out')
    print('wait(timeout) on unset', tf(r.wait(0.01) is not None))

    gs = [gevent.spawn(getter, r, 'A'), gevent.spawn(waiter, r, 'B'), gevent.spawn(getter, r, 'C')]
    gevent.sleep(0)
    r.set(42)
    print('set 42; ready', tf(r.ready()), 'successful', tf(r.successful()), 'value', r.value)
    print('driver get', r.get())
    gevent.joinall(gs)
    print('get_nowait', r.get_nowait())

    e = AsyncResult()
    gs = [gevent.spawn(getter, e, 'D'), gevent.spawn(getter, e, 'E')]
    gevent.sleep(0)
    e.set_exception(ValueError('boom'))
    print('set_exception; ready', tf(e.ready()), 'successful', tf(e.successful()), 'exception', e.exception)
    gevent.joinall(gs)
    try:
        e.get_nowait()
    except ValueError as err:
        print('get_nowait raised', err)

    # A getter whose own timeout expires is not woken later; the others are.
    t = AsyncResult()

    def timed_getter(name, secs):
        try:
            print(name, 'got', t.get(timeout=secs))
        except gevent.Timeout:
            print(name, 'timed out')
    gs = [gevent.spawn(timed_getter, 'F', 0.01), gevent.spawn(timed_getter, 'G', 5)]
    gevent.sleep(0.1)
    t.set('late')
    gevent.joinall(gs)


gevent.spawn(driver).join()
print('end')
