# imap_unordered() gives results in the order the functions finish: on a
# Group all items run at once, on a Pool(2) two at a time (the next item
# starts in the slot the first finisher frees). A function that throws is
# read as that error, in its place in completion order. With maxsize=2 the
# spawning stays two items ahead of the reader.
import gevent
from gevent.pool import Group, Pool


def settle():
    # Lets everything queued run out with sleep(0)s, as the JavaScript twin
    # does (a timer there can overtake queued greenlets when the machine stalls).
    for _ in range(10):
        gevent.sleep(0)


hub = gevent.get_hub()
hub.handle_error = lambda context, t, value, tb: print('reported:', value)

delays = [0.12, 0.02, 0.08, 0.04, 0.16]


def work(i):
    print('work', i, 'starts')
    gevent.sleep(delays[i])
    if i == 3:
        raise ValueError('item 3 failed')
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


def quick(i):
    print('quick', i, 'runs')
    return i


def driver():
    print('-- Group')
    read_all(Group().imap_unordered(work, range(5)))
    print('-- Pool(2)')
    read_all(Pool(2).imap_unordered(work, range(5)))
    print('-- maxsize=2')
    it = Group().imap_unordered(quick, range(5), maxsize=2)
    settle()
    print('before reading')
    for value in it:
        print('read:', value)
        settle()
    print('-- empty')
    read_all(Pool(1).imap_unordered(work, []))


gevent.spawn(driver).join()
print('end')
