# One FIFO on the Hub: notifications (Event.set, a release, a queue's unlock),
# greenlet starts (spawn), sleep(0) and run_callback run in the order they
# were queued; a greenlet a notification wakes runs right then, before what
# was queued after the notification.
import gevent
from gevent.event import Event
from gevent.lock import Semaphore
from gevent.queue import Queue


def settle():
    # Lets everything queued run out with sleep(0)s, as the JavaScript twin
    # does (a timer there can overtake queued greenlets when the machine stalls).
    for _ in range(10):
        gevent.sleep(0)


hub = gevent.get_hub()


def waiter(ev, name):
    ev.wait()
    print(name, 'woke')


def say(name):
    print(name, 'ran')


def sleeper(name):
    print(name, 'sleeps')
    gevent.sleep(0)
    print(name, 'back from sleep(0)')


def getter(q, name):
    print(name, 'got', q.get())


def acquirer(sem, name):
    sem.acquire()
    print(name, 'acquired')
    sem.release()


def driver():
    print('-- set, then spawn')
    ev = Event()
    gevent.spawn(waiter, ev, 'waiter')
    gevent.sleep(0)
    ev.set()
    gevent.spawn(say, 'spawned after set')
    settle()

    print('-- spawn, then set')
    ev = Event()
    gevent.spawn(waiter, ev, 'waiter')
    gevent.sleep(0)
    gevent.spawn(say, 'spawned before set')
    ev.set()
    settle()

    print('-- two waiters, a callback and a spawn between them')
    ev = Event()
    gevent.spawn(waiter, ev, 'w1')
    gevent.spawn(waiter, ev, 'w2')
    gevent.sleep(0)
    hub.loop.run_callback(say, 'callback before set')
    ev.set()
    hub.loop.run_callback(say, 'callback after set')
    gevent.spawn(say, 'spawned after set')
    settle()

    print('-- put, then spawn; spawn, then put')
    q = Queue()
    gevent.spawn(getter, q, 'g1')
    gevent.sleep(0)
    q.put('x')
    gevent.spawn(say, 'spawned after put')
    settle()
    gevent.spawn(getter, q, 'g2')
    gevent.sleep(0)
    gevent.spawn(say, 'spawned before put')
    q.put('y')
    settle()

    print('-- release, then spawn')
    sem = Semaphore(0)
    gevent.spawn(acquirer, sem, 'a1')
    gevent.spawn(acquirer, sem, 'a2')
    gevent.sleep(0)
    sem.release()
    gevent.spawn(say, 'spawned after release')
    settle()

    print('-- sleep(0) takes its turn among the rest')
    gevent.spawn(sleeper, 's1')
    gevent.spawn(sleeper, 's2')
    gevent.sleep(0)
    hub.loop.run_callback(say, 'callback after the sleeps')
    gevent.spawn(say, 'spawned after the sleeps')
    settle()

    print('-- a greenlet that dies: its links, then what they queued')
    g = gevent.spawn(say, 'dying')
    ev = Event()
    gevent.spawn(waiter, ev, 'woken by a link')
    g.rawlink(lambda _: (print('link 1'), ev.set()))
    g.rawlink(lambda _: print('link 2'))
    settle()
    print('end')


gevent.spawn(driver).join()
