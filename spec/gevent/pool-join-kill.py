# Group membership, join and kill: greenlets leave the group when they
# finish; join() returns False on a timeout and True once the group was
# empty, after the greenlet's own joiners ran; raise_error re-raises a
# member's failure; kill() kills every member (their except blocks run)
# and, given a timeout, gives up on one that does not die; killone() and
# discard() act on one member.
import gevent
from gevent.pool import Group

hub = gevent.get_hub()
hub.handle_error = lambda context, t, value, tb: print('reported:', value)


def tf(x):
    return 'true' if x else 'false'


group = Group()
killed = []


def sleeper(name, secs):
    try:
        gevent.sleep(secs)
    except gevent.GreenletExit:
        killed.append(name)
        raise
    print(name, 'woke up')
    return name


def stubborn():
    try:
        gevent.sleep(10)
    except gevent.GreenletExit:
        print('stubborn ignores the kill')
    gevent.sleep(0.2)
    print('stubborn ends')


def fails():
    gevent.sleep(0.02)
    raise ValueError('member failed')


def watch(g, name):
    g.join()
    print(name, 'saw its greenlet finish')


def driver():
    a = group.spawn(sleeper, 'a', 0.04)
    b = group.spawn(sleeper, 'b', 0.08)
    print('length', len(group), 'has a', tf(a in group), 'full', tf(group.full()))
    gevent.spawn(watch, b, 'watcher of b')
    print('join(0.02) ->', tf(group.join(timeout=0.02)))
    print('join() ->', tf(group.join()), 'length', len(group), 'has a', tf(a in group))
    print('join() on empty ->', tf(group.join()))

    group.spawn(fails)
    group.spawn(sleeper, 'c', 0.06)
    try:
        group.join(raise_error=True)
    except ValueError as e:
        print('join raise_error ->', e)
    print('length after', len(group))

    names = ['d', 'e', 'f']
    gs = [group.spawn(sleeper, n, 10) for n in names]
    gevent.sleep(0)
    group.kill()
    print('kill() -> length', len(group), 'killed', sorted(killed))
    print('values are GreenletExit:', all(isinstance(g.value, gevent.GreenletExit) for g in gs))

    del killed[:]
    s = group.spawn(stubborn)
    g = group.spawn(sleeper, 'g', 10)
    gevent.sleep(0)
    group.kill(timeout=0.05)
    print('kill(timeout) -> length', len(group), 'stubborn in group', tf(s in group), 'killed', killed)
    group.join()
    print('after stubborn: length', len(group))

    h = group.spawn(sleeper, 'h', 10)
    i = group.spawn(sleeper, 'i', 0.3)
    gevent.sleep(0)
    group.killone(h)
    print('killone(h) -> length', len(group), 'h dead', tf(h.dead))
    group.discard(i)
    print('discard(i) -> length', len(group), 'has i', tf(i in group))
    i.join()
    print('i finished outside the group, length', len(group))

    done = gevent.spawn(lambda: 'x')
    done.join()
    group.add(done)
    print('added a finished greenlet: length', len(group))
    gevent.sleep(0)
    print('after a turn: length', len(group))


gevent.spawn(driver).join()
print('end')
