# The Pool blocking calls at a script's top level (the main greenlet, the
# root in fibernet): spawn() on a full pool, wait_available(), join() with a
# timeout and without, map(), imap_unordered(), and kill() of what is left.
import gevent
from gevent.pool import Pool


def tf(x):
    return 'true' if x else 'false'


pool = Pool(2)


def work(name, secs):
    try:
        gevent.sleep(secs)
    except gevent.GreenletExit:
        print(name, 'killed')
        raise
    print(name, 'done')
    return name


pool.spawn(work, 'a', 0.04)
pool.spawn(work, 'b', 0.2)
print('full', tf(pool.full()))
pool.spawn(work, 'c', 0.3)
print('c spawned after a finished')
print('wait_available(0.01) ->', pool.wait_available(timeout=0.01))
print('join(0.01) ->', tf(pool.join(timeout=0.01)))
print('join() ->', tf(pool.join()))
print('map ->', pool.map(lambda x: x + 1, [1, 2, 3]))
print('imap_unordered ->', list(pool.imap_unordered(lambda s: work('u%d' % (s * 100), s), [0.06, 0.02])))
pool.spawn(work, 'forever', 10)
gevent.sleep(0)
pool.kill()
print('after kill: length', len(pool), 'free', pool.free_count())
