# imap() on a Pool(2): results come in item order while the functions run
# two at a time and finish out of order. A function that throws makes that
# one next() raise; reading goes on with the next items. An error from the
# items' own iterator comes after the results before it and ends the
# iteration. maxsize=1 keeps the spawning one item ahead of the reader.
import gevent
from gevent.pool import Group, Pool


def settle():
    # Lets everything queued run out with sleep(0)s, as the JavaScript twin
    # does (a timer there can overtake queued greenlets when the machine stalls).
    for _ in range(10):
        gevent.sleep(0)


hub = gevent.get_hub()
hub.handle_error = lambda context, t, value, tb: print('reported:', value)

pool = Pool(2)
delays = [0.1, 0.02, 0.04, 0.08, 0.01]


def work(i):
    print('work', i, 'starts')
    gevent.sleep(delays[i])
    if i == 2:
        raise ValueError('item 2 failed')
    print('work', i, 'ends')
    return 'r%d' % i


def read_all(it):
    while True:
        try:
            value = next(it)
        except StopIteration:
            print('read: done')
            return
        except ValueError as e:
            print('read: error', e)
            continue
        print('read:', value)


def items_then_error():
    yield 0
    yield 1
    raise RuntimeError('items broke')


def quick(i):
    print('quick', i, 'runs')
    return i


def driver():
    read_all(pool.imap(work, range(5)))
    try:
        for value in pool.imap(quick, items_then_error()):
            print('read:', value)
    except RuntimeError as e:
        print('read: items error', e)
    group = Group()
    it = group.imap(quick, range(4), maxsize=1)
    settle()
    print('maxsize=1 before reading')
    for value in it:
        print('read:', value)
        settle()


gevent.spawn(driver).join()
print('end')
