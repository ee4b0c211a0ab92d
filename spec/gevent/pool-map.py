# map() on a Pool(2): the functions run at most two at a time, in item order
# as slots free up, and map() returns the results in item order. A function
# that throws makes map() raise that error once the items before it are
# done (the items after it still run). apply() runs in a pool greenlet, or
# right there when called from a member (no deadlock on a full pool).
import gevent
from gevent.pool import Pool

hub = gevent.get_hub()
hub.handle_error = lambda context, t, value, tb: print('reported:', value)

pool = Pool(2)
delays = {1: 0.3, 2: 0.06, 3: 0.12, 4: 0.24, 5: 0.03}


def square(x):
    print('square', x, 'starts')
    gevent.sleep(delays[x])
    print('square', x, 'ends')
    return x * x


def picky(x):
    gevent.sleep(delays[x])
    if x == 3:
        raise ValueError('no 3')
    print('picky', x, 'ok')
    return x


small = Pool(1)


def inner():
    print('inner runs in a member of the Pool(1):', gevent.getcurrent() in small)
    return 'inner result'


def driver():
    print('map ->', pool.map(square, [1, 2, 3, 4, 5]))
    try:
        pool.map(picky, [1, 2, 3, 4, 5])
    except ValueError as e:
        print('map raised:', e)
    pool.join()
    print('after join, length', len(pool))
    print('apply ->', pool.apply(square, (4,)))
    print('apply from a member ->', small.apply(lambda: small.apply(inner)))
    print('map of nothing ->', pool.map(square, []))


gevent.spawn(driver).join()
print('end')
