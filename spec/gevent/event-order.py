# Event wake-up order: FIFO waiters, latecomers queue behind a notification
# under way, set()+clear() still wakes everyone (even a party that blocked
# after the clear), timeouts and kills leave the other waiters in order.
import gevent
from gevent.event import Event


def tf(x):
    return 'true' if x else 'false'


ev = Event()


def waiter(name, again=False):
    print(name, 'waits')
    r = ev.wait()
    print(name, 'woke', tf(r), 'flag', tf(ev.is_set()))
    if again:
        r = ev.wait()
        print(name, 'woke again', tf(r))


def timed(name, secs):
    print(name, 'waits', secs)
    print(name, 'returned', tf(ev.wait(secs)))


def killed(name):
    print(name, 'waits')
    try:
        ev.wait()
        print(name, 'woke')
    except gevent.GreenletExit:
        print(name, 'killed while waiting')


def driver():
    print('-- FIFO, and latecomers wait behind the notification')
    gs = [gevent.spawn(waiter, 'A', True), gevent.spawn(waiter, 'B'), gevent.spawn(waiter, 'C')]
    gevent.sleep(0)
    ev.set()
    print('set; links', len(gs))
    r = ev.wait()
    print('driver woke', tf(r))
    gevent.joinall(gs)

    print('-- set then clear before anyone ran')
    ev.clear()
    gs = [gevent.spawn(waiter, 'D'), gevent.spawn(waiter, 'E')]
    gevent.sleep(0)
    ev.set()
    ev.clear()
    print('flag after set+clear', tf(ev.is_set()))
    # Blocks: the flag is clear. But it links before the notification runs.
    print('driver wait after set+clear', tf(ev.wait(1)))
    gevent.joinall(gs)

    print('-- timeouts and kills among waiters')
    gs = [gevent.spawn(timed, 'F', 0.01), gevent.spawn(waiter, 'G'),
          gevent.spawn(killed, 'H'), gevent.spawn(waiter, 'I')]
    gevent.sleep(0.1)
    print('F done', tf(gs[0].dead))
    gs[2].kill()
    print('H killed', tf(gs[2].dead))
    ev.set()
    gevent.joinall(gs)
    print('wait(0) on a set event', tf(ev.wait(0)))
    ev.clear()
    print('wait(0) on a clear event', tf(ev.wait(0)))

    print('-- wait() on several events')
    e1, e2 = Event(), Event()

    def setter():
        e2.set()
        gevent.sleep(0.05)
        e1.set()
    gevent.spawn(setter)
    done = gevent.wait([e1, e2], count=1)
    print('first ready', 'e1' if done[0] is e1 else 'e2', len(done))
    done = gevent.wait([e1, e2])
    print('all ready', len(done))


gevent.spawn(driver).join()
print('end')
